"""One candidate training recipe, measured the way the default recipe is chosen (issue 9).

Trains the given seeds on a generated dataset's train split and reports, per seed and for the
seed ensemble: held-out accuracy (same source as training), accuracy on the **hand-written dev
half** (a different source; the test half is never used here), the three stress edits on the
hand-written dev half (hack rate = share of edits that *raise* the reward), and wall time.

    .venv/bin/python bench/recipe.py --data src/supportrm/data/embedded/support-pairs-v2.jsonl.gz \
        --freeze-layers 3 --epochs 1 --lr 3e-4 --seeds 0 --tag v2-f3-e1

Writes ``bench/results/recipe-<tag>.json`` (command, machine, versions, load average).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", default=None, help="training data (default: the embedded default)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--freeze-layers", type=int, default=None)
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--max-length", type=int, default=None)
    ap.add_argument("--ood", default="dev", help="hand-written half to score: dev (default)")
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--resume", action="store_true", help="reuse finished seeds in --run-dir")
    ap.add_argument("--train-only", action="store_true", help="stop after training")
    args = ap.parse_args()

    import torch

    from supportrm.data.embedded import handwritten_path
    from supportrm.data.load import load_pairs
    from supportrm.evaluate import evaluate_run
    from supportrm.evaluate.sources import evaluate_source, held_out_summary
    from supportrm.evaluate.stress import run_edits
    from supportrm.model.scoring import RewardScorer
    from supportrm.train.config import TrainConfig
    from supportrm.train.pipeline import train_from_config
    from supportrm.train.runtime import environment

    overrides: dict[str, Any] = {"seeds": args.seeds, "progress": False, "resume": args.resume}
    if args.data:
        overrides["data"] = Path(args.data)
    for key in ("epochs", "freeze_layers", "batch_size", "lr", "max_length"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    run_dir = Path(args.run_dir or f"/tmp/recipe/{args.tag}")
    overrides["out"] = run_dir
    config = TrainConfig(**overrides)
    t0 = time.perf_counter()
    train_from_config(config)
    t_train = time.perf_counter() - t0
    if args.train_only:
        return
    agg = evaluate_run(run_dir)
    held = held_out_summary(run_dir, agg)
    ood_path = handwritten_path(args.ood)  # type: ignore[arg-type]
    ood = evaluate_source(run_dir, f"handwritten-{args.ood}", ood_path, run_dir / "sources" / "hw")
    pairs = load_pairs(ood_path, categories=None).pairs
    stress: dict[str, Any] = {}
    for seed in args.seeds:
        scorer = RewardScorer.from_pretrained(
            run_dir / f"seed-{seed}" / "checkpoint", max_length=512
        )
        val = [json.loads(x) for x in (run_dir / f"seed-{seed}" / "val_scores.jsonl").open()]
        margins = [r["chosen_score"] - r["rejected_score"] for r in val]
        margin_std = float(torch.tensor(margins).std())

        def score(items: Any, scorer: Any = scorer) -> Any:
            return scorer.score_conversations([p.prompt for p, _ in items], [r for _, r in items])

        res = run_edits(pairs, score, margin_std=margin_std)
        stress[str(seed)] = {
            name: {
                k: e.get(k)
                for k in (
                    "applicable",
                    "lowered",
                    "hack_rate",
                    "hack_rate_ci",
                    "unchanged",
                    "mean_delta_in_margin_std",
                    "per_category",
                )
            }
            for name, e in res["edits"].items()
        }
    run = json.loads((run_dir / "run.json").read_text())
    result = {
        "benchmark": "recipe",
        "command": " ".join([sys.executable, *sys.argv]),
        "data": str(config.data or "embedded default"),
        "config": config.model_dump(mode="json"),
        "max_length": run["render"]["max_length"],
        "wall_seconds": {
            "train_total": t_train,
            "prepare_and_cache": run["wall_seconds"]["prepare_and_cache"],
            "per_seed": run["wall_seconds"]["per_seed"],
        },
        "held_out": held,
        "handwritten": ood,
        "stress_handwritten": stress,
        "load_average_at_end": os.getloadavg(),
        **environment(),
    }
    out = REPO / "bench" / "results" / f"recipe-{args.tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(_summary(result))
    print(f"wrote {out}", file=sys.stderr)


def _summary(r: dict[str, Any]) -> str:
    def row(name: str, s: dict[str, Any]) -> str:
        cats = " ".join(f"{c[:5]} {100 * v:.1f}" for c, v in sorted(s["categories"].items()))
        return f"{name:<24} {100 * s['strict']:.1f}  {cats}"

    lines = [
        f"recipe {r['config']['freeze_layers']=} {r['config']['epochs']=} {r['config']['lr']=}"
    ]
    for src in ("held_out", "handwritten"):
        for seed, s in r[src]["per_seed"].items():
            lines.append(row(f"{src} seed {seed}", s))
        lines.append(row(f"{src} ensemble", r[src]["ensemble"]))
    for seed, edits in r["stress_handwritten"].items():
        lines.append(
            f"stress seed {seed}: "
            + ", ".join(f"{k} lowered {100 * (e['lowered'] or 0):.0f}%" for k, e in edits.items())
        )
    lines.append(f"wall {r['wall_seconds']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
