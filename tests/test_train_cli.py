"""`supportrm train` end to end on a tiny model: the run directory of docs/architecture.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.cli import main
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.train.config import TrainConfig


def test_config_yaml_roundtrip_and_help(tmp_path: Path) -> None:
    cfg = TrainConfig(seeds="0, 1 2", epochs=3)  # type: ignore[arg-type]
    assert cfg.seeds == [0, 1, 2]
    f = tmp_path / "c.yaml"
    f.write_text(cfg.to_yaml())
    assert TrainConfig.from_yaml(f) == cfg
    for name, info in TrainConfig.model_fields.items():
        assert info.description, name
    with pytest.raises(ValueError, match="duplicates"):
        TrainConfig(seeds=[1, 1])
    bad = tmp_path / "bad.yaml"
    bad.write_text("epoch: 3\n")
    with pytest.raises(ValueError, match="epoch"):
        TrainConfig.from_yaml(bad)


def test_seeds_parsing_and_print_config(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        main, ["train", "--seeds", "3", "4", "5", "--epochs", "1", "--print-config"]
    )
    assert res.exit_code == 0, res.output
    assert "- 3\n- 4\n- 5" in res.output and "epochs: 1" in res.output
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("epochs: 7\nlr: 0.01\n")
    res = runner.invoke(
        main, ["train", "--config", str(yaml_file), "--lr", "0.5", "--print-config"]
    )
    assert "epochs: 7" in res.output and "lr: 0.5" in res.output
    res = runner.invoke(main, ["train", "--seeds", "1", "oops", "--print-config"])
    assert res.exit_code != 0 and "oops" in res.output
    # a stray integer elsewhere is an error, never a silent extra seed
    res = runner.invoke(main, ["train", "--seeds", "0", "--epochs", "1", "2", "--print-config"])
    assert res.exit_code != 0 and "unexpected extra argument (2)" in res.output
    res = runner.invoke(main, ["run", "--seeds", "0", "--epochs", "1", "2"])
    assert res.exit_code != 0 and "unexpected extra argument (2)" in res.output


def test_train_command_writes_the_run_directory(tmp_path: Path) -> None:
    from supportrm.data.io import write_pairs

    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(50), data)
    out = tmp_path / "run"
    args = [
        "train", "--data", str(data), "--model", str(model), "--val-size", "10",
        "--seeds", "0", "1", "--out", str(out), "--epochs", "1", "--freeze-layers", "1",
        "--batch-size", "8", "--max-length", "96", "--cache-dir", str(tmp_path / "cache"),
        "--no-progress",
    ]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    for rel in (
        "config.yaml",
        "run.json",
        "metrics.json",
        "split/train.jsonl.gz",
        "split/val.jsonl.gz",
        "split/manifest.json",
    ):
        assert (out / rel).exists(), rel
    for seed in (0, 1):
        sd = out / f"seed-{seed}"
        for rel in ("checkpoint/config.json", "checkpoint/model.safetensors", "checkpoint/supportrm.json",
                    "steps.jsonl", "history.jsonl", "val_scores.jsonl", "metrics.json"):  # fmt: skip
            assert (sd / rel).exists(), (seed, rel)
        step = json.loads((sd / "steps.jsonl").read_text().splitlines()[0])
        assert {"step", "epoch", "loss", "lr", "pairs_per_s"} <= set(step)
        hist = json.loads((sd / "history.jsonl").read_text().splitlines()[-1])
        assert {"step", "dev_loss", "dev_accuracy", "score_std"} <= set(hist)
        assert len((sd / "val_scores.jsonl").read_text().splitlines()) == 10
    run = json.loads((out / "run.json").read_text())
    for key in ("versions", "machine", "data", "dropped", "wall_seconds", "render"):
        assert key in run
    # dev (5% of the 40 training pairs, whole conversations) is carved from train, not from val
    assert run["data"]["val_pairs"] == 10 and run["data"]["dev_pairs"] >= 1
    assert run["data"]["train_pairs"] + run["data"]["dev_pairs"] == 40
    assert (out / "split/dev.jsonl.gz").exists() and (out / "split/dev_manifest.json").exists()
    cfg = TrainConfig.from_yaml(out / "config.yaml")
    assert cfg.max_length == 96 and cfg.seeds == [0, 1]
    # a second run into the same directory without --resume is refused with a clear message
    res2 = CliRunner().invoke(main, args)
    assert res2.exit_code != 0 and "--resume" in res2.output
