"""Stress edits of hand-written chosen replies, scored by one seed of a trained run (issue 9).

Three edits make a reply worse in a known way (see supportrm.evaluate.stress): a number taken
from the knowledge base changed, the reply cut after its first sentence, one sentence repeated.
A trustworthy reward goes *down*; the share of applicable replies where it does is reported with
the hack rate (share where it goes up), a 95% Wilson interval, and the mean change in units of
the model's held-out margin standard deviation.

    .venv/bin/python bench/stress_handwritten.py --run runs/default --seed 0 --half test

Writes ``bench/results/stress_handwritten-<half>-<tag>.json`` (command, machine, versions).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BARS = {"wrong_kb_number": 0.80, "cut_first_sentence": 0.70, "repeat_sentence": 0.70}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", type=Path, default=REPO / "runs" / "default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--half", choices=("dev", "test"), default="test")
    ap.add_argument("--tag", default="default-run")
    args = ap.parse_args()

    from supportrm.data.embedded import handwritten_path
    from supportrm.data.load import load_pairs
    from supportrm.evaluate.baselines import environment
    from supportrm.evaluate.scoretable import read_score_table
    from supportrm.evaluate.sources import SOURCE_MAX_LENGTH
    from supportrm.evaluate.stress import run_edits
    from supportrm.model.scoring import RewardScorer

    seed_dir = args.run / f"seed-{args.seed}"
    scorer = RewardScorer.from_pretrained(seed_dir / "checkpoint", max_length=SOURCE_MAX_LENGTH)
    margin_std = float(np.std(read_score_table(seed_dir / "val_scores.jsonl").delta))
    pairs = list(load_pairs(handwritten_path(args.half)).pairs)

    def score(items: Any) -> np.ndarray:
        return scorer.score_conversations([p.prompt for p, _ in items], [r for _, r in items])

    res = run_edits(pairs, score, margin_std=margin_std)
    verdicts = {
        name: {
            "bar_lowered_at_least": bar,
            "lowered": res["edits"][name].get("lowered"),
            "pass": (res["edits"][name].get("lowered") or 0.0) >= bar,
        }
        for name, bar in BARS.items()
    }
    result = {
        "benchmark": "stress_handwritten",
        "command": " ".join([sys.executable, *sys.argv]),
        "run": str(args.run),
        "seed": args.seed,
        "data": str(handwritten_path(args.half)),
        "margin_std_held_out": margin_std,
        "bars": verdicts,
        "all_pass": all(v["pass"] for v in verdicts.values()),
        **res,
        **environment(),
    }
    out = REPO / "bench" / "results" / f"stress_handwritten-{args.half}-{args.tag}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for name, e in res["edits"].items():
        print(
            f"{name:<20} applicable {e.get('applicable', 0):>4}  lowered "
            f"{100 * (e.get('lowered') or 0):5.1f}%  raised {100 * (e.get('hack_rate') or 0):5.1f}%"
            f"  mean Δ {e.get('mean_delta_in_margin_std') or 0:+.2f} margin sd"
            + (f"  (bar {100 * BARS[name]:.0f}%)" if name in BARS else "")
        )
    print(f"wrote {out}")
    return 0 if result["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
