"""Resumable training state: the trainable weights, optimizer, schedule, every RNG, the step,
the evaluation history and the best checkpoint so far, written atomically to ``state.pt``.

Why not ``accelerate``'s ``save_state``: it writes the *whole* model each time: 16 GB of
Llama-3.1-8B weights under LoRA, where the trainable part is a few hundred MB, and all 87 MB of
MiniLM where the top three layers (21 MB) train. Our resume reproduces the uninterrupted run bit
for bit (tests/test_train_resume.py). Under FSDP2 the weights and optimizer state are saved
as shards instead (``train/sharding.py``) and this file keeps the rest; under DeepSpeed no state is
saved (docs/training.md).

The file holds tensors, numbers, strings and containers only, and is read back with
``torch.load(weights_only=True)``: resuming never unpickles arbitrary objects, even from a run
directory copied from elsewhere. (The numpy RNG state is stored as a tensor for that reason.)
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any, cast

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
    legacy = cast(tuple[str, np.ndarray, int, int, float], np.random.get_state(legacy=True))
    kind, key, pos, has_gauss, gauss = legacy
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        # numpy's tuple holds an ndarray, which weights_only loading refuses: a tensor instead.
        "numpy": [kind, torch.from_numpy(key.astype(np.int64)), int(pos), int(has_gauss), gauss],
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    kind, key, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, key.numpy().astype(np.uint32), pos, has_gauss, gauss))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: Path, **state: Any) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"--resume: {path} holds objects other than tensors and plain data (written by a "
            "supportrm before 0.2.0, or not by supportrm); it is not loaded. Delete it to train "
            "this seed from the start."
        ) from exc
    return loaded
