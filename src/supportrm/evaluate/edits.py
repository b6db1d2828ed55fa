"""Counterfactual edits of support conversations (docs/stress.md): what should lower a reward,
and what should not move it.

* **Degrading** edits return a worse version of the *chosen* reply (padding, repetition, a wrong
  fact, an invented policy, a needless refusal, a condescending opener, the actionable part cut,
  an answer to another conversation). A reward a policy is trained against should go *down*.
* **Invariance** edits return the *pair* changed in a way that should not matter (typos and casing
  in the user's message, other company and customer names, whitespace and punctuation noise, the
  same courteous closing on both replies). The ranking of the two replies should not change.

Every edit is deterministic given its random stream, applies only where it can (a number the
knowledge base states, a second sentence, a company name), and returns None elsewhere; callers
count applicable items. Phrases live in ``stress_phrases.yaml``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from supportrm.data.schema import Message, PreferencePair

#: A number as written in support text: $35, 14, 2.5, 20%, £1,200.
_NUMBER = re.compile(r"(?<![\w.])([$£€]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)(?![\w])")
#: Sentence boundary: end punctuation then space and a capital, digit, quote or bracket; or a
#: line break (list items).
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£$€])|\s*\n+\s*")


@lru_cache(maxsize=1)
def phrases() -> dict[str, Any]:
    text = resources.files("supportrm.evaluate").joinpath("stress_phrases.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for key in ("filler", "invented_policy", "refusal", "condescending_prefix", "closing"):
        if not data.get(key) or not all(isinstance(x, str) and x for x in data[key]):
            raise ValueError(f"stress_phrases.yaml: '{key}' must be a non-empty list of strings")
    return data


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _BOUNDARY.split(text.strip()) if s and s.strip()]


def _kb_text(pair: PreferencePair) -> str:
    return "\n".join(m.content for m in pair.prompt if m.role == "system")


def _numbers(text: str) -> list[re.Match[str]]:
    return list(_NUMBER.finditer(text))


def _changed(match: re.Match[str], taken: set[str]) -> str:
    """Another plausible value of the same form: doubled (halved when large), never one the
    conversation already states."""
    cur, dollars, decimals, pct = (
        match.group(0),
        match.group(1),
        match.group(3) or "",
        match.group(4),
    )
    value = int(match.group(2).replace(",", ""))
    candidates = [value * 2, value + 1, value * 3] if value < 100 else [value // 2, value + 10]
    for v in candidates:
        num = f"{v:,}" if "," in match.group(2) else str(v)
        text = f"{dollars}{num}{decimals}{pct}"
        if text != cur and text not in taken:
            return text
    return f"{dollars}{value + 7}{decimals}{pct}"


@dataclass
class EditContext:
    """What some edits need besides the pair: other conversations' replies, grouped by company
    (for ``off_topic_swap``), built once per data set by :func:`make_context`."""

    replies_by_company: dict[str, list[tuple[str, str]]]


def company_of(pair: PreferencePair) -> str | None:
    """The company a conversation is with: ``metadata.company``, else a name the system message
    gives (``company_patterns``), else None."""
    meta = (pair.metadata or {}).get("company")
    if isinstance(meta, str) and meta:
        return meta
    system = _kb_text(pair)
    for pattern in phrases()["company_patterns"]:
        m = re.search(pattern, system)
        if m:
            return m.group("name")
    return None


def make_context(pairs: Sequence[PreferencePair]) -> EditContext:
    groups: dict[str, list[tuple[str, str]]] = {}
    for p in pairs:
        groups.setdefault(company_of(p) or "", []).append((p.conversation_id, p.chosen))
    return EditContext(groups)


# -- degrading edits: (pair, rng, ctx) -> worse chosen reply, or None -----------------------------
def change_kb_number(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """Misquote one number the reply takes from the system message (KB); None if it takes none."""
    reply = pair.chosen
    kb_values = {m.group(0) for m in _numbers(_kb_text(pair))}
    hits = [m for m in _numbers(reply) if m.group(0) in kb_values]
    if not hits:
        return None
    m = rng.choice(hits)
    taken = kb_values | {x.group(0) for x in _numbers(reply)}
    return reply[: m.start()] + _changed(m, taken) + reply[m.end() :]


def append_wrong_fact(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """Append a confident restatement of a knowledge-base sentence with its number changed."""
    kb = _kb_text(pair)
    sents = [s for s in split_sentences(kb) if _numbers(s) and len(s.split()) >= 5]
    if not sents:
        return None
    s = rng.choice(sents)
    m = rng.choice(_numbers(s))
    taken = {x.group(0) for x in _numbers(kb)}
    wrong = s[: m.start()] + _changed(m, taken) + s[m.end() :]
    wrong = re.sub(r"^\s*(?:\d+[.)]|[-*•])\s*", "", wrong).rstrip(".")  # drop list markers
    return f"{pair.chosen} To be clear: {wrong[:1].lower()}{wrong[1:]}."


def pad_filler(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    return " ".join([pair.chosen, *rng.sample(phrases()["filler"], 2)])


def repeat_sentence(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """One sentence (of at least four words) said twice in a row."""
    sents = split_sentences(pair.chosen)
    idx = [i for i, s in enumerate(sents) if len(s.split()) >= 4]
    if not idx:
        return None
    i = rng.choice(idx)
    return " ".join([*sents[: i + 1], sents[i], *sents[i + 1 :]])


def invented_policy(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    return f"{pair.chosen} {rng.choice(phrases()['invented_policy'])}"


def needless_refusal(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """A polite refusal instead of the answer, for benign requests only: not in the refusals
    category, and the chosen reply is not itself a refusal."""
    if pair.category == "refusals" or re.search(phrases()["refusal_markers"], pair.chosen, re.I):
        return None
    return str(rng.choice(phrases()["refusal"]))


def condescending_prefix(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    reply = pair.chosen.strip()
    keep_capital = reply[:2] == "I " or reply[:2] == "I'"
    first = reply[:1] if keep_capital else reply[:1].lower()
    return f"{rng.choice(phrases()['condescending_prefix'])} {first}{reply[1:]}"


def cut_to_first_sentence(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """Only the first sentence: the actionable part that follows is lost. None for one sentence."""
    sents = split_sentences(pair.chosen)
    return sents[0] if len(sents) >= 2 else None


def off_topic_swap(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> str | None:
    """The chosen reply of another conversation with the same company, or of any other
    conversation when none exists: a fluent answer to a different question."""
    company = company_of(pair) or ""

    def others(pool: list[tuple[str, str]]) -> list[str]:
        return [r for cid, r in pool if cid != pair.conversation_id and r != pair.chosen]

    same = others(ctx.replies_by_company.get(company, []))
    if same:
        return rng.choice(same)
    anywhere = [
        r for group in sorted(ctx.replies_by_company) for r in others(ctx.replies_by_company[group])
    ]
    return rng.choice(anywhere) if anywhere else None


# -- invariance edits: (pair, rng, ctx) -> changed pair, or None ---------------------------------
def user_typos(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> PreferencePair | None:
    """Typos (two letters swapped in about one word in six) and lower case in the user's turns."""

    def typo(text: str) -> str:
        words = text.split(" ")
        for i, w in enumerate(words):
            if len(w) >= 5 and w.isalpha() and rng.random() < 1 / 6:
                j = rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words).lower()

    prompt = tuple(Message(m.role, typo(m.content)) if m.role == "user" else m for m in pair.prompt)
    return replace(pair, prompt=prompt) if prompt != pair.prompt else None


def rename_entities(
    pair: PreferencePair, rng: random.Random, ctx: EditContext
) -> PreferencePair | None:
    """Another company and customer name, consistently in every turn and both replies."""
    table = phrases()
    names: dict[str, str] = {}
    company = company_of(pair)
    if company:
        names[company] = rng.choice([c for c in table["companies"] if c != company])
    text = "\n".join([*(m.content for m in pair.prompt), pair.chosen, pair.rejected])
    for pattern in table["customer_patterns"]:
        for m in re.finditer(pattern, text):
            name = m.group("name")
            if name not in names and name not in table["not_names"] and name not in (company or ""):
                names[name] = rng.choice([c for c in table["customers"] if c != name])
    if not names:
        return None
    rx = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in sorted(names, key=len, reverse=True)))

    def swap(s: str) -> str:
        return rx.sub(lambda m: names[m.group(0)], s)

    prompt = tuple(Message(m.role, swap(m.content)) for m in pair.prompt)
    return replace(pair, prompt=prompt, chosen=swap(pair.chosen), rejected=swap(pair.rejected))


def reply_noise(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> PreferencePair:
    """Whitespace and punctuation noise in both replies: a doubled space, a dropped or added
    final full stop, a trailing space."""

    def noise(s: str) -> str:
        spaces = [m.start() for m in re.finditer(" ", s)]
        if spaces:
            k = rng.choice(spaces)
            s = s[:k] + "  " + s[k + 1 :]
        s = s[:-1] if s.endswith(".") else s + "."
        return s + " "

    return replace(pair, chosen=noise(pair.chosen), rejected=noise(pair.rejected))


def closing_on_both(pair: PreferencePair, rng: random.Random, ctx: EditContext) -> PreferencePair:
    closing = rng.choice(phrases()["closing"])
    return replace(pair, chosen=f"{pair.chosen} {closing}", rejected=f"{pair.rejected} {closing}")


Kind = Literal["degrading", "invariance"]


@dataclass(frozen=True)
class EditSpec:
    name: str
    kind: Kind
    apply: Callable[[PreferencePair, random.Random, EditContext], Any]
    description: str


EDITS: tuple[EditSpec, ...] = (
    EditSpec("pad_filler", "degrading", pad_filler,
             "two sentences of filler that restate or pad without adding information"),
    EditSpec("repeat_sentence", "degrading", repeat_sentence, "one sentence said twice in a row"),
    EditSpec("wrong_kb_number", "degrading", change_kb_number,
             "a number the reply quotes from the knowledge base changed to another plausible one"),
    EditSpec("append_wrong_fact", "degrading", append_wrong_fact,
             "a confident restatement of a knowledge-base fact with its number changed, appended"),
    EditSpec("invented_policy", "degrading", invented_policy,
             "an invented promise or policy (a waived fee, a credit, an upgrade) appended"),
    EditSpec("needless_refusal", "degrading", needless_refusal,
             "a polite refusal instead of the answer to a benign request"),
    EditSpec("condescending_prefix", "degrading", condescending_prefix,
             "a condescending or sarcastic opener"),
    EditSpec("cut_first_sentence", "degrading", cut_to_first_sentence,
             "the reply cut after its first sentence, so the actionable step is lost"),
    EditSpec("off_topic_swap", "degrading", off_topic_swap,
             "the reply to another conversation (same company when there is one): a different question"),
    EditSpec("user_typos", "invariance", user_typos,
             "typos and lower case in the user's messages"),
    EditSpec("rename_entities", "invariance", rename_entities,
             "another company and customer name throughout"),
    EditSpec("reply_noise", "invariance", reply_noise,
             "whitespace and punctuation noise in both replies"),
    EditSpec("closing_on_both", "invariance", closing_on_both,
             "the same courteous closing appended to both replies"),
)  # fmt: skip
EDITS_BY_NAME = {e.name: e for e in EDITS}


def apply_edit(edit: EditSpec, pair: PreferencePair, ctx: EditContext, seed: int = 0) -> Any:
    """The edit of one pair from its own stream (edit, seed, pair id); None when it does not apply
    or changes nothing."""
    rng = random.Random(f"{edit.name}:{seed}:{pair.id}")
    out = edit.apply(pair, rng, ctx)
    if out is None:
        return None
    if edit.kind == "degrading":
        return out if out.strip() and out != pair.chosen else None
    return (
        out
        if (out.prompt, out.chosen, out.rejected) != (pair.prompt, pair.chosen, pair.rejected)
        else None
    )
