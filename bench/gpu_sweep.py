"""Which training budget does MiniLM-L6 need on the embedded data? A sweep on a GPU machine.

On the 2-core CPU each setting costs 10-50 minutes, so the question "is a category (refusals)
unlearnable for this base, or just under-trained at the CPU default?" is answered here, on a GPU,
with the same trainer (bf16 autocast instead of fp32: numbers are close to, not identical with, the
CPU's). Seed 0, default split (1,000 held-out pairs, split seed 0), all 7,000 training pairs.

    python bench/gpu_sweep.py --out bench/results/gpu_sweep-h100.json [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# (name, freeze_layers, epochs, lr, batch): the CPU default first, then more training / layers.
SETTINGS: list[tuple[str, int, int, float, int]] = [
    ("cpu-default: freeze4 ep1 lr3e-4", 4, 1, 3e-4, 32),
    ("freeze4 ep3 lr3e-4", 4, 3, 3e-4, 32),
    ("freeze3 ep2 lr3e-4", 3, 2, 3e-4, 32),
    ("freeze2 ep3 lr2e-4", 2, 3, 2e-4, 32),
    ("freeze0 ep3 lr1e-4", 0, 3, 1e-4, 32),
    ("full ep3 lr5e-5", -1, 3, 5e-5, 32),
    # Second round: budgets that fit the CPU's 15 min/seed (fewer trainable layers or steps).
    ("freeze4 ep2 lr3e-4", 4, 2, 3e-4, 32),
    ("freeze4 ep1 lr3e-4 bs16", 4, 1, 3e-4, 16),
    ("freeze5 ep3 lr5e-4", 5, 3, 5e-4, 32),
    ("freeze5 ep2 lr5e-4 bs16", 5, 2, 5e-4, 16),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--only", type=int, nargs="*", help="indices of SETTINGS to run")
    args = ap.parse_args()

    import torch
    import transformers

    from supportrm.train.config import TrainConfig
    from supportrm.train.pipeline import train_from_config

    work = Path(tempfile.mkdtemp(prefix="supportrm-sweep-"))
    results: list[dict[str, Any]] = []
    for i, (name, freeze, epochs, lr, batch) in enumerate(SETTINGS):
        if args.only and i not in args.only:
            continue
        cfg = TrainConfig(
            model=args.model,
            freeze_layers=freeze,
            epochs=epochs,
            lr=lr,
            batch_size=batch,
            seeds=[0],
            out=work / f"run{i}",
            cache_dir=work / "cache",
            progress=False,
        )
        t0 = time.perf_counter()
        agg = train_from_config(cfg)
        wall = time.perf_counter() - t0
        m = json.loads((work / f"run{i}" / "seed-0" / "metrics.json").read_text())
        row = {
            "setting": name,
            "freeze_layers": freeze,
            "epochs": epochs,
            "lr": lr,
            "batch_size": batch,
            "wall_seconds": wall,
            "metrics": {k: m[k] for k in ("accuracy", "per_category") if k in m},
            "aggregate_keys": sorted(agg) if isinstance(agg, dict) else None,
        }
        results.append(row)
        print(json.dumps({"setting": name, "wall": round(wall, 1)}), file=sys.stderr, flush=True)
        print(json.dumps(row["metrics"])[:1500], file=sys.stderr, flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "benchmark": "gpu_sweep",
                    "command": " ".join(sys.argv),
                    "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
                    "versions": {
                        "torch": torch.__version__,
                        "transformers": transformers.__version__,
                    },
                    "python": platform.python_version(),
                    "results": results,
                },
                indent=2,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
