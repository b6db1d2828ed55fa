"""`--tensorboard`: the event files hold exactly the per-step metrics of steps.jsonl, also after a
resume that follows a crash (steps logged after the last saved state are not counted twice)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import supportrm.train.seed as seed_module
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.train.prepare import prepare
from supportrm.train.runtime import tensorboard_writer
from supportrm.train.seed import train_one_seed
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config

QUIET: dict[str, Any] = {"log": lambda *_: None}
# 36 training pairs at batch 8: 5 steps per epoch, 10 in all; evaluation every 3 steps and at
# the end (step 9, one step before the end, is skipped), resumable state every 2 steps
# (tiny_config).
TOTAL_STEPS = 10


def _scalars(log_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar TensorBoard itself would show, read with its own loader (purging included)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})  # 0: keep every event
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def _f32(x: float) -> float:
    # TensorBoard stores scalars as float32; JSONL keeps the float64.
    return float(np.float32(x))


def _assert_matches_run_logs(seed_dir: Path) -> None:
    scalars = _scalars(seed_dir / "tensorboard")
    steps = _jsonl(seed_dir / "steps.jsonl")
    assert [r["step"] for r in steps] == list(range(1, TOTAL_STEPS + 1))
    for key in ("loss", "batch_accuracy", "lr"):
        assert scalars[f"train/{key}"] == [(r["step"], _f32(r[key])) for r in steps], key
    history = _jsonl(seed_dir / "history.jsonl")
    assert [h["step"] for h in history] == [3, 6, 10]
    assert scalars["dev/loss"] == [(h["step"], _f32(h["dev_loss"])) for h in history]
    assert scalars["dev/accuracy"] == [(h["step"], _f32(h["dev_accuracy"])) for h in history]


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every SummaryWriter the loop opens, to check that the loop closed it (a closed torch
    SummaryWriter drops its file writers: ``all_writers is None``). The event files alone cannot
    show it: on a local disk each event is written through as it is logged."""
    opened: list[Any] = []
    real = seed_module.tensorboard_writer

    def keep(*args: Any) -> Any:
        writer = real(*args)
        opened.append(writer)
        return writer

    monkeypatch.setattr(seed_module, "tensorboard_writer", keep)
    return opened


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("bert") / "bert")


def test_event_file_equals_steps_jsonl(bert: Path, tmp_path: Path, writers: list[Any]) -> None:
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    pairs = toy_pairs(50)
    cfg = tiny_config(bert, tmp_path, tensorboard=True)
    seed_dir = cfg.out / "seed-0"
    # Events of an earlier, discarded attempt (no state saved) must not leak into the new run.
    stale = SummaryWriter(str(seed_dir / "tensorboard"))
    stale.add_scalar("train/loss", 123.0, 99)
    stale.close()

    train_seeds(cfg, pairs[:36], pairs[42:], cfg.out, dev_pairs=pairs[36:42], **QUIET)

    assert len(writers) == 1 and writers[0].all_writers is None  # closed, so flushed
    assert len(list((seed_dir / "tensorboard").glob("events.out.tfevents.*"))) == 1
    _assert_matches_run_logs(seed_dir)
    pps = [v for _, v in _scalars(seed_dir / "tensorboard")["train/pairs_per_s"]]
    assert len(pps) == TOTAL_STEPS and all(v > 0 for v in pps)


def test_resume_after_crash_logs_each_step_once(
    bert: Path, tmp_path: Path, writers: list[Any]
) -> None:
    pytest.importorskip("tensorboard")
    pairs = toy_pairs(50)
    train, dev, val = pairs[:36], pairs[36:42], pairs[42:]
    cfg = tiny_config(bert, tmp_path, tensorboard=True)
    seed_dir = cfg.out / "seed-0"
    prep = prepare(cfg, train, val, dev, **QUIET)

    # A first attempt saves its state at step 4 and stops ...
    assert train_one_seed(cfg, prep, 0, seed_dir, stop_at_step=4, **QUIET)["step"] == 4
    saved = tmp_path / "state-step4.pt"
    shutil.copy(seed_dir / "state.pt", saved)
    # ... a second one logs steps 5-7 (an evaluation at 6) and then "crashes": its last saved
    # state is put back to step 4, so steps 5-7 are orphans that the final resume logs again.
    resumed = cfg.model_copy(update={"resume": True})
    assert train_one_seed(resumed, prep, 0, seed_dir, stop_at_step=7, **QUIET)["step"] == 7
    shutil.copy(saved, seed_dir / "state.pt")
    train_seeds(resumed, train, val, cfg.out, dev_pairs=dev, **QUIET)

    # closed at the end and also when an attempt stops early (the stop_at_step returns)
    assert len(writers) == 3 and all(w.all_writers is None for w in writers)
    files = list((seed_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert len(files) == 3  # one per attempt; the restart markers make TensorBoard drop orphans
    _assert_matches_run_logs(seed_dir)


def test_missing_package_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A None entry in sys.modules makes `import torch.utils.tensorboard` raise ImportError.
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    cfg = tiny_config(tmp_path / "unused-model", tmp_path, tensorboard=True)
    assert tensorboard_writer(cfg, tmp_path / "seed-0", 0) is None
    err = capsys.readouterr().err
    assert "--tensorboard ignored" in err
    assert "pip install tensorboard" in err and "supportrm[tensorboard]" in err
    assert not (tmp_path / "seed-0" / "tensorboard").exists()
    # off: no writer, no message, whatever is installed
    off = cfg.model_copy(update={"tensorboard": False})
    assert tensorboard_writer(off, tmp_path / "seed-0", 0) is None
    assert capsys.readouterr().err == ""
