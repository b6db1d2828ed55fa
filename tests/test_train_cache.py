"""Training with the frozen-layer feature cache gives the same model as training without it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config


def _read(run: Path, name: str) -> list[dict]:
    return [json.loads(x) for x in (run / "seed-0" / name).read_text().splitlines()]


@pytest.mark.parametrize("kind", ["bert", pytest.param("llama", marks=pytest.mark.slow)])
def test_cache_equals_no_cache(kind: str, tmp_path: Path) -> None:
    path = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind)
    pairs = toy_pairs(48)
    runs = {}
    for cached in (True, False):
        cfg = tiny_config(
            path, tmp_path / str(cached), cache_features=cached, freeze_layers=2,
            cache_dtype="float32",  # exact equality needs the full-precision cache
        )  # fmt: skip
        train_seeds(cfg, pairs[:36], pairs[36:], cfg.out, log=lambda *_: None)
        runs[cached] = cfg.out
    run_json = json.loads((runs[True] / "run.json").read_text())
    assert run_json["feature_cache"]["built"] is True
    assert json.loads((runs[False] / "run.json").read_text())["feature_cache"] == {}
    a, b = _read(runs[True], "steps.jsonl"), _read(runs[False], "steps.jsonl")
    assert len(a) == len(b) == 10
    np.testing.assert_allclose([s["loss"] for s in a], [s["loss"] for s in b], atol=1e-5, rtol=0)
    va, vb = _read(runs[True], "val_scores.jsonl"), _read(runs[False], "val_scores.jsonl")
    assert [r["id"] for r in va] == [r["id"] for r in vb]
    for key in ("chosen_score", "rejected_score"):
        np.testing.assert_allclose([r[key] for r in va], [r[key] for r in vb], atol=1e-5, rtol=0)
    # the training actually moved the scores (a vacuous equality would pass too)
    assert len(a) and a[0]["loss"] != a[-1]["loss"]


def test_cache_is_reused_across_runs(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(30)
    cfg = tiny_config(path, tmp_path / "one", epochs=1, cache_dir=tmp_path / "shared")
    train_seeds(cfg, pairs[:24], pairs[24:], cfg.out, log=lambda *_: None)
    cfg2 = tiny_config(
        path, tmp_path / "two", epochs=1, cache_dir=tmp_path / "shared", seeds=[0, 1]
    )
    train_seeds(cfg2, pairs[:24], pairs[24:], cfg2.out, log=lambda *_: None)
    info1 = json.loads((cfg.out / "run.json").read_text())["feature_cache"]
    info2 = json.loads((cfg2.out / "run.json").read_text())["feature_cache"]
    assert info1["built"] and not info2["built"] and info1["key"] == info2["key"]
    # a different max_length changes the tokens, hence the key
    cfg3 = tiny_config(
        path, tmp_path / "three", epochs=1, cache_dir=tmp_path / "shared", max_length=40
    )
    train_seeds(cfg3, pairs[:24], pairs[24:], cfg3.out, log=lambda *_: None)
    assert json.loads((cfg3.out / "run.json").read_text())["feature_cache"]["key"] != info1["key"]


def test_cleanup_never_deletes_a_live_process_entry(tmp_path: Path) -> None:
    """L10: half-built cache folders of a process that is alive stay; a dead one's go."""
    import os
    import subprocess
    import sys

    from supportrm.train.cache_store import remove_abandoned

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    live = tmp_path / f".k1.tmp-{os.getpid()}"
    gone = tmp_path / f".k1.tmp-{dead}"
    other_key = tmp_path / f".k2.tmp-{dead}"
    for d in (live, gone, other_key):
        d.mkdir()
    remove_abandoned(tmp_path, "k1")
    assert live.exists() and not gone.exists() and other_key.exists()


def test_half_precision_cache(tmp_path: Path) -> None:
    """A float16 cache is its own entry (own key, half the bytes), holds the float32 features
    rounded to half precision, and trains to scores close to the float32 cache's."""
    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(48)
    runs, infos = {}, {}
    for dtype in ("float32", "float16"):
        cfg = tiny_config(path, tmp_path / dtype, cache_dir=tmp_path / "c", cache_dtype=dtype)
        train_seeds(cfg, pairs[:36], pairs[36:], cfg.out, log=lambda *_: None)
        runs[dtype] = cfg.out
        infos[dtype] = json.loads((cfg.out / "run.json").read_text())["feature_cache"]
    assert infos["float16"]["built"] and infos["float16"]["key"] != infos["float32"]["key"]
    from supportrm.train.cache import FeatureCache

    full = FeatureCache(Path(infos["float32"]["path"]))
    half = FeatureCache(Path(infos["float16"]["path"]))
    assert half.hidden.dtype == np.float16 and half.nbytes * 2 == full.nbytes
    a, b = full.batch([0, 1]).numpy(), half.batch([0, 1]).numpy()
    assert b.dtype == np.float32  # widened for training
    np.testing.assert_array_equal(b, a.astype(np.float16).astype(np.float32))
    va, vb = _read(runs["float32"], "val_scores.jsonl"), _read(runs["float16"], "val_scores.jsonl")
    scores = [[r[k] for r in v for k in ("chosen_score", "rejected_score")] for v in (va, vb)]
    np.testing.assert_allclose(scores[0], scores[1], atol=2e-2, rtol=0)
    assert scores[0] != scores[1]  # float16 really was used


def test_cache_dtype_is_checked(tmp_path: Path) -> None:
    from supportrm.train.cache import build_or_load

    with pytest.raises(ValueError, match="float32 or float16"):
        build_or_load(None, [], 1, tmp_path, None, dtype="int8")  # type: ignore[arg-type]
