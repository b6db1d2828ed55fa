"""Training speed of `supportrm train` on this machine: tokens/s, pairs/s, cache build, per-seed wall.

Examples (the lead's acceptance run uses the defaults on the embedded data):

    .venv/bin/python bench/train_speed.py                       # embedded data, 3 seeds, defaults
    .venv/bin/python bench/train_speed.py --n-train 500 --n-val 200 --seeds 0 --epochs 1
    .venv/bin/python bench/train_speed.py --data ../shared/data/real/hh-rlhf-harmless-base-test.jsonl.gz \
        --freeze-layers 4 --n-train 1000

Writes ``bench/results/train_speed-<tag>.json`` with machine, versions and the command.
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
    ap.add_argument("--data", default=None, help="data file (default: the embedded dataset)")
    ap.add_argument("--val-size", type=float, default=1000)
    ap.add_argument("--n-train", type=int, default=None, help="use only the first N training pairs")
    ap.add_argument("--n-val", type=int, default=None, help="use only the first N held-out pairs")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--freeze-layers", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--max-length", type=int, default=None)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--no-cache", action="store_true", help="train without the feature cache")
    ap.add_argument(
        "--fresh-cache", action="store_true", help="use an empty cache folder (measure the build)"
    )
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--tag", default=None, help="result file suffix")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args()

    import tempfile

    import torch

    from supportrm.data.load import load_pairs
    from supportrm.data.split import split_pairs
    from supportrm.train.config import TrainConfig
    from supportrm.train.pipeline import default_data_path
    from supportrm.train.runtime import environment
    from supportrm.train.seeds import train_seeds

    data = Path(args.data) if args.data else default_data_path()
    pairs = load_pairs(data, categories=None, allow_empty_response=True).pairs
    val_size: int | float = int(args.val_size) if args.val_size >= 1 else args.val_size
    split = split_pairs(pairs, val_size, 0)
    train = split.train[: args.n_train] if args.n_train else split.train
    val = split.val[: args.n_val] if args.n_val else split.val
    overrides: dict[str, Any] = {
        "model": args.model,
        "seeds": args.seeds,
        "progress": not args.no_progress,
        "cache_features": not args.no_cache,
    }
    for key in ("epochs", "freeze_layers", "batch_size", "lr", "max_length"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    tmp = Path(tempfile.mkdtemp(prefix="supportrm-speed-"))
    if args.fresh_cache:
        overrides["cache_dir"] = tmp / "cache"
    config = TrainConfig(**overrides)
    run_dir = Path(args.run_dir) if args.run_dir else tmp / "run"
    print(f"data {data}: train {len(train)}, val {len(val)}; run dir {run_dir}", file=sys.stderr)
    t0 = time.perf_counter()
    agg = train_seeds(config, train, val, run_dir)
    total = time.perf_counter() - t0
    run = json.loads((run_dir / "run.json").read_text())
    per_seed: dict[str, Any] = {}
    for seed in args.seeds:
        sd = run_dir / f"seed-{seed}"
        steps = [json.loads(x) for x in (sd / "steps.jsonl").read_text().splitlines()]
        step_time = sum(s["seconds"] for s in steps)
        tokens = sum(s["tokens"] for s in steps)
        n_pairs = sum(s["pairs"] for s in steps)
        metrics = json.loads((sd / "metrics.json").read_text())
        per_seed[str(seed)] = {
            "wall_seconds": run["wall_seconds"]["per_seed"].get(
                str(seed), run["wall_seconds"]["per_seed"].get(seed)
            ),
            "train_step_seconds": step_time,
            "train_tokens_per_s": tokens / step_time if step_time else None,
            "train_pairs_per_s": n_pairs / step_time if step_time else None,
            "steps": len(steps),
            "accuracy": _acc(metrics),
            "per_category": _cats(metrics),
        }
    result = {
        "benchmark": "train_speed",
        "command": " ".join([sys.executable, *sys.argv]),
        "data": str(data),
        "n_train": len(train),
        "n_val": len(val),
        "config": config.model_dump(mode="json"),
        "max_length": run["render"]["max_length"],
        "feature_cache": run.get("feature_cache"),
        "prepare_and_cache_seconds": run["wall_seconds"]["prepare_and_cache"],
        "total_seconds": total,
        "per_seed_including_shared_seconds": total / len(args.seeds),
        "per_seed": per_seed,
        "aggregate": agg,
        "load_average_at_end": os.getloadavg(),
        "note": "other jobs may share this CPU; see load_average_at_end",
        "torch_threads": torch.get_num_threads(),
        **environment(),
    }
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = args.tag or time.strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"train_speed-{tag}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(
        json.dumps(
            {k: result[k] for k in ("total_seconds", "prepare_and_cache_seconds", "per_seed")},
            indent=2,
            default=str,
        )
    )
    print(f"wrote {out}", file=sys.stderr)


def _acc(m: dict[str, Any]) -> Any:
    return m.get("accuracy", m.get("strict", m.get("basic", {}).get("accuracy")))


def _cats(m: dict[str, Any]) -> Any:
    return m.get("basic", {}).get("per_category") or m.get("per_category")


if __name__ == "__main__":
    main()
