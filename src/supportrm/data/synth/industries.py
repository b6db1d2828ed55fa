"""Industries, their fictional companies, customer intents and knowledge-base facts (generator v1).

The content lives in ``content_v1/industries/<key>.yaml``, one file per industry, in the order of
``content_v1/index.yaml`` (schema: :mod:`supportrm.data.synth.content`). All text there was written
for this project. Company names are invented; any resemblance to a real business is accidental.
Every intent's answer is grounded in exactly one KB fact whose values are randomised per
conversation (see :mod:`supportrm.data.synth.spec`).
"""

from __future__ import annotations

from supportrm.data.synth.content import FactSpec, IndustryFile, IntentSpec, load_industries
from supportrm.data.synth.spec import Fact, Industry, Intent


def build_fact(spec: FactSpec) -> Fact:
    return Fact(spec.key, spec.kb, spec.say, dict(spec.slots))


def build_intent(spec: IntentSpec) -> Intent:
    """An intent and the fact that answers it (both named by the intent's key)."""
    return Intent(spec.key, spec.topic, build_fact(spec), spec.asks, spec.steps, spec.vague)


def build_industry(spec: IndustryFile) -> Industry:
    return Industry(
        key=spec.key,
        description=spec.description,
        companies=spec.companies,
        items=spec.items,
        ref_name=spec.ref_name,
        ref_prefix=spec.ref_prefix,
        intents=tuple(build_intent(i) for i in spec.intents),
        extra_facts=tuple(build_fact(f) for f in spec.extra_facts),
        action=(spec.action.verb, spec.action.past, spec.action.team),
    )


_FILES = load_industries()

INDUSTRIES: tuple[Industry, ...] = tuple(build_industry(f) for f in _FILES)

#: Items that fit a particular intent's questions (otherwise the industry's items are used): one
#: does not reset a debit card or pause an exam.
INTENT_ITEMS: dict[str, tuple[str, ...]] = {
    i.key: i.items for f in _FILES for i in f.intents if i.items
}

#: What a customer of each industry might cancel (refusal scenarios).
SERVICES: dict[str, tuple[str, ...]] = {f.key: f.services for f in _FILES}
#: Physical goods, for refusal scenarios about deliveries and chargebacks.
PRODUCTS: dict[str, tuple[str, ...]] = {f.key: f.products for f in _FILES if f.products}
