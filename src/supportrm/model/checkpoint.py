"""Checkpoints that plain transformers can load, written atomically.

A checkpoint folder is a normal Hugging Face folder (``config.json``, ``model.safetensors``,
tokenizer files) plus ``supportrm.json`` (how sequences were rendered, so every later score is
computed the same way). LoRA adapters are merged before saving, so
``AutoModelForSequenceClassification.from_pretrained(dir)`` alone reproduces the training scores.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from torch import nn

from supportrm.model.backbone import merged_copy

META_FILE = "supportrm.json"


def replace_dir(tmp_dir: Path, final_dir: Path) -> None:
    """Move a fully written folder into place; the previous one is removed only afterwards."""
    old = None
    if final_dir.exists():
        old = final_dir.with_name(f".{final_dir.name}.old-{os.getpid()}")
        os.replace(final_dir, old)
    os.replace(tmp_dir, final_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(final_dir: Path) -> Iterator[Path]:
    """A temporary folder beside ``final_dir`` to write into; on success it replaces
    ``final_dir`` (``replace_dir``), on any failure it is removed, so readers never see a
    half-written folder and nothing is left behind."""
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.tmp-", dir=final_dir.parent))
    try:
        yield tmp
        replace_dir(tmp, final_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_checkpoint(model: nn.Module, tokenizer: Any, out_dir: Path, meta: dict[str, Any]) -> Path:
    """Save ``model`` (any wrapper; LoRA merged) + tokenizer + ``supportrm.json`` atomically."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    inner = getattr(model, "model", model)  # RewardModule -> transformers/PEFT model
    plain: Any = merged_copy(inner)
    with staged_dir(out_dir) as tmp:
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return out_dir


def read_meta(path: Path) -> dict[str, Any]:
    f = Path(path) / META_FILE
    if not f.exists():
        return {}
    data = json.loads(f.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
