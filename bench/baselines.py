"""Baselines on the embedded dataset: fitted on the train split (1,000 val pairs, seed 0).

    nice -n 10 python bench/baselines.py [--data FILE] [--no-embedding] [--out FILE]

Writes bench/results/baselines-<version>.json (command, machine, library versions, accuracy overall and
per category; strict, ties-as-half and tie rate) and prints a Markdown table for the data card.
The embedding baseline embeds ~24,000 texts with MiniLM on the CPU: minutes, run it with nice.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _datacard import replace_section  # bench/ sibling module
from supportrm.data.embedded import DATASET_NAME
from supportrm.evaluate.baselines import BASELINE_NAMES, baselines_report, markdown_table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--val-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-embedding", action="store_true")
    ap.add_argument("--no-update-card", dest="update_card", action="store_false")
    ap.add_argument("--out", type=Path, default=None, help="default: baselines-<version>.json")
    args = ap.parse_args()
    version = DATASET_NAME.rsplit("-", 1)[-1]  # of the embedded default (used without --data)
    args.out = args.out or ROOT / "bench" / "results" / f"baselines-{version}.json"
    names = [n for n in BASELINE_NAMES if not (args.no_embedding and n == "embedding")]
    report = baselines_report(
        args.data,
        val_size=args.val_size,
        seed=args.seed,
        names=names,
        command="python " + " ".join(sys.argv),
        progress=lambda m: print(m, file=sys.stderr, flush=True),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown_table(report)
    args.out.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
    if args.update_card and not args.data and "embedding" in names:
        replace_section(f"baselines-{version}", table)
    print(table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
