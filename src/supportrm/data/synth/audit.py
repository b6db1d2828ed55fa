"""Shortcut audit: measurements that tell whether a preference dataset can be solved without
understanding it. Used by ``bench/shortcuts.py`` (numbers for the data card) and by the tests.

The checks and their bars (issue 3):

* length: overall, the chosen reply is longer in 40-60% of pairs;
* giveaway n-grams: no word n-gram that occurs in exactly one of the two replies covers more than
  5% of all pairs with precision above 90% (a stock sentence that marks one side is an artefact);
* refusals: "prefer the reply that declines" and its opposite each score 35-65%;
* hallucination: a response-only model scores at most 65%, and the facts needed are in the prompt;
* position and id carry no label signal.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from supportrm.data.schema import NO_CATEGORY, PreferencePair

GIVEAWAY_MAX_COVERAGE = 0.05
GIVEAWAY_MAX_PRECISION = 0.90
_TOKEN = re.compile(r"[$£€]?\w+(?:[.,']\w+)*%?")
#: Declining language, independent of the generator's own phrase banks (a detector a reviewer
#: would write by hand, applied to any dataset).
DECLINE_RE = re.compile(
    r"\b(can't|cannot|can not|unable to|not able to|won't be able|isn't something|"
    r"i'm afraid|not allowed|not permitted|unfortunately)\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def ngrams(text: str, n_max: int = 3) -> set[str]:
    toks = words(text)
    out: set[str] = set()
    for n in range(1, n_max + 1):
        for i in range(len(toks) - n + 1):
            out.add(" ".join(toks[i : i + n]))
    return out


def _frac(num: float, den: float) -> float:
    return round(num / den, 4) if den else float("nan")


def length_table(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Share of pairs whose chosen reply is longer / shorter / equal (characters), per category."""
    groups: dict[str, list[PreferencePair]] = defaultdict(list)
    for p in pairs:
        groups[p.category or NO_CATEGORY].append(p)

    def row(ps: Sequence[PreferencePair]) -> dict[str, Any]:
        longer = sum(len(p.chosen) > len(p.rejected) for p in ps)
        shorter = sum(len(p.chosen) < len(p.rejected) for p in ps)
        ratio = sorted(max(len(p.chosen), 1) / max(len(p.rejected), 1) for p in ps)
        return {
            "n": len(ps),
            "chosen_longer": _frac(longer, len(ps)),
            "chosen_shorter": _frac(shorter, len(ps)),
            "equal": _frac(len(ps) - longer - shorter, len(ps)),
            "median_length_ratio": round(ratio[len(ratio) // 2], 3) if ratio else None,
        }

    out = row(pairs)
    out["per_category"] = {c: row(ps) for c, ps in sorted(groups.items())}
    out["pass"] = 0.40 <= out["chosen_longer"] <= 0.60
    return out


def ngram_giveaways(
    pairs: Sequence[PreferencePair], *, n_max: int = 3, top: int = 20
) -> dict[str, Any]:
    """The most predictive word n-grams of the replies.

    For an n-gram ``g`` consider the pairs where it occurs in exactly one of the two replies: its
    *coverage* is their share of all pairs, its *precision* the share of them where that reply is
    the chosen one (or the rejected one, whichever is larger). "Predictive" ranks by the net number
    of pairs a rule "prefer the reply with (without) g" gets right, coverage * (2 * precision - 1).
    """
    n = len(pairs)
    in_chosen: Counter[str] = Counter()
    in_rejected: Counter[str] = Counter()
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        c, r = ngrams(p.chosen, n_max), ngrams(p.rejected, n_max)
        only_c, only_r = c - r, r - c
        in_chosen.update(only_c)
        in_rejected.update(only_r)
        for g in only_c | only_r:
            per_cat[g][p.category or NO_CATEGORY] += 1
    rows: list[dict[str, Any]] = []
    for g in set(in_chosen) | set(in_rejected):
        cc, rr = in_chosen[g], in_rejected[g]
        tot = cc + rr
        prec = max(cc, rr) / tot
        rows.append(
            {
                "ngram": g,
                "coverage": round(tot / n, 4),
                "precision": round(prec, 4),
                "marks": "chosen" if cc >= rr else "rejected",
                "net": round((max(cc, rr) - min(cc, rr)) / n, 4),
                "pairs": tot,
                "top_category": per_cat[g].most_common(1)[0][0],
            }
        )
    rows.sort(key=lambda x: (-x["net"], x["ngram"]))
    violations = [
        x
        for x in rows
        if x["coverage"] > GIVEAWAY_MAX_COVERAGE and x["precision"] > GIVEAWAY_MAX_PRECISION
    ]
    # The closest calls: the highest-precision n-grams among those with coverage above 5%.
    wide = sorted(
        (x for x in rows if x["coverage"] > GIVEAWAY_MAX_COVERAGE),
        key=lambda x: (-x["precision"], x["ngram"]),
    )
    return {
        "n_pairs": n,
        "n_max": n_max,
        "rule": f"no n-gram with coverage > {GIVEAWAY_MAX_COVERAGE} and precision > {GIVEAWAY_MAX_PRECISION}",
        "top": rows[:top],
        "highest_precision_above_5pct_coverage": wide[:5],
        "violations": violations,
        "pass": not violations,
    }


def refusal_rules(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Accuracy on refusals of "prefer the reply that declines" and of its opposite.

    Two detectors: a hand-written regex of declining language (what a reviewer would try), and the
    generator's own record of which reply declines (exact, when the metadata is there). Pairs where
    the regex finds both or neither reply declining count as half right (a coin flip).
    """
    refs = [p for p in pairs if p.category == "refusals"]
    right = wrong = undecided = 0
    for p in refs:
        dc, dr = bool(DECLINE_RE.search(p.chosen)), bool(DECLINE_RE.search(p.rejected))
        if dc and not dr:
            right += 1
        elif dr and not dc:
            wrong += 1
        else:
            undecided += 1
    n = len(refs)
    out: dict[str, Any] = {
        "n": n,
        "regex": {
            "prefer_decline": _frac(right + 0.5 * undecided, n),
            "prefer_comply": _frac(wrong + 0.5 * undecided, n),
            "undecided": _frac(undecided, n),
        },
    }
    known = [p for p in refs if "subtype" in p.metadata and "generator_preferred" in p.metadata]
    if known:
        decline_chosen = sum(
            p.metadata["subtype"].startswith("must_decline")
            == (p.metadata["generator_preferred"] == "chosen")
            for p in known
        )
        out["metadata"] = {
            "prefer_decline": _frac(decline_chosen, len(known)),
            "prefer_comply": _frac(len(known) - decline_chosen, len(known)),
        }
    vals = [out["regex"]["prefer_decline"], out["regex"]["prefer_comply"]]
    if "metadata" in out:
        vals += [out["metadata"]["prefer_decline"], out["metadata"]["prefer_comply"]]
    out["pass"] = all(0.35 <= v <= 0.65 for v in vals)
    return out


def facts_in_prompt(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """For hallucination pairs with a changed value: the wrong value is present only in the
    generator's worse reply, and absent from the prompt unless it was deliberately borrowed from
    another KB line (then the KB still decides, by which line it belongs to). Needs generator
    metadata."""
    checked = ok = 0
    problems: list[str] = []
    for p in pairs:
        m = p.metadata
        if p.category != "hallucination" or m.get("subtype") != "value_changed":
            continue
        checked += 1
        worse = p.rejected if m.get("generator_preferred") == "chosen" else p.chosen
        better = p.chosen if worse is p.rejected else p.rejected
        prompt = "\n".join(x.content for x in p.prompt)
        wrong = str(m.get("wrong"))
        # A whole number: 14 is not in 140. v1 wrote values as whole words; v2 also writes
        # ordinals ("the 28th"), so there "28" counts as mentioned in "28th".
        tail = r"(?!\w)" if m.get("generator") == "support-pairs-v1" else r"(?!\d|[.,]\d)"
        pat = r"(?<![\w$])" + re.escape(wrong) + tail
        # A borrowed value legitimately occurs elsewhere (in the KB, maybe in the same fact).
        fresh_ok = re.search(pat, prompt) is None and re.search(pat, better) is None
        good = re.search(pat, worse) is not None and (bool(m.get("borrowed_from_kb")) or fresh_ok)
        ok += good
        if not good and len(problems) < 5:
            problems.append(p.id)
    return {"checked": checked, "ok": ok, "examples_failing": problems, "pass": ok == checked}


def position_and_id(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Labels must not follow file order or ids: accuracy of 'the generator's preferred reply is
    the released chosen' in each half of the file and by id parity should match the overall rate."""
    known = [p for p in pairs if "generator_preferred" in p.metadata]
    if not known:
        return {"available": False}

    def rate(ps: Sequence[PreferencePair]) -> float:
        return _frac(sum(p.metadata["generator_preferred"] == "chosen" for p in ps), len(ps))

    half = len(known) // 2
    even = (
        [p for p in known if int(p.id[-1], 16) % 2 == 0]
        if all(re.fullmatch(r".*[0-9a-f]", p.id) for p in known)
        else []
    )
    cats_first_100 = Counter(p.category for p in known[:100])
    return {
        "available": True,
        "label_kept_overall": rate(known),
        "label_kept_first_half": rate(known[:half]),
        "label_kept_second_half": rate(known[half:]),
        "label_kept_even_id": rate(even) if even else None,
        "categories_in_first_100_records": dict(sorted(cats_first_100.items())),
    }


def noise_ceiling(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Accuracy of the generator's own ground truth against the released labels."""
    groups: dict[str, list[PreferencePair]] = defaultdict(list)
    for p in pairs:
        if "generator_preferred" in p.metadata:
            groups[p.category or NO_CATEGORY].append(p)

    def row(ps: Sequence[PreferencePair]) -> dict[str, Any]:
        agree = [float(p.metadata.get("agreement", float("nan"))) for p in ps]
        return {
            "n": len(ps),
            "ceiling": _frac(
                sum(p.metadata["generator_preferred"] == "chosen" for p in ps), len(ps)
            ),
            "mean_agreement": round(sum(agree) / len(agree), 4) if agree else None,
            "unanimous": _frac(sum(a == 1.0 for a in agree), len(agree)),
        }

    allp = [p for ps in groups.values() for p in ps]
    out: dict[str, Any] = row(allp) if allp else {"n": 0}
    out["per_category"] = {c: row(ps) for c, ps in sorted(groups.items())}
    return out


# -- per-category audits (generator v2, issue 9) ------------------------------------------------

#: Bars per category: chosen-longer share, TF-IDF pair and response-only baselines.
CHOSEN_LONGER_RANGE = (0.40, 0.60)
TFIDF_PAIR_MAX = 0.70
RESPONSE_ONLY_MAX = 0.60


def changed_spans(a: str, b: str) -> tuple[int, float]:
    """(number of contiguous word spans that differ, share of the longer reply's words shared)."""
    import difflib

    wa, wb = words(a), words(b)
    sm = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False)
    spans = sum(tag != "equal" for tag, *_ in sm.get_opcodes())
    shared = sum(n for *_, n in sm.get_matching_blocks())
    return spans, shared / max(len(wa), len(wb), 1)


def minimal_pairs(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Share of *minimal pairs* per category: the replies differ in at most two contiguous spans
    and share at least half of the longer reply's words (one claim changed, a step dropped, a
    sentence repeated, a frame swapped)."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for p in pairs:
        spans, shared = changed_spans(p.chosen, p.rejected)
        groups[p.category or NO_CATEGORY].append(spans <= 2 and shared >= 0.5)
    per = {c: _frac(sum(v), len(v)) for c, v in sorted(groups.items())}
    allv = [x for v in groups.values() for x in v]
    return {"overall": _frac(sum(allv), len(allv)), "per_category": per}


def length_bars(pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    table = length_table(pairs)
    lo, hi = CHOSEN_LONGER_RANGE
    per = {c: row["chosen_longer"] for c, row in table["per_category"].items()}
    return {
        "per_category": per,
        "range": list(CHOSEN_LONGER_RANGE),
        "pass": all(lo <= v <= hi for v in per.values()),
    }
