"""A synthetic run directory (no model, no training) for report tests and the screenshot bench.

It follows the run-directory contract of ``docs/architecture.md`` with made-up but plausible
numbers, so the report can be built and inspected in a second. ``kind`` picks the behaviour of the
fake reward model: ``"trained"`` (separates most pairs, with a weak category and some length
bias), ``"constant"`` (every reward equal) or ``"noise"`` (rewards unrelated to the labels).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.data.schema import DEFAULT_CATEGORIES
from supportrm.evaluate.runs import evaluate_run
from supportrm.run_files import RunInfo, SplitManifest, write
from supportrm.train.config import TrainConfig

#: Per-category mean margin of the fake "trained" model (tone is the weak one).
_MARGINS = {"helpfulness": 1.6, "tone": 0.6, "refusals": 1.8, "hallucination": 1.3, "brevity": 1.1}


def _records(n: int, rng: np.random.Generator, offset: int) -> list[dict[str, Any]]:
    recs = []
    for i in range(n):
        cat = DEFAULT_CATEGORIES[i % len(DEFAULT_CATEGORIES)]
        k = offset + i
        chosen = "Thanks for reaching out. " + "I can help with that. " * int(rng.integers(1, 12))
        rejected = "Please wait. " + "No. " * int(rng.integers(1, 25))
        recs.append(
            {
                "id": f"pair-{k:05d}",
                "conversation_id": f"conv-{k:05d}",
                "category": cat,
                "prompt": [
                    {"role": "system", "content": "You are a support assistant for ShopCo."},
                    {"role": "user", "content": f"My order #{k} has not arrived. <b>Help</b>?"},
                ],
                "chosen": [{"role": "assistant", "content": chosen}],
                "rejected": [{"role": "assistant", "content": rejected}],
                "metadata": {"agreement": float(rng.choice([0.5, 0.67, 0.83, 1.0]))},
            }
        )
    return recs


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]], gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _write_seed(
    run_dir: Path,
    s: int,
    val: list[dict[str, Any]],
    shared: np.ndarray,
    kind: str,
    n_train: int,
) -> None:
    """One seed's files: score table, steps, history, timing, a checkpoint folder stub."""
    r = np.random.default_rng(1000 + s)
    sd = run_dir / f"seed-{s}"
    rows = []
    for i, rec in enumerate(val):
        ct = len(rec["chosen"][0]["content"]) // 4
        rt = len(rec["rejected"][0]["content"]) // 4
        if kind == "trained":
            base = r.normal(0, 1)
            cs = base + shared[i] + r.normal(_MARGINS[rec["category"]], 0.5) + 0.004 * ct
            rs = base + 0.004 * rt
        elif kind == "constant":
            cs = rs = 0.25
        else:
            cs, rs = r.normal(0, 1, 2)
        rows.append(
            {
                "id": rec["id"],
                "category": rec["category"],
                "conversation_id": rec["conversation_id"],
                "chosen_score": float(cs),
                "rejected_score": float(rs),
                "chosen_tokens": ct,
                "rejected_tokens": rt,
                "chosen_chars": len(rec["chosen"][0]["content"]),
                "rejected_chars": len(rec["rejected"][0]["content"]),
                "truncated": False,
                "agreement": rec["metadata"]["agreement"],
            }
        )
    _write_jsonl(sd / "val_scores.jsonl", rows)
    steps = [
        {
            "step": k,
            "epoch": k / 40,
            "loss": 0.69 * np.exp(-k / 30) + 0.3 + 0.05 * r.normal(),
            "lr": 1e-4,
            "pairs_per_s": 20.0,
        }
        for k in range(1, 81)
    ]
    _write_jsonl(sd / "steps.jsonl", steps)
    hist_std = [0.2, 0.8, 1.2] if kind == "trained" else [0.5, 0.1, 0.0]
    history = [
        {
            "step": 40 * (j + 1),
            "dev_loss": 0.69 - 0.1 * j,
            "dev_accuracy": 0.6 + 0.08 * j,
            "score_std": v,
        }
        for j, v in enumerate(hist_std)
    ]
    _write_jsonl(sd / "history.jsonl", history)
    (sd / "timing.json").write_text(json.dumps({"wall_seconds": 600.0 + s, "steps": 80}))
    ckpt = sd / "checkpoint"
    ckpt.mkdir(parents=True, exist_ok=True)
    (ckpt / "config.json").write_text(json.dumps({"model_type": "bert"}), "utf-8")
    (ckpt / "supportrm.json").write_text(
        json.dumps(
            {
                "reward_normalization": {
                    "mean": 0.1,
                    "std": 1.3,
                    "n_rewards": 2 * n_train,
                    "split": "train",
                }
            }
        ),
        "utf-8",
    )


def make_synthetic_run(
    run_dir: str | Path,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    n_val: int = 400,
    n_train: int = 1200,
    kind: str = "trained",
    seed: int = 0,
) -> Path:
    """Write a complete fake run directory; returns its path."""
    if kind not in ("trained", "constant", "noise"):
        raise ValueError(f"kind must be trained/constant/noise, got {kind!r}")
    run_dir = Path(run_dir)
    rng = np.random.default_rng(seed)
    train = _records(n_train, rng, 0)
    val = _records(n_val, rng, n_train)
    _write_jsonl(run_dir / "split" / "train.jsonl.gz", train, gz=True)
    _write_jsonl(run_dir / "split" / "val.jsonl.gz", val, gz=True)
    cats = sorted(DEFAULT_CATEGORIES)
    manifest = {
        "algorithm": "synthetic",
        "seed": 0,
        "val_size": n_val,
        "val_target": n_val,
        "n_pairs": n_train + n_val,
        "n_train": n_train,
        "n_val": n_val,
        "n_conversations": {"total": n_train + n_val, "train": n_train, "val": n_val},
        "categories": {c: {"train": n_train // 5, "val": n_val // 5} for c in cats},
        "max_abs_deviation": 0,
        "hashes": {"input": f"in-{seed}", "train": f"tr-{seed}", "val": f"val-{seed}"},
    }
    write(run_dir / "split" / "manifest.json", manifest, SplitManifest)
    config = TrainConfig.model_validate(
        {
            "val_size": n_val,
            "seeds": list(seeds),
            "epochs": 2,
            "batch_size": 32,
            "lr": 1e-4,
            "max_length": 256,
            "freeze_layers": 4,
            "out": str(run_dir),
        }
    )
    (run_dir / "config.yaml").write_text(config.to_yaml(), "utf-8")
    run_info = {
        "command": f"supportrm train --out {run_dir}",
        "base_model": "synthetic",
        "kind": "encoder",
        "render": {
            "kind": "encoder",
            "max_length": 256,
            "template": "plain-text-pair",
            "fixed_date_string": None,
            "truncation": "left of the conversation; system message and reply kept",
            "padding_side": "right",
        },
        "pad": {"pad_token": "[PAD]", "action": "kept"},
        "freeze_layers": 4,
        "data": {
            "train_pairs": n_train,
            "val_pairs": n_val,
            "train_hash": f"tr-{seed}",
            "val_hash": f"val-{seed}",
            "train_used": n_train,
            "val_scored": n_val,
        },
        "dropped": {"identical_after_truncation": {"train": 3, "val": 0}},
        "feature_cache": {},
        "processes": 1,
        "versions": {"supportrm": "0.1.0", "torch": "2.13.0", "transformers": "5.0.0"},
        "machine": {"cpu": "synthetic", "cores": 2},
        "wall_seconds": {
            "total": 1800.0,
            "prepare_and_cache": 120.0,
            "per_seed": {str(s): 600.0 + 10 * s for s in seeds},
            "per_seed_including_shared": 600.0,
        },
    }
    write(run_dir / "run.json", run_info, RunInfo)
    # Pair-level difficulty shared by all seeds: real seeds agree on which pairs are hard.
    shared = np.random.default_rng(seed + 7).normal(0, 1.0, n_val)
    for s in seeds:
        _write_seed(run_dir, s, val, shared, kind, n_train)
    evaluate_run(run_dir)  # metrics.json per seed and for the run, as `supportrm run` writes
    return run_dir
