"""An interrupted run resumed with --resume ends bit-identical to an uninterrupted one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs
from supportrm.train.prepare import prepare
from supportrm.train.seed import train_one_seed
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config


@pytest.mark.parametrize(
    ("kind", "extra", "stop"),
    [
        pytest.param("bert", {}, 4, marks=pytest.mark.slow),
        pytest.param("llama", {"lora_r": 4, "cache_features": False}, 7, marks=pytest.mark.slow),
    ],
)
def test_resume_is_bit_identical(kind: str, extra: dict, stop: int, tmp_path: Path) -> None:
    path = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind)
    pairs = toy_pairs(50)
    train, dev, val = pairs[:36], pairs[36:42], pairs[42:]
    quiet = {"log": lambda *_: None}

    full = tiny_config(path, tmp_path / "full", **extra)
    train_seeds(full, train, val, full.out, dev_pairs=dev, **quiet)

    cut = tiny_config(path, tmp_path / "cut", **extra)
    prep = prepare(cut, train, val, dev, **quiet)
    out = train_one_seed(cut, prep, 0, cut.out / "seed-0", stop_at_step=stop, **quiet)
    assert out == {"interrupted": True, "step": stop}
    assert (cut.out / "seed-0" / "state.pt").exists()
    assert not (cut.out / "seed-0" / "metrics.json").exists()
    resumed = cut.model_copy(update={"resume": True})
    train_seeds(resumed, train, val, cut.out, dev_pairs=dev, **quiet)

    for name in ("metrics.json", "val_scores.jsonl", "history.jsonl"):
        a = (full.out / "seed-0" / name).read_bytes()
        b = (cut.out / "seed-0" / name).read_bytes()
        assert a == b, name
    steps_a = [
        json.loads(x) for x in (full.out / "seed-0" / "steps.jsonl").read_text().splitlines()
    ]
    steps_b = [json.loads(x) for x in (cut.out / "seed-0" / "steps.jsonl").read_text().splitlines()]
    assert [(s["step"], s["loss"], s["lr"]) for s in steps_a] == [
        (s["step"], s["loss"], s["lr"]) for s in steps_b
    ]
    wa = (full.out / "seed-0" / "checkpoint" / "model.safetensors").read_bytes()
    wb = (cut.out / "seed-0" / "checkpoint" / "model.safetensors").read_bytes()
    assert wa == wb
    assert not (cut.out / "seed-0" / "state.pt").exists()


def test_refuses_to_overwrite_or_resume_with_other_settings(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(20)
    cfg = tiny_config(path, tmp_path, epochs=1)
    train_seeds(cfg, pairs[:16], pairs[16:], cfg.out, log=lambda *_: None)
    with pytest.raises(FileExistsError, match="--resume"):
        train_seeds(cfg, pairs[:16], pairs[16:], cfg.out, log=lambda *_: None)
    other = cfg.model_copy(update={"resume": True, "lr": 1.0})
    with pytest.raises(ValueError, match="lr"):
        train_seeds(other, pairs[:16], pairs[16:], cfg.out, log=lambda *_: None)
    # resuming a finished run keeps its seeds and adds new ones
    more = cfg.model_copy(update={"resume": True, "seeds": [0, 1]})
    agg = train_seeds(more, pairs[:16], pairs[16:], cfg.out, log=lambda *_: None)
    assert (cfg.out / "seed-1" / "metrics.json").exists()
    assert agg


def test_resume_never_unpickles_arbitrary_objects(tmp_path: Path) -> None:
    """state.pt is read with weights_only=True: a file holding any other object (here a set of
    Paths, standing in for a crafted pickle) is refused with the file named, never executed."""
    import torch

    from supportrm.train import state as train_state

    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(46)
    cfg = tiny_config(path, tmp_path / "run")
    prep = prepare(cfg, pairs[:32], pairs[38:], pairs[32:38], log=lambda *_: None)
    seed_dir = cfg.out / "seed-0"
    train_one_seed(cfg, prep, 0, seed_dir, stop_at_step=2, log=lambda *_: None)
    state = torch.load(seed_dir / "state.pt", weights_only=True)  # plain data only
    assert state["step"] == 2 and isinstance(state["rng"]["numpy"][1], torch.Tensor)

    state["history"] = {Path("not/plain/data")}
    torch.save(state, seed_dir / "state.pt")
    before = (seed_dir / "state.pt").read_bytes()
    resumed = cfg.model_copy(update={"resume": True})
    with pytest.raises(ValueError, match=r"state\.pt holds objects other than tensors"):
        train_one_seed(resumed, prep, 0, seed_dir, log=lambda *_: None)
    assert (seed_dir / "state.pt").read_bytes() == before
    with pytest.raises(ValueError, match="not loaded"):
        train_state.load(seed_dir / "state.pt")
