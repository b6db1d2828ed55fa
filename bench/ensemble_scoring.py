"""Scoring a run's seeds together (shared frozen bottom computed once) vs one model at a time.

    .venv/bin/python bench/ensemble_scoring.py --run runs/default

Scores both replies of every pair of ``--data`` (default: the shipped hand-written test half)
with every seed of ``--run``, first model by model (``RewardScorer.score_encoded``), then with
``supportrm.model.ensemble.score_encoded_ensemble``; writes wall times, the shared layers and the
largest reward difference to ``bench/results/ensemble_scoring.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, default=REPO / "runs" / "default")
    ap.add_argument("--data", type=Path, default=None, help="pairs file (default: hand-written)")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()

    from supportrm.evaluate.baselines import environment
    from supportrm.evaluate.runs import load_pairs_by_id, resolve_checkpoints
    from supportrm.evaluate.sources import SOURCE_MAX_LENGTH, resolve_sources
    from supportrm.model.ensemble import score_encoded_ensemble, shared_bottom_layers
    from supportrm.model.scoring import RewardScorer

    data = args.data or next(iter(resolve_sources(["handwritten"]).values()))
    pairs = list(load_pairs_by_id(data)[0].values())
    ckpts = resolve_checkpoints(args.run)
    scorers = [
        RewardScorer.from_pretrained(c, max_length=SOURCE_MAX_LENGTH) for c in ckpts.values()
    ]
    seqs = scorers[0].renderer.encode_many(
        [(p.prompt, r) for p in pairs for r in (p.chosen, p.rejected)]
    )
    t0 = time.perf_counter()
    alone = np.vstack([s.score_encoded(seqs, 64, batch_tokens=16384) for s in scorers])
    t_alone = time.perf_counter() - t0
    t0 = time.perf_counter()
    together = score_encoded_ensemble(scorers, seqs, 64, batch_tokens=16384)
    t_together = time.perf_counter() - t0
    result = {
        "benchmark": "ensemble_scoring",
        "command": " ".join([sys.executable, *sys.argv]),
        "run": str(args.run),
        "data": str(data),
        "models": len(scorers),
        "sequences": len(seqs),
        "layers": len(scorers[0].module.structure.layers),
        "shared_bottom_layers": shared_bottom_layers(scorers, seqs[0]),
        "seconds_model_by_model": t_alone,
        "seconds_together": t_together,
        "speedup": t_alone / t_together,
        "max_abs_reward_difference": float(np.abs(alone - together).max()),
        "load_average_at_end": os.getloadavg(),
        **environment(),
    }
    name = f"ensemble_scoring{'-' + args.tag if args.tag else ''}.json"
    path = REPO / "bench" / "results" / name
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in list(result)[:12]}, indent=2))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
