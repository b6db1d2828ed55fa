"""Scoring several seeds at once: the shared frozen bottom runs once, rewards are unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.ensemble import (
    ensemble_rewards,
    score_encoded_ensemble,
    shared_bottom_layers,
)
from supportrm.model.render import Renderer
from supportrm.model.scoring import RewardScorer
from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs


def _seeds(path: Path, n: int, change: Callable[[RewardScorer, int], None]) -> list[RewardScorer]:
    """``n`` scorers of one base, as the seeds of a run: ``change(scorer, k)`` alters seed k."""
    out = []
    for k in range(n):
        torch.manual_seed(k)  # the classification head is initialised at random: differs by seed
        s = RewardScorer.from_pretrained(path)
        with torch.no_grad():  # a freshly initialised head gives rewards near 0: spread them
            s.module.structure.head_module().weight.mul_(100)
        change(s, k)
        out.append(s)
    return out


def _perturb(module: torch.nn.Module, k: int) -> None:
    g = torch.Generator().manual_seed(100 + k)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))


def _items() -> list:
    return [(p.prompt, r) for p in toy_pairs(12) for r in (p.chosen, p.rejected)]


def _alone(scorers: list[RewardScorer], items: list) -> np.ndarray:
    return np.vstack([s.score_encoded(s.renderer.encode_many(items), 5) for s in scorers])


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_top_layers_trained_apart_share_the_bottom(kind: str, tmp_path: Path) -> None:
    path = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind, layers=3)

    def train_top(s: RewardScorer, k: int) -> None:  # layers 2.. and everything after them
        _perturb(s.module.structure.layers[2], k)
        if kind == "llama":
            _perturb(s.module.structure.base.norm, k)  # runs after the layers: may differ

    scorers = _seeds(path, 3, train_top)
    items = _items()
    seqs = scorers[0].renderer.encode_many(items)
    assert shared_bottom_layers(scorers, seqs[0]) == 2
    together = score_encoded_ensemble(scorers, seqs, 5)
    np.testing.assert_allclose(together, _alone(scorers, items), atol=1e-5, rtol=0)
    assert np.ptp(together, axis=0).max() > 1e-3  # the seeds do differ


def test_nothing_is_shared_when_the_embeddings_differ(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "bert", layers=3)
    scorers = _seeds(path, 2, lambda s, k: _perturb(s.module.structure.embeddings, k))
    items = _items()
    seqs = scorers[0].renderer.encode_many(items)
    assert shared_bottom_layers(scorers, seqs[0]) == 0
    together = score_encoded_ensemble(scorers, seqs, 5)
    np.testing.assert_allclose(together, _alone(scorers, items), atol=1e-5, rtol=0)


def test_ensemble_rewards_falls_back_when_the_renderers_differ(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "bert", layers=3)
    scorers = _seeds(path, 2, lambda s, k: None)
    short = scorers[1]
    short.renderer = Renderer(short.tokenizer, "encoder", 24)  # truncates where the other does not
    items = _items()
    assert [e.input_ids for e in short.renderer.encode_many(items)] != [
        e.input_ids for e in scorers[0].renderer.encode_many(items)
    ]
    got = ensemble_rewards(scorers, items, 5)
    np.testing.assert_allclose(got, _alone(scorers, items), atol=1e-5, rtol=0)
    # scored on seed 0's (longer) sequences, seed 1 would give other rewards
    wrong = score_encoded_ensemble(scorers, scorers[0].renderer.encode_many(items), 5)
    assert np.abs(wrong[1] - got[1]).max() > 1e-3


def test_evaluating_a_run_scores_its_frozen_bottom_seeds_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`evaluate_model` on a run whose seeds froze their bottom layers scores them together;
    every seed's score table is the one its checkpoint gives alone."""
    import supportrm.model.ensemble as ens
    from supportrm.data.io import write_pairs
    from supportrm.evaluate.runs import evaluate_model
    from supportrm.evaluate.scoretable import read_score_table
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    pairs = toy_pairs(40)
    cfg = tiny_config(tiny_bert(tmp_path / "bert"), tmp_path, seeds=[0, 1], freeze_layers=1)
    train_seeds(cfg, pairs[:30], pairs[30:], cfg.out, log=lambda *_: None)
    data = tmp_path / "second.jsonl"
    write_pairs(toy_pairs(60)[40:], data)
    calls: list[int] = []
    real = ens.score_encoded_ensemble
    monkeypatch.setattr(
        ens,
        "score_encoded_ensemble",
        lambda sc, *a, **k: calls.append(len(sc)) or real(sc, *a, **k),
    )
    evaluate_model(cfg.out, data, tmp_path / "eval")
    assert calls == [2]
    for seed in (0, 1):
        table = read_score_table(tmp_path / "eval" / f"seed-{seed}" / "scores.jsonl")
        alone = RewardScorer.from_pretrained(cfg.out / f"seed-{seed}").score_pairs(
            toy_pairs(60)[40:]
        )
        np.testing.assert_allclose(table.chosen, [r["chosen_score"] for r in alone], atol=1e-6)
        np.testing.assert_allclose(table.rejected, [r["rejected_score"] for r in alone], atol=1e-6)
