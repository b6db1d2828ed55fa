"""Temperature scaling: fitted on dev only, monotone (accuracy unchanged), stored with the
checkpoint and used for every probability."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.evaluate.accuracy import calibration, correct_and_ties
from supportrm.evaluate.temperature import bt_nll, fit_temperature, tempered_calibration


def test_fit_recovers_the_scale_and_lowers_ece() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0.8, 1.5, 20000)
    chosen_wins = rng.random(z.size) < 1 / (1 + np.exp(-z))
    # the label says "chosen wins": where the truth was the other way, the margin flips sign
    true_margin = np.where(chosen_wins, z, -z)
    stated = 4.0 * true_margin
    fit = fit_temperature(stated)
    assert fit["value"] == pytest.approx(4.0, rel=0.05)
    assert fit["bt_loss_after"] < fit["bt_loss_before"]
    assert fit["fitted_on"] == "dev" and fit["n_pairs"] == z.size
    before, after = calibration(stated), tempered_calibration(stated, fit["value"])
    assert after["ece"] < 0.02 < before["ece"]
    assert bt_nll(stated, fit["value"]) == pytest.approx(after["bt_loss"])


def test_temperature_never_changes_accuracy_or_ties() -> None:
    rng = np.random.default_rng(1)
    delta = np.concatenate([rng.normal(0.5, 2, 500), np.zeros(7)])
    for t in (0.3, 1.0, 7.5):
        assert np.array_equal(
            np.stack(correct_and_ties(delta)), np.stack(correct_and_ties(delta / t))
        )


def test_fit_refuses_degenerate_input() -> None:
    with pytest.raises(ValueError, match="margins"):
        fit_temperature([0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="margins"):
        fit_temperature([1.0])
    # every margin positive: the optimum runs off to T -> 0; the bound stops it
    one_sided = fit_temperature([1.0, 2.0, 3.0])
    assert one_sided["value"] == pytest.approx(0.01, rel=1e-3) and one_sided["at_bound"]
    assert not fit_temperature([1.0, -0.5, 3.0])["at_bound"]


def test_training_fits_on_dev_stores_it_and_the_scorer_uses_it(tmp_path: Path) -> None:
    from supportrm.model.scoring import RewardScorer
    from supportrm.model.testing import tiny_bert, toy_pairs
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(60)
    train, dev, val = pairs[:40], pairs[40:50], pairs[50:]
    cfg = tiny_config(model, tmp_path, epochs=1)
    train_seeds(cfg, train, val, cfg.out, dev_pairs=dev, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    meta = json.loads((ckpt / "supportrm.json").read_text())
    fit = meta["temperature"]
    assert fit["fitted_on"] == "dev" and fit["n_pairs"] == len(dev) and fit["value"] > 0
    # refitting on the dev margins of the reloaded checkpoint gives the same temperature
    scorer = RewardScorer.from_pretrained(ckpt)
    rows = scorer.score_pairs(dev)
    delta = np.array([r["chosen_score"] - r["rejected_score"] for r in rows])
    assert fit_temperature(delta)["value"] == pytest.approx(fit["value"], rel=1e-3)
    assert scorer.temperature == fit["value"]
    # the reward normalisation is that of the same dev rewards (default normalization_split)
    norm = meta["reward_normalization"]
    dev_rewards = np.array([r[k] for r in rows for k in ("chosen_score", "rejected_score")])
    assert norm["split"].startswith("dev") and norm["n_rewards"] == 2 * len(dev)
    assert norm["mean"] == pytest.approx(dev_rewards.mean(), abs=1e-5)
    assert norm["std"] == pytest.approx(dev_rewards.std(), abs=1e-5)
    p = scorer.preference_probability([1.0], [0.0])[0]
    assert p == pytest.approx(1 / (1 + np.exp(-1 / fit["value"])))
    # the seed's metrics carry both calibrations; accuracy is that of the raw margins
    m = json.loads((cfg.out / "seed-0" / "metrics.json").read_text())
    assert m["calibration_tempered"]["temperature"] == fit["value"]
    assert m["calibration_tempered"]["n"] == m["calibration"]["n"]
    agg = json.loads((cfg.out / "metrics.json").read_text())
    assert agg["per_seed"][0]["temperature"] == fit["value"]


def test_normalization_on_a_train_sample_when_asked(tmp_path: Path) -> None:
    from supportrm.model.testing import tiny_bert, toy_pairs
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(50)
    cfg = tiny_config(model, tmp_path, epochs=1, normalization_split="train", normalization_pairs=7)
    train_seeds(cfg, pairs[:30], pairs[40:], cfg.out, dev_pairs=pairs[30:40], log=lambda *_: None)
    meta = json.loads((cfg.out / "seed-0" / "checkpoint" / "supportrm.json").read_text())
    norm = meta["reward_normalization"]
    assert norm["n_rewards"] == 14 and norm["split"].startswith("train (seeded sample of 7")


def test_no_dev_no_temperature(tmp_path: Path) -> None:
    from supportrm.model.scoring import RewardScorer
    from supportrm.model.testing import tiny_bert, toy_pairs
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(30)
    cfg = tiny_config(model, tmp_path, epochs=1)
    train_seeds(cfg, pairs[:24], pairs[24:], cfg.out, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    assert json.loads((ckpt / "supportrm.json").read_text()).get("temperature") is None
    assert RewardScorer.from_pretrained(ckpt).temperature == 1.0
    m = json.loads((cfg.out / "seed-0" / "metrics.json").read_text())
    assert m.get("calibration_tempered") is None
