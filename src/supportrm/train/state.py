"""Resumable training state: the trainable weights, optimizer, schedule, every RNG, the step,
the evaluation history and the best checkpoint so far, written atomically to ``state.pt``.

Why not ``accelerate``'s ``save_state``: it writes the *whole* model each time: 16 GB of
Llama-3.1-8B weights under LoRA, where the trainable part is a few hundred MB, and all 87 MB of
MiniLM where the top three layers (21 MB) train. Our resume reproduces the uninterrupted run bit
for bit (tests/test_train_resume.py). Under FSDP2 the weights and optimizer state are saved
as shards instead (``train/sharding.py``) and this file keeps the rest; under DeepSpeed no state is
saved (docs/training.md).

The file is written by this process and read back by it: ``torch.load(weights_only=False)``
is used only on the run directory's own state file, never on downloaded files.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from supportrm.files import atomic_path

STATE_FILE = "state.pt"


def trainable_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in module.named_parameters() if p.requires_grad}


def load_trainable(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(module.named_parameters())
    with torch.no_grad():
        for n, t in state.items():
            params[n].copy_(t)


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: Path, **state: Any) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    return loaded
