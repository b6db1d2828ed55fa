"""The v2 generator's content, read from YAML files and validated on load.

Everything a support expert would want to change (industries, their companies and policies, the
customer's questions, the replies' phrasings, refusal scenarios, phrase banks) lives in data files
under ``content/``; this module only defines their shape. A file that does not fit is refused
with its path and the offending field, before any pair is generated.

Placeholders are ``{name}``. A policy may use its own ``slots`` (values drawn per conversation)
and the conversation fields in :data:`CONTEXT_FIELDS`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from supportrm.data.synth.content import Content, ContentError, load, placeholders

CONTENT_DIR = Path(__file__).with_name("content")

#: Conversation fields any text may use.
CONTEXT_FIELDS = frozenset({"company", "ref_name", "ref", "name", "email", "digits", "topic"})

#: How a wrong claim (or an alternative rule) departs from the knowledge base.
HallucinationKind = Literal[
    "false_capability",  # an action support cannot take ("I've extended your trial")
    "wrong_tier",  # a rule applied to the wrong fare, plan, tier or membership level
    "waived_fee",  # a fee waived that the policy charges
    "stretched_limit",  # a limit or window stretched (or shrunk)
    "wrong_team",  # the responsibility given to the wrong team or channel
    "wrong_contact",  # a wrong phone number, email address, opening hours, place
    "wrong_condition",  # a condition added, dropped or reversed
]

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class Alternative(Content):
    """A different rule for the same topic. Some conversations' KB states it instead of the main
    rule; then stating the main rule is the hallucination, and vice versa."""

    kind: HallucinationKind
    kb: str
    answer: list[str] = Field(min_length=1)
    step: list[str] = Field(default_factory=list, description="Default: the policy's steps.")


class WrongClaim(Content):
    """A fluent claim that contradicts the main rule and no alternative states."""

    kind: HallucinationKind
    text: str
    in_place_of: Literal["answer", "step"] = "answer"


class Policy(Content):
    key: str
    topic: str = Field(description="Noun phrase: 'checked baggage fees'.")
    slots: dict[str, list[str]] = Field(default_factory=dict)
    kb: str = Field(description="The KB line, one or two sentences.")
    ask: list[str] = Field(min_length=3, description="The customer's question, several ways.")
    vague: str = Field(description="A first message that names the problem, not the question.")
    answer: list[str] = Field(min_length=2, description="Correct statements of the rule.")
    step: list[str] = Field(min_length=2, description="The actionable next step.")
    alternatives: list[Alternative] = Field(default_factory=list)
    wrong: list[WrongClaim] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(f"{v!r}: use lower_snake_case")
        return v

    @field_validator("slots")
    @classmethod
    def _slot_values(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, values in v.items():
            if len(values) < 2 or len(set(values)) != len(values):
                raise ValueError(f"slot {name!r}: at least 2 distinct values")
        return v

    @model_validator(mode="after")
    def _fields_known(self) -> Policy:
        known = set(self.slots) | CONTEXT_FIELDS
        texts = [self.kb, *self.ask, self.vague, *self.answer, *self.step]
        for alt in self.alternatives:
            texts += [alt.kb, *alt.answer, *alt.step]
        texts += [w.text for w in self.wrong]
        for t in texts:
            unknown = placeholders(t) - known
            if unknown:
                raise ValueError(
                    f"{sorted(unknown)} in {t!r} is neither a slot nor a context field"
                )
        kb_slots = placeholders(self.kb) & set(self.slots)
        for a in [*self.answer, *self.step]:
            extra = (placeholders(a) & set(self.slots)) - kb_slots
            if extra:
                raise ValueError(f"{a!r} states {sorted(extra)}, which the kb line does not")
        if not self.alternatives and not self.wrong and not kb_slots:
            raise ValueError("needs a slot in the kb line, an alternative or a wrong claim")
        return self


class Industry(Content):
    key: str
    description: str = Field(description="'a low-cost airline'")
    companies: list[str] = Field(min_length=3)
    ref_name: str = Field(description="What identifies a customer's case: 'booking reference'.")
    ref_format: str = Field(description="A = upper-case letter, 9 = digit, anything else literal.")
    policies: list[Policy] = Field(min_length=6)

    @model_validator(mode="after")
    def _unique(self) -> Industry:
        keys = [p.key for p in self.policies]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"duplicate policy keys {sorted(dup)}")
        return self


@cache
def industries(root: Path = CONTENT_DIR) -> tuple[Industry, ...]:
    """Every ``industries/*.yaml``, validated, in file-name order."""
    files = sorted((root / "industries").glob("*.yaml"))
    if not files:
        raise ContentError(f"{root / 'industries'}: no industry files")
    out = tuple(load(f, Industry) for f in files)
    for f, ind in zip(files, out, strict=True):
        if ind.key != f.stem:
            raise ContentError(f"{f}: key {ind.key!r} must match the file name")
    return out


# -- phrase banks, refusal scenarios, conversation scaffolding --------------------------------

RudeStyle = Literal[
    "curt",
    "condescending",
    "blaming",
    "sarcastic",
    "passive_aggressive",
    "dismissive",
    "too_casual",
    "robotic",
]


class Persona(Content):
    """A company's house style: the neutral openers and closers its agents use (both replies of a
    pair draw from the same persona, so these carry no label)."""

    key: str
    openers: list[str] = Field(min_length=5)
    closers: list[str] = Field(min_length=5)


class Padding(Content):
    """Brevity: what padded replies are padded with."""

    restate: list[str] = Field(min_length=5, description="Restating the question ({topic}).")
    filler: list[str] = Field(min_length=5, description="Empty sympathy or reassurance.")
    caveat: list[str] = Field(min_length=5, description="Needless hedges and disclaimers.")
    boilerplate: list[str] = Field(min_length=5, description="Corporate boilerplate ({company}).")
    repeat_lead: list[str] = Field(min_length=3, description="Lead-ins before repeating a fact.")


class Frame(Content):
    """Text put before and/or after the substance of a reply (either may be empty)."""

    before: str = ""
    after: str = ""

    @model_validator(mode="after")
    def _not_empty(self) -> Frame:
        if not (self.before or self.after):
            raise ValueError("a frame needs text before or after")
        return self


class Replies(Content):
    personas: list[Persona] = Field(min_length=3)
    warm: list[Frame] = Field(min_length=10, description="Tone: warm, professional framing.")
    rude: dict[RudeStyle, list[Frame]] = Field(description="Tone: one list per rude style.")
    warm_twins: dict[RudeStyle, list[Frame]] = Field(
        default_factory=dict,
        description="Tone: for each rude frame (same style, same position) a warm frame that "
        "reuses its words kindly, so single words do not mark the rude reply.",
    )
    generic: list[str] = Field(min_length=10, description="Helpfulness: generic non-answers.")
    deflect: list[str] = Field(min_length=5, description="Helpfulness: sends elsewhere.")
    ask_again: list[str] = Field(min_length=5, description="Asks for the {ref_name} again.")
    vague_step: list[str] = Field(min_length=5, description="A non-actionable wave at a process.")
    connectors: list[str] = Field(min_length=4, description="Lead-ins for an extra fact.")
    checked: list[str] = Field(
        default_factory=list,
        description="True first-person statements of what the agent did ('I've checked your "
        "booking.'): they keep 'I've' from marking the wrong claims of hallucination pairs.",
    )
    padding: Padding

    @field_validator("rude")
    @classmethod
    def _every_style(cls, v: dict[str, list[Frame]]) -> dict[str, list[Frame]]:
        missing = set(RudeStyle.__args__) - set(v)  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"missing rude styles {sorted(missing)}")
        thin = [k for k, frames in v.items() if len(frames) < 8]
        if thin:
            raise ValueError(f"rude styles with fewer than 8 frames: {thin}")
        return v

    @model_validator(mode="after")
    def _twins_match(self) -> Replies:
        for style, twins in self.warm_twins.items():
            if len(twins) != len(self.rude[style]):
                raise ValueError(
                    f"warm_twins.{style}: {len(twins)} frames for {len(self.rude[style])} rude ones"
                )
        return self


class Request(Content):
    kind: str = Field(description="Why it must be declined, or why it is legitimate.")
    text: str


class Scenario(Content):
    """A request family with must-decline and legitimate versions that share the replies: the
    decline is right for every must-decline version and an over-refusal for every legitimate
    one; the compliance is the reverse. Only the request (and its verification) decides."""

    key: str
    industries: list[str] = Field(default_factory=list, description="Empty: every industry.")
    must_decline: list[Request] = Field(min_length=2)
    legitimate: list[Request] = Field(min_length=2)
    decline: list[str] = Field(min_length=2)
    comply: list[str] = Field(min_length=2)

    @model_validator(mode="after")
    def _fields_known(self) -> Scenario:
        texts = [r.text for r in self.must_decline + self.legitimate] + self.decline + self.comply
        for t in texts:
            unknown = placeholders(t) - CONTEXT_FIELDS
            if unknown:
                raise ValueError(f"{sorted(unknown)} in {t!r} is not a context field")
        return self


SessionStatus = Literal["verified", "unverified", "guest"]


class Refusals(Content):
    scenarios: list[Scenario] = Field(min_length=10)
    session_notes: dict[SessionStatus, list[str]] = Field(
        default_factory=dict,
        description="What the assistant's console shows about the person chatting, by status.",
    )


class Voice(Content):
    """A customer's way of writing: phrases before/after the question (first turn) and, for later
    turns, none. Character-level styles (typos, lower case) are applied in code."""

    key: str
    weight: float = Field(gt=0)
    before: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list)


class Scaffolding(Content):
    """System messages and the turns around the customer's question."""

    system: list[str] = Field(min_length=5, description="{company} {description} {kb}")
    kb_headers: list[str] = Field(min_length=3)
    voices: list[Voice] = Field(min_length=5)
    clarify: list[str] = Field(min_length=3, description="Assistant asks what the problem is.")
    greeting: list[str] = Field(min_length=3)
    greeting_reply: list[str] = Field(min_length=2)
    follow_up: list[str] = Field(min_length=3, description="Customer moves to a new question.")
    give_ref: list[str] = Field(min_length=3, description="Customer states {ref_name} {ref}.")


@cache
def replies(root: Path = CONTENT_DIR) -> Replies:
    return load(root / "replies.yaml", Replies)


@cache
def refusal_scenarios(root: Path = CONTENT_DIR) -> Refusals:
    return load(root / "refusals.yaml", Refusals)


@cache
def scaffolding(root: Path = CONTENT_DIR) -> Scaffolding:
    return load(root / "scaffolding.yaml", Scaffolding)
