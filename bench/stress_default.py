"""Stress tests and best-of-n on a trained run (issue 13), with the command and machine.

    .venv/bin/python bench/stress_default.py --run runs/default            # seed ensemble
    .venv/bin/python bench/stress_default.py --run runs/default --seed 0   # one seed, as `run` does

Writes ``bench/results/stress-<tag>.json``: ``stress.json``'s content plus command, machine,
versions, wall time and the load average (benchmarks want quiet cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", type=Path, default=REPO / "runs" / "default")
    ap.add_argument("--seed", type=int, default=None, help="one seed (default: the ensemble)")
    ap.add_argument("--max-pairs", type=int, default=None, help="default: as `supportrm run`")
    ap.add_argument("--best-of-n", type=int, default=None, help="default: as `supportrm run`")
    ap.add_argument("--tag", default=None)
    args = ap.parse_args()

    from supportrm.evaluate.baselines import environment
    from supportrm.evaluate.stress_format import format_stress
    from supportrm.evaluate.stress_run import (
        DEFAULT_BEST_OF_N_CONVERSATIONS,
        DEFAULT_STRESS_PAIRS,
        run_prompt_hashes,
        stress_model,
    )

    max_pairs = DEFAULT_STRESS_PAIRS if args.max_pairs is None else args.max_pairs
    best_of_n = DEFAULT_BEST_OF_N_CONVERSATIONS if args.best_of_n is None else args.best_of_n

    model = args.run if args.seed is None else args.run / f"seed-{args.seed}" / "checkpoint"
    tag = args.tag or ("ensemble" if args.seed is None else f"seed{args.seed}")
    out_dir = REPO / "bench" / "results" / f"stress-{tag}"
    t0 = time.perf_counter()
    result = stress_model(model, args.run / "split" / "val.jsonl.gz", out_dir,
                          max_pairs=max_pairs, best_of_n=best_of_n,
                          exclude_prompts=run_prompt_hashes(args.run))  # fmt: skip
    wall = time.perf_counter() - t0
    print(format_stress(result))
    (out_dir / "stress.json").unlink()
    out_dir.rmdir()
    result.update(
        command=" ".join([sys.executable, *sys.argv]),
        wall_seconds=wall,
        load_average_at_end=os.getloadavg(),
        **environment(),
    )
    path = REPO / "bench" / "results" / f"stress-{tag}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
