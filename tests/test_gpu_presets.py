"""The GPU presets under configs/ (issue 14) resolve and train end to end: a dry run on CPU with a
tiny random Llama folder (bf16 autocast and speed need a GPU; the code path is the same)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.config import resolve_config
from supportrm.model.testing import tiny_llama, toy_pairs
from supportrm.train.config import TrainConfig
from supportrm.train.seeds import train_seeds

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.mark.parametrize(
    ("name", "lora"),
    [("gpu-small.yaml", 0), ("gpu-8b-lora.yaml", 16)],
)
def test_gpu_preset_dry_run_on_cpu(name: str, lora: int, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    cfg = resolve_config(
        TrainConfig, CONFIGS / name,
        {"model": str(tiny_llama(tmp_path / "llama")), "out": tmp_path / "run", "seeds": [0],
         "epochs": 1, "batch_size": 4, "max_length": 96, "progress": False, "dev_size": 0},
    )  # fmt: skip
    assert cfg.lora_r == lora and not cfg.cache_features
    assert cfg.freeze_layers == (-1 if lora == 0 else 0)
    assert cfg.gradient_checkpointing is (lora > 0)
    pairs = toy_pairs(20)
    train_seeds(cfg, pairs[:16], pairs[16:], cfg.out, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    model = AutoModelForSequenceClassification.from_pretrained(ckpt)  # plain transformers
    assert type(model).__name__ == "LlamaForSequenceClassification"
    meta = json.loads((ckpt / "supportrm.json").read_text())
    assert meta["lora_r"] == lora
    steps = [json.loads(x) for x in (cfg.out / "seed-0" / "steps.jsonl").read_text().splitlines()]
    assert len(steps) == 4 and steps[0]["loss"] != steps[-1]["loss"]


def test_qlora_preset_resolves_and_is_refused_without_a_gpu(tmp_path: Path) -> None:
    import torch

    from supportrm.data.io import write_pairs
    from supportrm.train.pipeline import train_from_config

    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(30), data)
    cfg = resolve_config(
        TrainConfig, CONFIGS / "gpu-8b-qlora.yaml",
        {"model": str(tiny_llama(tmp_path / "llama")), "out": tmp_path / "run", "seeds": [0],
         "data": data, "val_size": 6, "progress": False},
    )  # fmt: skip
    assert cfg.load_in_4bit and cfg.lora_r == 16 and cfg.gradient_checkpointing
    assert not cfg.cache_features and cfg.freeze_layers == 0
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the refusal is for machines without one")
    with pytest.raises(ValueError, match="CUDA GPU"):
        train_from_config(cfg, log=lambda *_: None)
    assert not (tmp_path / "run").exists()  # refused before anything was written
    with pytest.raises(ValueError, match="lora-r"):
        cfg.model_validate({**cfg.model_dump(), "lora_r": 0})
