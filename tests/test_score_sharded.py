"""`supportrm score` and `eval` under a launcher (2 CPU processes, gloo): the processes share the
scoring, the main one writes, and the result equals one process's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from launch_helpers import launch
from supportrm.data.io import write_pairs
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config


def _launch(args: list[str], world: int, cwd: Path) -> list[str]:
    return launch(["-m", "supportrm.cli", *args], world, cwd=cwd)


@pytest.mark.slow
def test_score_and_eval_shard_across_processes(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(60)
    cfg = tiny_config(model, tmp_path, epochs=1)
    train_seeds(cfg, pairs[:30], pairs[30:36], cfg.out, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    data = tmp_path / "pairs.jsonl"
    write_pairs(pairs[30:], data)  # 30 pairs: 60 sequences, split unevenly by length

    rows = {}
    for world in (1, 2):
        out = tmp_path / f"scores-{world}.jsonl"
        logs = _launch(
            ["score", "--model", str(ckpt), "--data", str(data), "--out", str(out),
             "--no-progress"], world, tmp_path,
        )  # fmt: skip
        rows[world] = [json.loads(x) for x in out.read_text().splitlines()]
        meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
        assert meta["processes"] == world  # the scoring really was shared
        assert sum("scored 30 pairs rows" in log for log in logs) == 1  # the main one prints
    assert [r["id"] for r in rows[2]] == [r["id"] for r in rows[1]]
    for key in ("chosen_reward", "rejected_reward"):
        np.testing.assert_allclose(
            [r[key] for r in rows[2]], [r[key] for r in rows[1]], atol=1e-5, rtol=0
        )
    assert sorted(p.name for p in tmp_path.glob("scores-2*")) == [
        "scores-2.jsonl",
        "scores-2.jsonl.meta.json",
    ]

    metrics = {}
    for world in (1, 2):
        out = tmp_path / f"eval-{world}"
        _launch(["eval", "--model", str(ckpt), "--data", str(data), "--out", str(out)], world,
                tmp_path)  # fmt: skip
        metrics[world] = json.loads((out / "metrics.json").read_text())
    assert metrics[2]["n"] == metrics[1]["n"] == 30
    assert metrics[2]["accuracy"]["strict"] == metrics[1]["accuracy"]["strict"]


def test_one_process_scores_everything_itself() -> None:
    """Without a launcher nothing is sharded (and no process group is started)."""
    import torch.distributed as dist

    from supportrm.model.scoring import _process_share, sharded_scoring

    with sharded_scoring() as main:
        assert main and _process_share() is None
    assert not dist.is_initialized()
