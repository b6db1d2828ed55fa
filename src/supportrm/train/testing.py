"""Helpers for tests: a tiny training run in a few seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from supportrm.train.config import TrainConfig


def tiny_config(model_path: Path, tmp: Path, **overrides: Any) -> TrainConfig:
    values: dict[str, Any] = {
        "model": str(model_path),
        "freeze_layers": 1,
        "epochs": 2,
        "batch_size": 8,
        "lr": 2e-3,
        "seeds": [0],
        "progress": False,
        "max_length": 96,
        "cache_dir": tmp / "cache",
        "out": tmp / "run",
        "save_every_steps": 2,
        "eval_every_steps": 3,
        "eval_batch_size": 16,
        "warmup_ratio": 0.1,
    }
    values.update(overrides)
    return TrainConfig(**values)
