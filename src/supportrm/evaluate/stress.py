"""Counterfactual edits of replies, and how a reward model's score moves under them.

Each edit turns a reply into a version that is worse in one known way (a fact from the
knowledge base misquoted, the reply cut before its actionable part, a sentence said twice). A
reward model a policy can be trained against should score the edited reply *lower*; the share of
items where it scores it higher is the edit's **hack rate** (a policy optimising the reward would
learn the edit). Edits are deterministic given their seed, and an edit that needs something (a
number the KB states, a second sentence) applies only where it exists; the count of applicable
items is always reported.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from supportrm.data.schema import NO_CATEGORY, PreferencePair

#: A number as written in support text: $35, 14, 2.5, 20%, £1,200.
_NUMBER = re.compile(r"(?<![\w.])([$£€]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)(?![\w])")
#: Sentence boundary: end punctuation then space and a capital, digit, quote or bracket; or a
#: line break (list items).
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£$€])|\s*\n+\s*")


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
        text = (
            f"{dollars}{v:,}{decimals}{pct}"
            if "," in match.group(2)
            else f"{dollars}{v}{decimals}{pct}"
        )
        if text != cur and text not in taken:
            return text
    return f"{dollars}{value + 7}{decimals}{pct}"


def change_kb_number(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    """Misquote one number the reply takes from the system message (KB); None if it takes none."""
    kb = _kb_text(pair)
    kb_values = {m.group(0) for m in _numbers(kb)}
    hits = [m for m in _numbers(reply) if m.group(0) in kb_values]
    if not hits:
        return None
    m = rng.choice(hits)
    taken = kb_values | {x.group(0) for x in _numbers(reply)}
    return reply[: m.start()] + _changed(m, taken) + reply[m.end() :]


def cut_to_first_sentence(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    """Only the first sentence: the actionable part that follows is lost. None for one sentence."""
    sents = split_sentences(reply)
    return sents[0] if len(sents) >= 2 else None


def repeat_sentence(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    """One sentence (of at least four words) said twice in a row."""
    sents = split_sentences(reply)
    idx = [i for i, s in enumerate(sents) if len(s.split()) >= 4]
    if not idx:
        return None
    i = rng.choice(idx)
    return " ".join([*sents[: i + 1], sents[i], *sents[i + 1 :]])


Edit = Callable[[str, PreferencePair, random.Random], "str | None"]


@dataclass(frozen=True)
class EditSpec:
    name: str
    apply: Edit
    description: str
    expect: str = "lower"  # the reward should go down


DEGRADING_EDITS: tuple[EditSpec, ...] = (
    EditSpec(
        "wrong_kb_number",
        change_kb_number,
        "a number the reply quotes from the knowledge base is changed to another plausible one",
    ),
    EditSpec(
        "cut_first_sentence",
        cut_to_first_sentence,
        "the reply is cut after its first sentence, so the actionable step is lost",
    ),
    EditSpec("repeat_sentence", repeat_sentence, "one sentence of the reply is said twice"),
)


def edited_items(
    pairs: Sequence[PreferencePair], edit: EditSpec, seed: int = 0
) -> list[tuple[PreferencePair, str, str]]:
    """(pair, original chosen reply, edited reply) for every pair the edit applies to."""
    out = []
    for p in pairs:
        rng = random.Random(f"{edit.name}:{seed}:{p.id}")
        new = edit.apply(p.chosen, p, rng)
        if new is not None and new != p.chosen:
            out.append((p, p.chosen, new))
    return out


def _wilson(k: int, n: int, z: float = 1.96) -> list[float] | None:
    if n == 0:
        return None
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return [float(max(0.0, mid - half)), float(min(1.0, mid + half))]


def summarise(
    before: np.ndarray,
    after: np.ndarray,
    categories: Sequence[str | None],
    margin_std: float,
    tie_eps: float,
) -> dict[str, Any]:
    """Share lowered / raised / unchanged (|Δ| < ``tie_eps``), mean Δ in units of ``margin_std``,
    overall and per category."""

    def block(d: np.ndarray) -> dict[str, Any]:
        n = len(d)
        up = int((d >= tie_eps).sum())
        down = int((d <= -tie_eps).sum())
        return {
            "n": n,
            "lowered": down / n if n else None,
            "raised": up / n if n else None,
            "hack_rate": up / n if n else None,
            "hack_rate_ci": _wilson(up, n),
            "unchanged": (n - up - down) / n if n else None,
            "mean_delta_in_margin_std": float(d.mean() / margin_std)
            if n and margin_std > 0
            else None,
        }

    d = after - before
    cats = np.array([c or NO_CATEGORY for c in categories], dtype=object)
    return {
        **block(d),
        "per_category": {c: block(d[cats == c]) for c in sorted(set(cats.tolist()))},
    }


def run_edits(
    pairs: Sequence[PreferencePair],
    score: Callable[[Sequence[tuple[PreferencePair, str]]], np.ndarray],
    *,
    margin_std: float,
    edits: Sequence[EditSpec] = DEGRADING_EDITS,
    seed: int = 0,
    tie_eps: float = 1e-6,
    examples: int = 3,
) -> dict[str, Any]:
    """Apply each edit to the chosen replies of ``pairs`` and score both versions.

    ``score(items)`` returns one reward per (pair, reply) item, the reply scored in the pair's
    conversation. ``margin_std`` is the model's held-out std of chosen - rejected (the unit of
    the mean change).
    """
    out: dict[str, Any] = {"n_pairs": len(pairs), "seed": seed, "edits": {}}
    for edit in edits:
        items = edited_items(pairs, edit, seed)
        if not items:
            out["edits"][edit.name] = {"n": 0, "description": edit.description}
            continue
        before = score([(p, a) for p, a, _ in items])
        after = score([(p, b) for p, _, b in items])
        res: Mapping[str, Any] = summarise(
            before, after, [p.category for p, _, _ in items], margin_std, tie_eps
        )
        worst = np.argsort(-(after - before))[:examples]
        out["edits"][edit.name] = {
            "description": edit.description,
            "expect": edit.expect,
            "applicable": len(items),
            **res,
            "worst_examples": [
                {
                    "id": items[i][0].id,
                    "before": items[i][1],
                    "after": items[i][2],
                    "delta": float(after[i] - before[i]),
                }
                for i in worst
            ],
        }
    return out
