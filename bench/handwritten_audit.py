"""Audit of the hand-written set (support-handwritten-v1) against the data generators.

Is the hand-written set really a different source? Measured for each generator version:

* **n-gram overlap**: share of the hand-written texts' word 4-grams (replies; conversations) that
  also occur anywhere in the generator's 8,000 pairs, and share of hand-written replies that
  contain a whole sentence the generator also produces;
* **TF-IDF baselines trained on generator data** (pair and response-only, fitted on the generator's
  train split) scored on the hand-written pairs: a bag of words that solves the generator should
  not solve the hand-written set if it only learned the generator's phrasing;
* counts, categories, multi-turn share, lengths, chosen-longer share per category.

    .venv/bin/python bench/handwritten_audit.py

Writes ``bench/results/handwritten-audit.json`` and ``.md`` (command, machine, versions).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _datacard import replace_section  # bench/ sibling module
from supportrm.data.embedded import dataset_path, handwritten_path
from supportrm.data.load import load_pairs
from supportrm.data.schema import PreferencePair
from supportrm.data.split import split_pairs
from supportrm.evaluate.baselines import environment, score_deltas, tfidf_deltas

REPO = Path(__file__).resolve().parents[1]
_WORD = re.compile(r"[a-z0-9$£€%']+")
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")


def grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.lower())
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def sentences(text: str) -> set[str]:
    return {s.strip().lower() for s in _SENT.split(text) if len(s.split()) >= 4}


def overlap(hw: list[PreferencePair], gen: list[PreferencePair]) -> dict[str, Any]:
    gen_reply_grams: set[tuple[str, ...]] = set()
    gen_conv_grams: set[tuple[str, ...]] = set()
    gen_sents: set[str] = set()
    for p in gen:
        for r in (p.chosen, p.rejected):
            gen_reply_grams |= grams(r)
            gen_sents |= sentences(r)
        for m in p.prompt:
            gen_conv_grams |= grams(m.content)
    reply_g = [g for p in hw for r in (p.chosen, p.rejected) for g in grams(r)]
    conv_g = [g for p in hw for m in p.prompt for g in grams(m.content)]
    with_sentence = sum(bool(sentences(r) & gen_sents) for p in hw for r in (p.chosen, p.rejected))
    return {
        "reply_4gram_overlap": round(sum(g in gen_reply_grams for g in reply_g) / len(reply_g), 4),
        "conversation_4gram_overlap": round(
            sum(g in gen_conv_grams for g in conv_g) / len(conv_g), 4
        ),
        "replies_sharing_a_whole_sentence": round(with_sentence / (2 * len(hw)), 4),
    }


def describe(pairs: list[PreferencePair]) -> dict[str, Any]:
    cats = Counter(p.category for p in pairs)
    multi = sum(sum(m.role == "user" for m in p.prompt) > 1 for p in pairs)
    longer = Counter()
    for p in pairs:
        longer[p.category] += len(p.chosen) > len(p.rejected)
    return {
        "n": len(pairs),
        "per_category": dict(sorted(cats.items())),
        "multi_turn_share": round(multi / len(pairs), 4),
        "industries": len({p.metadata.get("industry") for p in pairs}),
        "companies": len({p.metadata.get("company") for p in pairs}),
        "chosen_longer": {c: round(longer[c] / n, 4) for c, n in sorted(cats.items())},
        "median_reply_chars": sorted(len(r) for p in pairs for r in (p.chosen, p.rejected))[
            len(pairs)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--versions", nargs="+", default=["v1", "v2"])
    args = ap.parse_args()
    t0 = time.perf_counter()
    halves = {h: list(load_pairs(handwritten_path(h)).pairs) for h in ("dev", "test")}
    hw = halves["dev"] + halves["test"]
    result: dict[str, Any] = {
        "benchmark": "handwritten_audit",
        "command": " ".join([sys.executable, *sys.argv]),
        "handwritten": {h: describe(ps) for h, ps in halves.items()},
        "generators": {},
    }
    for v in args.versions:
        gen = list(load_pairs(dataset_path(f"support-pairs-{v}")).pairs)
        split = split_pairs(gen, 1000, 0)
        block: dict[str, Any] = {"overlap": overlap(hw, gen)}
        for name, with_prompt in (("tfidf_pair", True), ("tfidf_response", False)):
            d_gen, _ = tfidf_deltas(split.train, split.val, with_prompt=with_prompt)
            d_hw, _ = tfidf_deltas(split.train, hw, with_prompt=with_prompt)
            block[name] = {
                "generator_held_out": _acc(score_deltas(d_gen, split.val)),
                "handwritten": _acc(score_deltas(d_hw, hw)),
            }
        result["generators"][v] = block
        print(v, json.dumps(block, indent=1), file=sys.stderr)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result.update(environment())
    out = REPO / "bench" / "results" / "handwritten-audit.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    md = markdown(result)
    out.with_suffix(".md").write_text(md)
    replace_section("handwritten-audit", md)
    print(md)


def _acc(res: dict[str, Any]) -> dict[str, Any]:
    return {
        "accuracy": round(res["accuracy"], 4),
        "per_category": {c: round(b["accuracy"], 4) for c, b in res["per_category"].items()},
    }


def markdown(r: dict[str, Any]) -> str:
    lines = [f"Command: `{r['command']}`", ""]
    lines.append(
        "| generator | reply 4-gram overlap | conversation 4-gram overlap | replies sharing a sentence | TF-IDF pair: generator held-out / hand-written | TF-IDF response-only: generator / hand-written |"
    )
    lines.append("|---|---|---|---|---|---|")
    for v, b in r["generators"].items():
        o = b["overlap"]
        tp, tr = b["tfidf_pair"], b["tfidf_response"]
        lines.append(
            f"| {v} | {100 * o['reply_4gram_overlap']:.1f}% | {100 * o['conversation_4gram_overlap']:.1f}% "
            f"| {100 * o['replies_sharing_a_whole_sentence']:.1f}% "
            f"| {100 * tp['generator_held_out']['accuracy']:.1f}% / {100 * tp['handwritten']['accuracy']:.1f}% "
            f"| {100 * tr['generator_held_out']['accuracy']:.1f}% / {100 * tr['handwritten']['accuracy']:.1f}% |"
        )
    lines.append("")
    lines.append(
        "TF-IDF pair baseline trained on generator data, per category on the hand-written set:"
    )
    lines.append("")
    cats = sorted(next(iter(r["generators"].values()))["tfidf_pair"]["handwritten"]["per_category"])
    lines.append("| generator | " + " | ".join(cats) + " |")
    lines.append("|---|" + "---|" * len(cats))
    for v, b in r["generators"].items():
        pc = b["tfidf_pair"]["handwritten"]["per_category"]
        lines.append(f"| {v} | " + " | ".join(f"{100 * pc[c]:.1f}%" for c in cats) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
