"""DDP on CPU (gloo, 2 processes) follows the 1-process loss trajectory for the same global batch."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from launch_helpers import launch
from supportrm.model.testing import tiny_bert

WORKER = """
import sys, json, os
from pathlib import Path
# Every file this process opens for writing or renames into place (L4: under DDP only the main
# process writes the run's files). An audit hook sees writes however they are made.
WRITES = []
def audit(event, args):
    if event == "open" and isinstance(args[0], (str, Path)) and any(c in str(args[1]) for c in "wax+"):
        WRITES.append(str(args[0]))
    elif event == "os.rename":
        WRITES.append(str(args[1]))
sys.addaudithook(audit)
from supportrm.model.testing import toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config
model, tmp, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
n_train = int(sys.argv[4])
pairs = toy_pairs(44)
cfg = tiny_config(model, tmp, epochs=2, batch_size=8, cache_features=cache, freeze_layers=1)
train_seeds(cfg, pairs[:n_train], pairs[35:], cfg.out, log=lambda *_: None)
mine = [w for w in WRITES if w.startswith(str(cfg.out))]
print("RUN-WRITES " + json.dumps({"rank": int(os.environ.get("RANK", 0)), "paths": mine}))
"""


def _run(
    model: Path, tmp: Path, world: int, cache: bool, n_train: int = 35, writes: dict | None = None
) -> list[dict]:
    args = ["-c", WORKER, str(model), str(tmp), "1" if cache else "0", str(n_train)]
    for out in launch(args, world):
        if writes is not None:
            line = next(x for x in out.splitlines() if x.startswith("RUN-WRITES "))
            record = json.loads(line[len("RUN-WRITES ") :])
            writes[record["rank"]] = record["paths"]
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
    writes: dict[int, list[str]] = {}
    two = _run(model, tmp_path / "two", 2, cache, writes=writes)
    # L4: the main process wrote the run (steps, checkpoint, run.json); rank 1 wrote nothing
    assert any(w.endswith("run.json") for w in writes[0]), writes[0]
    assert any("checkpoint" in w for w in writes[0]) and any("steps" in w for w in writes[0])
    assert writes[1] == []
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
