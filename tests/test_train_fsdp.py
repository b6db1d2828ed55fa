"""FSDP2 on CPU (gloo): two processes follow the one-process trajectory, the sharded state resumes
exactly, and the consolidated checkpoint loads with plain transformers and scores identically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from launch_helpers import launch
from supportrm.model.testing import tiny_bert, tiny_llama

WORKER = """
import sys, json
from pathlib import Path
from supportrm.model.testing import toy_pairs
from supportrm.train.prepare import prepare
from supportrm.train.runtime import make_accelerator
from supportrm.train.seed import train_one_seed
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config
model, tmp, opts = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
stop = opts.pop("stop", None)
pairs = toy_pairs(50)
train, dev, val = pairs[:36], pairs[36:42], pairs[42:]
cfg = tiny_config(model, tmp, **opts)
quiet = {"log": lambda *_: None}
if stop:
    acc = make_accelerator()
    prep = prepare(cfg, train, val, dev, accelerator=acc, **quiet)
    out = train_one_seed(cfg, prep, 0, cfg.out / "seed-0", accelerator=acc, stop_at_step=stop, **quiet)
    assert out == {"interrupted": True, "step": stop}, out
    assert (cfg.out / "seed-0" / "state-sharded").is_dir() == cfg.fsdp
    cfg = cfg.model_copy(update={"resume": True})
train_seeds(cfg, train, val, cfg.out, dev_pairs=dev, **quiet)
"""


def _run(model: Path, tmp: Path, world: int, **opts: Any) -> Path:
    """Train one seed with ``world`` processes; returns the seed folder."""
    launch(["-c", WORKER, str(model), str(tmp), json.dumps(opts)], world)
    return tmp / "run" / "seed-0"


def _losses(seed_dir: Path) -> list[float]:
    rows = [json.loads(x) for x in (seed_dir / "steps.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows]


def _val_scores(seed_dir: Path) -> np.ndarray:
    rows = [json.loads(x) for x in (seed_dir / "val_scores.jsonl").read_text().splitlines()]
    return np.array([[r["chosen_score"], r["rejected_score"]] for r in rows])


def _plain_scores(seed_dir: Path) -> np.ndarray:
    """The val pairs scored by the checkpoint loaded with plain transformers."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from supportrm.model.render import Renderer
    from supportrm.model.scoring import pad_batch
    from supportrm.model.testing import toy_pairs

    ckpt = seed_dir / "checkpoint"
    model = AutoModelForSequenceClassification.from_pretrained(str(ckpt)).eval()
    tok = AutoTokenizer.from_pretrained(str(ckpt))
    meta = json.loads((ckpt / "supportrm.json").read_text())
    renderer = Renderer(tok, meta["render"]["kind"], meta["render"]["max_length"])
    enc = renderer.encode_pairs(toy_pairs(50)[42:])
    seqs = [e for ep in enc.pairs for e in (ep.chosen, ep.rejected)]
    with torch.no_grad():
        logits = model(**pad_batch(seqs, tok)).logits[:, 0].numpy()
    if meta["render"]["kind"] == "decoder":  # plain HF reads the last non-pad token
        assert model.config.pad_token_id == tok.pad_token_id
    return logits.reshape(-1, 2)


CASES = [
    pytest.param("bert", {"freeze_layers": 1}, id="bert-feature-cache"),
    pytest.param(
        "llama", {"freeze_layers": 0, "lora_r": 4, "cache_features": False}, id="llama-lora"
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "opts"), CASES)
def test_fsdp_two_processes_match_one_and_consolidate(
    kind: str, opts: dict, tmp_path: Path
) -> None:
    model = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind)
    one = _run(model, tmp_path / "one", 1, **opts)
    two = _run(model, tmp_path / "two", 2, fsdp=True, **opts)
    np.testing.assert_allclose(_losses(two), _losses(one), atol=1e-5, rtol=1e-5)
    assert len(_losses(two)) == 10 and _losses(two)[0] != _losses(two)[-1]
    # the consolidated checkpoint: one plain folder, no adapter or shard files left behind
    ckpt = two / "checkpoint"
    assert (ckpt / "model.safetensors").exists()
    assert not (two / "state-sharded").exists() and not (two / "state.pt").exists()
    np.testing.assert_allclose(_plain_scores(two), _val_scores(two), atol=1e-5, rtol=0)
    np.testing.assert_allclose(_val_scores(two), _val_scores(one), atol=1e-4, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("fsdp", [True, False], ids=["fsdp", "ddp"])
def test_two_process_state_resumes_exactly(fsdp: bool, tmp_path: Path) -> None:
    """Interrupted at step 4 with two processes and resumed: the same losses, scores and weights
    as an uninterrupted two-process run (FSDP2: sharded state; DDP: rank 0's state file)."""
    model = tiny_llama(tmp_path / "llama")
    opts = {"freeze_layers": 1, "cache_features": False, "fsdp": fsdp}
    full = _run(model, tmp_path / "full", 2, **opts)
    cut = _run(model, tmp_path / "cut", 2, stop=4, **opts)
    assert _losses(cut) == _losses(full)
    for name in ("val_scores.jsonl", "history.jsonl", "metrics.json"):
        assert (cut / name).read_bytes() == (full / name).read_bytes(), name
    a = (full / "checkpoint" / "model.safetensors").read_bytes()
    assert (cut / "checkpoint" / "model.safetensors").read_bytes() == a


@pytest.mark.slow
def test_fsdp_with_one_process(tmp_path: Path) -> None:
    """World size 1 (no launcher): supportrm starts the process group FSDP needs itself."""
    model = tiny_llama(tmp_path / "llama")
    opts = {"freeze_layers": 1, "cache_features": False}
    plain = _run(model, tmp_path / "plain", 1, **opts)
    sharded = _run(model, tmp_path / "fsdp", 1, fsdp=True, **opts)
    np.testing.assert_allclose(_losses(sharded), _losses(plain), atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(_plain_scores(sharded), _val_scores(plain), atol=1e-5, rtol=0)
