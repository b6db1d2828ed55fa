"""`supportrm train` as a library call: load → split → write the split → train every seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from supportrm.train.config import TrainConfig


def default_data_path() -> Path:
    from supportrm.data.embedded import default_dataset_path

    return Path(default_dataset_path())


def train_from_config(config: TrainConfig, *, log: Any = None) -> dict[str, Any]:
    """Run the whole training stage into ``config.out``; returns the aggregated metrics."""
    from supportrm.data.io import write_pairs
    from supportrm.data.load import load_pairs
    from supportrm.data.split import split_pairs
    from supportrm.files import atomic_write_text
    from supportrm.train.seeds import train_seeds

    data_path = Path(config.data) if config.data else default_data_path()
    loaded = load_pairs(data_path, on_error=config.on_error, categories=None)
    split = split_pairs(loaded.pairs, config.val_size, config.split_seed)
    run_dir = Path(config.out)
    split_dir = run_dir / "split"
    split_dir.mkdir(parents=True, exist_ok=True)
    write_pairs(split.train, split_dir / "train.jsonl.gz")
    write_pairs(split.val, split_dir / "val.jsonl.gz")
    atomic_write_text(
        split_dir / "manifest.json", json.dumps(split.manifest, indent=2, default=str)
    )
    extra = {
        "data_file": str(data_path),
        "data_load": {
            "n_read": loaded.n_read,
            "loaded": len(loaded.pairs),
            "skipped": len(loaded.skipped),
        },
        "split": {
            "val_size": config.val_size,
            "seed": config.split_seed,
            "manifest": "split/manifest.json",
        },
    }
    return train_seeds(config, split.train, split.val, run_dir, extra_run_info=extra, log=log)
