"""Summary statistics of a set of pairs, and their text rendering for ``supportrm data check``.

The statistics are the ones that reveal the usual preference-data problems before any training:
category imbalance, prompts repeated across pairs (leakage risk, over-weighting), and length bias
(if the chosen reply is nearly always the longer one, a reward model can score well by counting
tokens; the fraction per category shows where).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from supportrm.data.schema import NO_CATEGORY, PreferencePair


def _length_stats(values: Sequence[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "p50": 0.0, "mean": 0.0, "p95": 0.0, "max": 0}
    a = np.asarray(values, dtype=np.float64)
    return {
        "min": int(a.min()),
        "p50": float(np.percentile(a, 50)),
        "mean": round(float(a.mean()), 2),
        "p95": float(np.percentile(a, 95)),
        "max": int(a.max()),
    }


def _longer(pairs: Sequence[PreferencePair]) -> dict[str, float | None]:
    n = len(pairs)
    if n == 0:
        return {"chosen_longer": None, "equal_length": None, "rejected_longer": None}
    longer = sum(len(p.chosen) > len(p.rejected) for p in pairs)
    equal = sum(len(p.chosen) == len(p.rejected) for p in pairs)
    return {
        "chosen_longer": round(longer / n, 4),
        "equal_length": round(equal / n, 4),
        "rejected_longer": round((n - longer - equal) / n, 4),
    }


def summarise(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Statistics of ``pairs`` (JSON-serialisable). Lengths are in characters.

    Keys: ``n_pairs``, ``n_conversations``, ``categories`` (count per category, ``"(none)"`` for
    untagged pairs), ``duplicate_prompts`` (prompts that occur in more than one pair), ``lengths``
    (chosen/rejected/prompt character statistics), ``empty_responses``, ``chosen_longer`` (overall)
    and ``per_category`` (count, median lengths and the chosen-longer fractions per category).
    """
    by_cat: dict[str, list[PreferencePair]] = defaultdict(list)
    for p in pairs:
        by_cat[NO_CATEGORY if p.category is None else p.category].append(p)
    prompt_counts = Counter(tuple((m.role, m.content) for m in p.prompt) for p in pairs)
    repeated = {k: v for k, v in prompt_counts.items() if v > 1}
    per_category = {}
    for cat in sorted(by_cat):
        ps = by_cat[cat]
        per_category[cat] = {
            "n": len(ps),
            "chosen_chars_p50": float(np.median([len(p.chosen) for p in ps])),
            "rejected_chars_p50": float(np.median([len(p.rejected) for p in ps])),
            **_longer(ps),
        }
    return {
        "n_pairs": len(pairs),
        "n_conversations": len({p.conversation_id for p in pairs}),
        "categories": {cat: len(by_cat[cat]) for cat in sorted(by_cat)},
        "duplicate_prompts": {
            "distinct_prompts": len(prompt_counts),
            "repeated_prompts": len(repeated),
            "pairs_with_repeated_prompt": sum(repeated.values()),
            "max_pairs_per_prompt": max(prompt_counts.values(), default=0),
        },
        "lengths": {
            "chosen_chars": _length_stats([len(p.chosen) for p in pairs]),
            "rejected_chars": _length_stats([len(p.rejected) for p in pairs]),
            "prompt_chars": _length_stats([sum(len(m.content) for m in p.prompt) for p in pairs]),
            "prompt_turns": _length_stats([len(p.prompt) for p in pairs]),
        },
        "empty_responses": {
            "chosen": sum(not p.chosen.strip() for p in pairs),
            "rejected": sum(not p.rejected.strip() for p in pairs),
        },
        "chosen_longer": _longer(pairs),
        "per_category": per_category,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:5.1f}%"


def render_summary(summary: dict[str, Any], counts: dict[str, int] | None = None) -> str:
    """Human-readable text of :func:`summarise` output (plus read/loaded/skipped counts)."""
    out: list[str] = []
    if counts is not None:
        out.append(
            f"records read: {counts['read']}   loaded: {counts['loaded']}   "
            f"skipped: {counts['skipped']}"
            + (f" (excluded, empty reply: {counts['excluded']})" if counts.get("excluded") else "")
        )
    out.append(f"pairs: {summary['n_pairs']}   conversations: {summary['n_conversations']}")
    dup = summary["duplicate_prompts"]
    out.append(
        f"duplicate prompts: {dup['repeated_prompts']} prompts occur in more than one pair "
        f"({dup['pairs_with_repeated_prompt']} pairs; at most {dup['max_pairs_per_prompt']} per prompt)"
    )
    empty = summary["empty_responses"]
    if empty["chosen"] or empty["rejected"]:
        out.append(f"empty responses: chosen {empty['chosen']}, rejected {empty['rejected']}")
    out.append("")
    out.append("response length (characters)   min     p50    mean     p95     max")
    for key in ("chosen_chars", "rejected_chars", "prompt_chars"):
        s = summary["lengths"][key]
        out.append(
            f"  {key:<28}{s['min']:>5} {s['p50']:>7.0f} {s['mean']:>7.1f} {s['p95']:>7.0f} {s['max']:>7}"
        )
    out.append("")
    header = (
        f"  {'category':<16}{'pairs':>7}{'chosen p50':>12}{'rejected p50':>14}{'chosen longer':>15}"
    )
    out.append("per category")
    out.append(header)
    for cat, d in summary["per_category"].items():
        out.append(
            f"  {cat:<16}{d['n']:>7}{d['chosen_chars_p50']:>12.0f}{d['rejected_chars_p50']:>14.0f}"
            f"{_pct(d['chosen_longer']):>15}"
        )
    overall = summary["chosen_longer"]
    out.append(
        f"  {'all':<16}{summary['n_pairs']:>7}{'':>12}{'':>14}{_pct(overall['chosen_longer']):>15}"
    )
    return "\n".join(out)
