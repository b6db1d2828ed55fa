"""One optimisation step: the loss, which parameters train, and that every one of them moves."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs
from supportrm.train.batching import auto_max_length, length_grouped_batches, shard
from supportrm.train.loss import bradley_terry_loss
from supportrm.train.prepare import prepare
from supportrm.train.seed import is_eval_step, train_one_seed
from supportrm.train.testing import tiny_config


def test_bt_loss_by_hand() -> None:
    rc = torch.tensor([2.0, 0.0, -1.0])
    rr = torch.tensor([1.0, 0.0, 1.0])
    expected = sum(math.log1p(math.exp(-d)) for d in (1.0, 0.0, -2.0)) / 3
    assert bradley_terry_loss(rc, rr).item() == pytest.approx(expected, rel=1e-6)
    m = torch.tensor([0.5, 0.0, 0.0])
    exp_m = sum(math.log1p(math.exp(-d)) for d in (0.5, 0.0, -2.0)) / 3
    assert bradley_terry_loss(rc, rr, m).item() == pytest.approx(exp_m, rel=1e-6)
    center = 0.1 * (9 + 0 + 0) / 3
    assert bradley_terry_loss(rc, rr, center_coefficient=0.1).item() == pytest.approx(
        expected + center, rel=1e-6
    )
    # global-batch denominator: two shards summed equal the full-batch mean
    a = bradley_terry_loss(rc[:1], rr[:1], denominator=3) + bradley_terry_loss(
        rc[1:], rr[1:], denominator=3
    )
    assert a.item() == pytest.approx(expected, rel=1e-6)


def test_batches_cover_everything_and_are_deterministic() -> None:
    lengths = [(i * 37) % 101 for i in range(203)]
    b1 = length_grouped_batches(lengths, 8, seed=1, epoch=0, group=4)
    assert sorted(i for b in b1 for i in b) == list(range(203))
    assert b1 == length_grouped_batches(lengths, 8, seed=1, epoch=0, group=4)
    assert b1 != length_grouped_batches(lengths, 8, seed=1, epoch=1, group=4)
    # grouped: within a batch lengths are close (sorted inside a mega-batch)
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in b1) / len(b1)
    assert spread < 30
    assert shard(list(range(7)), 0, 2) + shard(list(range(7)), 1, 2) == list(range(7))
    assert auto_max_length([10, 20, 30, 300], 0.5, 512) == 32
    assert auto_max_length([10, 20, 30, 3000], 1.0, 512) == 512


def _states(model_path: Path, tmp: Path, steps: int, **kw):
    pairs = toy_pairs(40)
    cfg0 = tiny_config(model_path, tmp / "a", **kw)
    prep = prepare(cfg0, pairs[:32], pairs[32:], log=lambda *_: None)
    before = train_one_seed(
        cfg0, prep, 0, tmp / "a" / "seed-0", stop_at_step=0, log=lambda *_: None
    )
    assert before["interrupted"]
    s0 = torch.load(tmp / "a" / "seed-0" / "state.pt", weights_only=True)["trainable"]
    train_one_seed(cfg0, prep, 0, tmp / "b" / "seed-0", stop_at_step=steps, log=lambda *_: None)
    s1 = torch.load(tmp / "b" / "seed-0" / "state.pt", weights_only=True)["trainable"]
    return s0, s1


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_every_trainable_parameter_changes(kind: str, tmp_path: Path) -> None:
    path = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind)
    s0, s1 = _states(path, tmp_path, 1, freeze_layers=1)
    assert set(s0) == set(s1) and s0
    unchanged = [n for n in s0 if torch.equal(s0[n], s1[n])]
    assert unchanged == []
    names = " ".join(s0)
    # embeddings and layer 0 are frozen; layers 1-2 and the head train
    assert "embed" not in names and ".0." not in names
    assert ".1." in names and ".2." in names
    assert ("classifier" in names) or ("score" in names)


def test_every_lora_parameter_changes(tmp_path: Path) -> None:
    path = tiny_llama(tmp_path / "llama")
    # LoRA B starts at zero, so A gets no gradient on step 1: check after two steps.
    s0, s1 = _states(path, tmp_path, 2, freeze_layers=1, lora_r=4)
    assert any("lora_A" in n for n in s0) and any("lora_B" in n for n in s0)
    assert any("score" in n for n in s0)
    assert [n for n in s0 if torch.equal(s0[n], s1[n])] == []
    assert not any(".layers.0." in n for n in s0)


def test_fractional_epochs_stop_the_last_pass_early(tmp_path: Path) -> None:
    import json

    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(46)
    train, dev, val = pairs[:32], pairs[32:38], pairs[38:]  # 32 pairs, batch 8: 4 steps/epoch
    cfg = tiny_config(path, tmp_path, epochs=1.5, eval_every_steps=0)
    prep = prepare(cfg, train, val, dev, log=lambda *_: None)
    metrics = train_one_seed(cfg, prep, 0, tmp_path / "seed-0", log=lambda *_: None)
    assert metrics["training"]["total_steps"] == 6
    steps = [json.loads(x) for x in (tmp_path / "seed-0" / "steps.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2, 3, 4, 5, 6]
    assert steps[-1]["epoch"] == 1.5
    history = [
        json.loads(x) for x in (tmp_path / "seed-0" / "history.jsonl").read_text().splitlines()
    ]
    assert [h["step"] for h in history] == [4, 6]  # end of epoch 1, and the last step


@pytest.mark.parametrize(
    ("total", "every", "expected"),
    [
        (312, 150, [150, 312]),  # the default: 300 is 12 steps before the last, not evaluated
        (312, 100, [100, 200, 312]),
        (6, 4, [4, 6]),  # half an interval before the end is still evaluated
        (7, 4, [4, 7]),
        (5, 4, [5]),  # one step before the end: skipped
        (10, 0, []),
    ],
)
def test_dev_is_evaluated_periodically_and_at_the_last_step(
    total: int, every: int, expected: list[int]
) -> None:
    assert [s for s in range(1, total + 1) if is_eval_step(s, total, every)] == expected
