"""The real packaged MiniLM trains on a small slice and loads back (offline)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.resolve import packaged_minilm_path, resolve_base_model
from supportrm.model.scoring import RewardScorer
from supportrm.model.testing import toy_pairs
from supportrm.train.config import TrainConfig
from supportrm.train.seeds import train_seeds


def test_resolve_packaged_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert resolve_base_model("minilm") == packaged_minilm_path()
    assert (packaged_minilm_path() / "model.safetensors").exists()
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        resolve_base_model(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not 'minilm'"):
        resolve_base_model("no-such-thing")
    # a hub id without network (HF_HUB_OFFLINE=1) fails with a pointer to the offline default
    with pytest.raises(FileNotFoundError, match="--model minilm"):
        resolve_base_model("no-such-org/no-such-model-xyz")
    # a mistyped run folder with one "/" is a missing folder, said so, and never downloaded
    with pytest.raises(FileNotFoundError, match="no such folder, and offline"):
        resolve_base_model("runs/no-such-run")


@pytest.mark.e2e
def test_minilm_trains_on_a_slice_and_reloads(tmp_path: Path) -> None:
    pairs = toy_pairs(40)
    cfg = TrainConfig(
        model="minilm",
        seeds=[0],
        epochs=1,
        batch_size=8,
        max_length=64,
        freeze_layers=5,
        progress=False,
        cache_dir=tmp_path / "cache",
        out=tmp_path / "run",
    )
    train_seeds(cfg, pairs[:30], pairs[30:], cfg.out, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    rows = [
        json.loads(x) for x in (cfg.out / "seed-0" / "val_scores.jsonl").read_text().splitlines()
    ]
    scorer = RewardScorer.from_pretrained(ckpt)
    again = scorer.score_pairs(pairs[30:])
    np.testing.assert_allclose(
        [r["chosen_score"] for r in again], [r["chosen_score"] for r in rows], atol=1e-5, rtol=0
    )
    meta = json.loads((ckpt / "supportrm.json").read_text())
    assert meta["render"]["kind"] == "encoder" and meta["render"]["max_length"] == 64
