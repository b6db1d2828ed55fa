"""Building blocks of the generator: facts with randomised slots, intents, industries.

A *fact* is one line of a company's knowledge-base excerpt ("Returns: unused items within 14 days of
delivery"). Its numbers, days, fees and plan names are *slots*, drawn per conversation from a closed
set of plausible values, so nothing can be memorised across conversations. The same slot values are
used wherever the fact is stated (the KB line and the reply sentences), which is what lets the
hallucination category change exactly one value and lets tests verify that the KB states the truth.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field


class _Ctx(dict[str, str]):
    """format_map context that fails loudly on a missing key (a template bug, never data)."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"template slot {{{key}}} has no value")


def fill(template: str, ctx: dict[str, str]) -> str:
    """Fill ``{slot}`` placeholders; ``{Slot}`` (capitalised) gives the value capitalised."""
    extra = {k[:1].upper() + k[1:]: cap(v) for k, v in ctx.items() if v}
    return template.format_map(_Ctx({**ctx, **extra}))


def cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def join(*parts: str) -> str:
    """Join sentence fragments with single spaces, dropping empty ones."""
    return " ".join(p.strip() for p in parts if p and p.strip())


@dataclass(frozen=True)
class Fact:
    """One knowledge-base fact. ``kb`` is the KB line; ``say`` are ways a reply states it."""

    key: str
    kb: str
    say: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def draw(self, rng: random.Random) -> dict[str, str]:
        return {name: rng.choice(values) for name, values in self.slots.items()}


@dataclass(frozen=True)
class Intent:
    """A customer intent of one industry, answered by one KB fact plus an actionable step."""

    key: str
    topic: str  # noun phrase: "returning an item"
    fact: Fact
    asks: tuple[str, ...]  # the customer's question, in several phrasings
    steps: tuple[str, ...]  # actionable next steps, in several phrasings
    vague: str = ""  # a first message that names the problem without the question (multi-turn)


@dataclass(frozen=True)
class Industry:
    key: str
    description: str  # "an online clothing store"
    companies: tuple[str, ...]
    items: tuple[str, ...]  # things customers talk about: "jacket", "router"
    ref_name: str  # "order number"
    ref_prefix: str  # "#A"
    intents: tuple[Intent, ...]
    extra_facts: tuple[Fact, ...]  # KB-only facts (hours, escalation, promotions)
    action: tuple[str, str, str]  # capability: (base verb phrase, past tense, team)


@dataclass
class Conversation:
    """Everything drawn for one conversation: who, what, the KB and its values."""

    industry: Industry
    company: str
    intent: Intent
    values: dict[str, dict[str, str]]  # fact key -> slot values
    kb_facts: list[Fact]
    ctx: dict[str, str]  # item, ref, ref_name, company, topic

    def fact_ctx(self, fact: Fact, override: dict[str, str] | None = None) -> dict[str, str]:
        vals = dict(self.values.get(fact.key) or {})
        if override:
            vals.update(override)
        return {**self.ctx, **vals}

    def kb_text(self) -> str:
        return "\n".join("- " + fill(f.kb, self.fact_ctx(f)) for f in self.kb_facts)


_WORD = re.compile(r"[A-Za-z0-9$£€%.:]+")


def mentions(text: str, value: str) -> bool:
    """Whether ``value`` occurs in ``text`` as a whole token sequence (14 is not in 140)."""
    return re.search(r"(?<![\w$])" + re.escape(value) + r"(?![\w])", text) is not None


def make_ref(rng: random.Random, prefix: str) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(5))
    return f"{prefix}{digits}"
