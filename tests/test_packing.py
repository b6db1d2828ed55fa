"""Padding-free (packed) decoder batches give the rewards of padded batches, and train the same."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.backbone import RewardModule, load_reward_model
from supportrm.model.render import Renderer
from supportrm.model.scoring import pack_batch, pad_batch, real_tokens
from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs
from supportrm.train.config import TrainConfig
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config

# fp32 on CPU; the packed path runs the same arithmetic under another mask, so only summation
# order differs. Under bf16 on a GPU expect ~1e-2 (bf16 has 8 significant bits).
ATOL = 1e-5


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_packed_rewards_equal_padded(arch: str, tmp_path: Path) -> None:
    path = tiny_llama(tmp_path / arch, arch=arch)
    model, tok, _ = load_reward_model(path, seed=0)
    module = RewardModule(model).eval()
    renderer = Renderer(tok, "decoder", 96)
    pairs = toy_pairs(6)
    seqs = renderer.encode_many([(p.prompt, r) for p in pairs for r in (p.chosen, p.rejected)])
    lengths = [len(s.input_ids) for s in seqs]
    assert len(set(lengths)) > 3  # different lengths, so padding really differs
    with torch.no_grad():
        padded = module(**pad_batch(seqs, tok)).numpy()
        packed_batch = pack_batch(seqs)
        packed = module(**packed_batch).numpy()
        one_by_one = np.array([module(**pad_batch([s], tok)).item() for s in seqs])
    np.testing.assert_allclose(packed, padded, atol=ATOL, rtol=0)
    np.testing.assert_allclose(packed, one_by_one, atol=ATOL, rtol=0)
    assert packed_batch["input_ids"].shape == (1, sum(lengths))  # no padding at all
    assert real_tokens(packed_batch) == sum(lengths)
    assert packed_batch["position_ids"][0, lengths[0]] == 0  # positions restart per sequence


def test_packed_rewards_change_when_boundaries_are_ignored(tmp_path: Path) -> None:
    """The test above can fail: without restarting positions the sequences attend to each other
    and the rewards change."""
    path = tiny_llama(tmp_path / "llama")
    model, tok, _ = load_reward_model(path, seed=0)
    module = RewardModule(model).eval()
    renderer = Renderer(tok, "decoder", 96)
    pairs = toy_pairs(3)
    seqs = renderer.encode_many([(p.prompt, p.chosen) for p in pairs])
    batch = pack_batch(seqs)
    batch["position_ids"] = torch.arange(batch["input_ids"].shape[1])[None]
    with torch.no_grad():
        wrong = module(**batch).numpy()
        right = module(**pad_batch(seqs, tok)).numpy()
    assert np.abs(wrong[1:] - right[1:]).max() > 1e-3


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_training_with_packing_follows_padding(arch: str, tmp_path: Path) -> None:
    path = tiny_llama(tmp_path / arch, arch=arch)
    pairs = toy_pairs(30)
    common = {"epochs": 1, "freeze_layers": 1, "cache_features": False, "dev_size": 0}
    runs = {}
    for packing in ("off", "on"):
        cfg = tiny_config(path, tmp_path / packing, packing=packing, **common)
        train_seeds(cfg, pairs[:24], pairs[24:], cfg.out, log=lambda *_: None)
        seed_dir = cfg.out / "seed-0"
        steps = [json.loads(x) for x in (seed_dir / "steps.jsonl").read_text().splitlines()]
        rows = [json.loads(x) for x in (seed_dir / "val_scores.jsonl").read_text().splitlines()]
        runs[packing] = (steps, rows)
    (s_off, r_off), (s_on, r_on) = runs["off"], runs["on"]
    np.testing.assert_allclose(
        [s["loss"] for s in s_on], [s["loss"] for s in s_off], atol=1e-5, rtol=1e-5
    )
    assert [s["tokens"] for s in s_on] == [s["tokens"] for s in s_off]  # real tokens only
    np.testing.assert_allclose(
        [r["chosen_score"] for r in r_on], [r["chosen_score"] for r in r_off], atol=1e-4, rtol=0
    )


def test_packing_auto_only_under_flash_attention() -> None:
    from supportrm.train.prepare import use_packing

    cfg = TrainConfig(cache_features=False)
    assert not use_packing(cfg, "decoder")  # sdpa: padding is cheaper than the full square
    flash = cfg.model_copy(update={"attn_implementation": "flash_attention_2"})
    assert use_packing(flash, "decoder") and not use_packing(flash, "encoder")
    assert use_packing(cfg.model_copy(update={"packing": "on"}), "decoder")
    assert not use_packing(flash.model_copy(update={"packing": "off"}), "decoder")


def test_packing_on_is_refused_where_it_cannot_work(tmp_path: Path) -> None:
    from supportrm.train.pipeline import train_from_config

    with pytest.raises(ValueError, match="feature cache"):
        TrainConfig(packing="on")  # cache_features defaults to on
    from supportrm.data.io import write_pairs

    bert = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(30), data)
    cfg = tiny_config(bert, tmp_path, packing="on", cache_features=False, data=data, val_size=6)
    with pytest.raises(ValueError, match="decoders"):
        train_from_config(cfg, log=lambda *_: None)
    assert not (tmp_path / "run").exists()  # refused before anything was written
