"""Outputs of the frozen bottom of the model, computed once and reused across epochs and seeds.

With the embeddings and the bottom ``N`` layers frozen, their output for a given token sequence
never changes during training, so recomputing it every step is wasted work. The cache stores, for
every sequence, its hidden states after layer ``N`` (float32 by default, or float16; unpadded,
one flat memmap + offsets); training then runs only the top layers, in float32 (half-precision
entries are widened when a batch is read). With the float32 cache, results equal training the
same frozen model without the cache (tests/test_train_cache.py), up to float rounding from
different batch shapes; a float16 cache rounds the features (relative error about 1e-4), which
changes a run about as much as another seed does, and makes the scores computed during training
differ from the saved checkpoint's by about 1e-4 (docs/benchmarks.md).

The key hashes the frozen weights themselves, ``N``, the storage dtype and every token id, so a
different model, ``max_length``, template or data gives a different cache and a stale one is
never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from supportrm.model.backbone import RewardModule, structure_of
from supportrm.model.render import Encoded
from supportrm.model.scoring import pad_batch
from supportrm.train.cache_store import clean, max_bytes_from_env, remove_abandoned, touch


def frozen_fingerprint(module: RewardModule, n_layers: int) -> str:
    st = structure_of(module.model)
    h = hashlib.sha256()
    h.update(type(st.model).__name__.encode())
    parts = [st.embeddings, *list(st.layers[:n_layers])]
    for part in parts:
        for name, t in part.state_dict().items():
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def sequences_fingerprint(seqs: Sequence[Encoded]) -> str:
    h = hashlib.sha256()
    for s in seqs:
        h.update(np.asarray(s.input_ids, dtype=np.int64).tobytes())
        h.update(b"|")
        if s.token_type_ids is not None:
            h.update(np.asarray(s.token_type_ids, dtype=np.int8).tobytes())
        h.update(b";")
    return h.hexdigest()


class FeatureCache:
    """Read access to cached hidden states: ``batch(indices)`` gives a padded tensor."""

    def __init__(self, folder: Path) -> None:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.folder = folder
        self.meta = meta
        self.n_layers = int(meta["n_layers"])
        self.offsets = np.load(folder / "offsets.npy")
        dtype = np.dtype(meta.get("dtype", "float32"))
        self.hidden = np.memmap(
            folder / _hidden_file(dtype),
            dtype=dtype,
            mode="r",
            shape=(int(meta["n_tokens"]), int(meta["dim"])),
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def batch(self, indices: Sequence[int], device: Any = "cpu") -> torch.Tensor:
        lens = [int(self.offsets[i + 1] - self.offsets[i]) for i in indices]
        out = np.zeros((len(indices), max(lens), self.hidden.shape[1]), dtype=np.float32)
        for row, (i, n) in enumerate(zip(indices, lens, strict=True)):
            out[row, :n] = self.hidden[self.offsets[i] : self.offsets[i] + n]
        return torch.from_numpy(out).to(device)

    @property
    def nbytes(self) -> int:
        return int(self.hidden.size) * self.hidden.dtype.itemsize


def build_or_load(
    module: RewardModule,
    seqs: Sequence[Encoded],
    n_layers: int,
    folder_root: Path,
    tokenizer: Any,
    *,
    tokens_per_batch: int = 8192,
    progress: Callable[[int], None] | None = None,
    dtype: str = "float32",
) -> tuple[FeatureCache, dict[str, Any]]:
    """Load the cache for (frozen weights, ``n_layers``, sequences, ``dtype``) or build it
    (atomically). ``dtype`` "float16" halves the disk size; float32 keys stay as before, so
    existing caches are still found."""
    np_dtype = np.dtype(dtype)
    if np_dtype not in (np.float32, np.float16):
        raise ValueError(f"cache dtype must be float32 or float16, not {dtype!r}")
    suffix = "" if np_dtype == np.float32 else f"|{np_dtype.name}"
    key = hashlib.sha256(
        f"{frozen_fingerprint(module, n_layers)}|{n_layers}|{sequences_fingerprint(seqs)}{suffix}".encode()
    ).hexdigest()[:24]
    folder = folder_root / "features" / key
    info: dict[str, Any] = {"key": key, "path": str(folder), "n_layers": n_layers}
    if (folder / "meta.json").exists():
        touch(folder)
        info.update(built=False, build_seconds=0.0)
        return FeatureCache(folder), info
    t0 = time.perf_counter()
    lengths = np.array([len(s.input_ids) for s in seqs], dtype=np.int64)
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(lengths)
    dim = _hidden_dim(module)
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(folder.parent, key)
    tmp = folder.with_name(f".{key}.tmp-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    hidden = np.memmap(
        tmp / _hidden_file(np_dtype), dtype=np_dtype, mode="w+", shape=(int(offsets[-1]), dim)
    )
    order = np.argsort(-lengths, kind="stable")
    was_training = module.training
    module.eval()
    device = next(module.parameters()).device
    start = 0
    while start < len(order):
        n_max = int(lengths[order[start]])
        size = max(1, tokens_per_batch // max(n_max, 1))
        idx = order[start : start + size].tolist()
        batch = pad_batch([seqs[i] for i in idx], tokenizer, device)
        with torch.no_grad():
            h = module.hidden_after(
                n_layers, batch["attention_mask"], batch["input_ids"], batch.get("token_type_ids")
            )
        h_np = h.float().cpu().numpy()
        for row, i in enumerate(idx):
            hidden[offsets[i] : offsets[i + 1]] = h_np[row, : lengths[i]]  # rounds to dtype
        start += len(idx)
        if progress is not None:
            progress(len(idx))
    hidden.flush()
    del hidden
    module.train(was_training)
    np.save(tmp / "offsets.npy", offsets)
    meta = {
        "n_layers": n_layers,
        "n_sequences": len(seqs),
        "n_tokens": int(offsets[-1]),
        "dim": dim,
        "dtype": np_dtype.name,
        "key": key,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    try:
        os.replace(tmp, folder)
    except OSError:
        # Another process finished the same cache first: theirs is identical, use it.
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    info.update(built=True, build_seconds=time.perf_counter() - t0)
    # Keep all caches under the size cap: least recently used first, never this one.
    evicted = clean(folder_root, max_bytes=max_bytes_from_env(), keep=[folder])
    info["evicted"] = [str(e.path) for e in evicted]
    return FeatureCache(folder), info


def _hidden_file(dtype: np.dtype) -> str:
    return "hidden.f32" if dtype == np.float32 else "hidden.f16"


def _hidden_dim(module: RewardModule) -> int:
    st = structure_of(module.model)
    cfg: Any = st.model.config
    text = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    return int(text.hidden_size)
