"""The v1 generator's content, read from the YAML files under ``content_v1/`` and validated on load.

The files hold the industries (``industries/<key>.yaml``, drawn in the order of ``index.yaml``),
the phrase banks of the replies (``phrases.yaml``), the refusal scenarios (``scenarios.yaml``) and
the phrases of the customer voices (``voices.yaml``). This module only defines their shape;
:mod:`~supportrm.data.synth.industries`, :mod:`~supportrm.data.synth.phrases`,
:mod:`~supportrm.data.synth.scenarios` and :mod:`~supportrm.data.synth.voices` build the
generator's objects from them. A file that does not fit is refused with its path and the
offending field, before any pair is generated.

Order matters in every list: the generator's seeded choices index into them, so reordering or
editing any text changes support-pairs-v1, which must regenerate byte for byte (tests/test_synth.py).
Placeholders are ``{name}`` (``{Name}`` gives the value capitalised).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONTENT_DIR = Path(__file__).with_name("content_v1")

#: The conversation fields (``Conversation.ctx``) that any industry or phrase text may use.
CONVERSATION_FIELDS = frozenset(
    {"company", "description", "item", "service", "product", "ref_name", "ref", "topic"}
    | {"act", "past", "team"}
)
#: What refusal scenarios may use besides: the request's name, address, email and digits.
SCENARIO_FIELDS = CONVERSATION_FIELDS | {"name", "street", "city", "email", "digits"}

Texts = Annotated[tuple[str, ...], Field(min_length=1)]
Text = Annotated[str, Field(min_length=1)]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class ContentError(ValueError):
    """A content file that does not fit its schema; the message names the file and field."""


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` fields in ``text`` (``{Name}`` counts as ``name``)."""
    names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    return {n[:1].lower() + n[1:] for n in names}


def _check_fields(texts: Iterable[str], known: Iterable[str] = CONVERSATION_FIELDS) -> None:
    """Refuse a ``{placeholder}`` that nothing fills (a typo would fail mid-generation)."""
    known = set(known)
    for text in texts:
        unknown = placeholders(text) - known
        if unknown:
            raise ValueError(f"{sorted(unknown)} in {text!r} is neither a slot nor a known field")


# -- industries ----------------------------------------------------------------------------


class FactSpec(Content):
    """A knowledge-base fact: its KB line, the ways a reply states it, and its slots (values drawn
    per conversation, in this order)."""

    key: Key
    slots: dict[str, Texts] = Field(default_factory=dict)
    kb: Text
    say: Texts

    def texts(self) -> list[str]:
        return [self.kb, *self.say]

    @model_validator(mode="after")
    def _fields_known(self) -> FactSpec:
        _check_fields(self.texts(), set(self.slots) | CONVERSATION_FIELDS)
        return self


class IntentSpec(FactSpec):
    """A customer intent, answered by its own fact (same key) plus an actionable step."""

    topic: Text
    asks: Texts
    vague: str = Field(description="A first message that names the problem (multi-turn).")
    steps: Texts
    items: tuple[str, ...] = Field(default=(), description="Default: the industry's items.")

    def texts(self) -> list[str]:
        return [*super().texts(), *self.asks, self.vague, *self.steps]


class Action(Content):
    """What a chat agent may or may not be able to do (the capability fact)."""

    verb: Text
    past: Text
    team: Text


class IndustryFile(Content):
    key: Key
    description: Text
    companies: Texts
    items: Texts
    ref_name: Text
    ref_prefix: str
    action: Action
    services: Texts = Field(description="What a customer might cancel (refusal scenarios).")
    products: tuple[str, ...] = Field(default=(), description="Default: the industry's items.")
    intents: Annotated[tuple[IntentSpec, ...], Field(min_length=1)]
    extra_facts: tuple[FactSpec, ...] = Field(default=(), description="KB-only facts.")

    @model_validator(mode="after")
    def _unique_facts(self) -> IndustryFile:
        keys = [f.key for f in (*self.intents, *self.extra_facts)]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"duplicate fact keys {dup}")
        return self


class Index(Content):
    industries: Annotated[tuple[Key, ...], Field(min_length=1)]


# -- phrase banks, refusal scenarios, voices ------------------------------------------------


class Frame(Content):
    before: str
    after: str


class PhrasesFile(Content):
    openers: Texts
    closers: Texts
    warm_open: Texts
    warm_close: Texts
    rude: Annotated[
        dict[Key, Annotated[tuple[Frame, ...], Field(min_length=1)]], Field(min_length=1)
    ]
    pad_open: Texts
    pad_restate: Texts
    pad_repeat: Texts
    pad_caveat: Texts
    pad_close: Texts
    generic: Annotated[tuple[str, ...], Field(min_length=2)]
    ask_again: Texts
    ask_more: Texts
    vague_more: Texts
    stops_short: Texts
    decline_lead: Texts
    comply_lead: Texts

    @field_validator("*")
    @classmethod
    def _fields_known(cls, v: tuple[str, ...] | dict[str, tuple[Frame, ...]]) -> object:
        if isinstance(v, dict):
            _check_fields([t for fs in v.values() for f in fs for t in (f.before, f.after)])
        else:
            _check_fields(v)
        return v


class ScenarioSpec(Content):
    key: Key
    kind: Literal["privacy", "verification", "fraud", "abuse"]
    industries: tuple[Key, ...] = Field(default=(), description="Default: every industry.")
    legit: Texts
    bad: Texts
    what: Text
    alternative: Texts
    comply: Texts

    @field_validator("legit", "bad", "what", "alternative", "comply")
    @classmethod
    def _fields_known(cls, v: str | tuple[str, ...]) -> str | tuple[str, ...]:
        _check_fields([v] if isinstance(v, str) else v, SCENARIO_FIELDS)
        return v


class ScenariosFile(Content):
    names: Texts
    streets: Texts
    cities: Texts
    emails: Texts
    decline_reason: Texts
    scenarios: Annotated[tuple[ScenarioSpec, ...], Field(min_length=1)]


class Wrap(Content):
    """Phrases put before and after the customer's question (either may be empty)."""

    before: Texts
    after: Texts


class Rewrite(Content):
    pattern: Text
    replacement: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return v


class NonNative(Wrap):
    rewrites: Annotated[tuple[Rewrite, ...], Field(min_length=1)]


class VoicesFile(Content):
    polite: Wrap
    angry: Wrap
    confused: Wrap
    rambling: Texts
    non_native: NonNative


# -- loading --------------------------------------------------------------------------------

M = TypeVar("M", bound=Content)

# libyaml's safe loader when present (about ten times faster; same result on these files).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path, model: type[M]) -> M:
    """Read and validate one file; any problem is a :class:`ContentError` naming the file."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except OSError as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{path}: {'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ContentError("\n".join(lines)) from None


def load_industries(root: Path = CONTENT_DIR) -> tuple[IndustryFile, ...]:
    """Every industry file, in the order of ``index.yaml`` (which must list each one once)."""
    index_path = root / "index.yaml"
    order = load(index_path, Index).industries
    files = {p.stem: p for p in (root / "industries").glob("*.yaml")}
    problems = {
        "listed twice": sorted({k for k in order if order.count(k) > 1}),
        "files not listed": sorted(set(files) - set(order)),
        "listed without a file": sorted(set(order) - set(files)),
    }
    if any(problems.values()):
        found = "; ".join(f"{what} {keys}" for what, keys in problems.items() if keys)
        raise ContentError(f"{index_path}: industries: {found}")
    out = tuple(load(files[key], IndustryFile) for key in order)
    seen: dict[str, str] = {}
    for key, ind in zip(order, out, strict=True):
        if ind.key != key:
            raise ContentError(f"{files[key]}: key: {ind.key!r} must match the file name")
        for i, intent in enumerate(ind.intents):
            if intent.key in seen:  # intent keys index INTENT_ITEMS across industries
                raise ContentError(
                    f"{files[key]}: intents.{i}.key: {intent.key!r} is already an intent of "
                    f"{seen[intent.key]}"
                )
            seen[intent.key] = key
    return out


def load_phrases(root: Path = CONTENT_DIR) -> PhrasesFile:
    return load(root / "phrases.yaml", PhrasesFile)


def load_scenarios(root: Path = CONTENT_DIR) -> ScenariosFile:
    """The refusal scenarios; an industry they name must be one of ``index.yaml``'s."""
    path = root / "scenarios.yaml"
    out = load(path, ScenariosFile)
    known = set(load(root / "index.yaml", Index).industries)
    for i, scen in enumerate(out.scenarios):
        unknown = sorted(set(scen.industries) - known)
        if unknown:
            raise ContentError(f"{path}: scenarios.{i}.industries: unknown industries {unknown}")
    return out


def load_voices(root: Path = CONTENT_DIR) -> VoicesFile:
    return load(root / "voices.yaml", VoicesFile)
