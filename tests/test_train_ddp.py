"""DDP on CPU (gloo, 2 processes) follows the 1-process loss trajectory for the same global batch."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.testing import tiny_bert

WORKER = """
import sys, json
from pathlib import Path
from supportrm.model.testing import toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config
model, tmp, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
n_train = int(sys.argv[4])
pairs = toy_pairs(44)
cfg = tiny_config(model, tmp, epochs=2, batch_size=8, cache_features=cache, freeze_layers=1)
train_seeds(cfg, pairs[:n_train], pairs[35:], cfg.out, log=lambda *_: None)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(model: Path, tmp: Path, world: int, cache: bool, n_train: int = 35) -> list[dict]:
    port = _free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ)
        env.update(
            HF_HUB_OFFLINE="1",
            OMP_NUM_THREADS="1",
            TOKENIZERS_PARALLELISM="false",
        )
        if world > 1:
            env.update(
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=str(port),
                RANK=str(rank),
                LOCAL_RANK=str(rank),
                WORLD_SIZE=str(world),
                LOCAL_WORLD_SIZE=str(world),
            )
        cmd = [
            sys.executable, "-c", WORKER, str(model), str(tmp), "1" if cache else "0", str(n_train)
        ]  # fmt: skip
        procs.append(
            subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        )
    outs = [p.communicate(timeout=300)[0].decode(errors="replace") for p in procs]
    for p, out in zip(procs, outs, strict=True):
        assert p.returncode == 0, out[-3000:]
    run = json.loads((tmp / "run" / "run.json").read_text())
    assert run["processes"] == world
    return [
        json.loads(x) for x in (tmp / "run" / "seed-0" / "steps.jsonl").read_text().splitlines()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("cache", [True])
def test_ddp_two_processes_matches_one(cache: bool, tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    one = _run(model, tmp_path / "one", 1, cache)
    two = _run(model, tmp_path / "two", 2, cache)
    assert len(one) == len(two) == 10  # 35 pairs / 8 per global batch, 2 epochs (last batch of 3)
    la, lb = [s["loss"] for s in one], [s["loss"] for s in two]
    np.testing.assert_allclose(lb, la, atol=1e-5, rtol=1e-5)
    assert la[0] != la[-1]


@pytest.mark.slow
def test_ddp_final_batch_smaller_than_the_world(tmp_path: Path) -> None:
    """M2: 33 pairs, batch 8: the last global batch holds 1 pair, so rank 0's shard is empty. It
    must neither crash nor hang, and the losses must still follow one process."""
    model = tiny_bert(tmp_path / "bert")
    one = _run(model, tmp_path / "one", 1, True, n_train=33)
    two = _run(model, tmp_path / "two", 2, True, n_train=33)
    assert sorted({s["pairs"] for s in two}) == [1, 8]
    np.testing.assert_allclose(
        [s["loss"] for s in two], [s["loss"] for s in one], atol=1e-5, rtol=1e-5
    )
    assert [s["batch_accuracy"] for s in two] == pytest.approx([s["batch_accuracy"] for s in one])
