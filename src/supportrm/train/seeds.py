"""Every seed of a run: what they share is prepared once, each seed is trained (or kept, when
resuming a finished one), and the run directory gets ``config.yaml``, ``run.json`` and the
aggregated ``metrics.json`` (layout: docs/architecture.md)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from supportrm.data.hashing import hash_pairs
from supportrm.data.schema import PreferencePair
from supportrm.evaluate.multiseed import aggregate
from supportrm.files import atomic_write_text
from supportrm.run_files import RunInfo, RunMetrics
from supportrm.train.config import TrainConfig
from supportrm.train.prepare import prepare
from supportrm.train.runtime import environment, make_accelerator, set_threads
from supportrm.train.seed import STATE_FILE, train_one_seed


def train_seeds(
    config: TrainConfig,
    train_pairs: Sequence[PreferencePair],
    val_pairs: Sequence[PreferencePair],
    run_dir: Path,
    *,
    dev_pairs: Sequence[PreferencePair] = (),
    extra_run_info: dict[str, Any] | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Train every seed in ``config.seeds`` into ``run_dir``; returns the aggregated metrics.
    ``dev_pairs`` choose the kept checkpoint (none: the last one is kept); ``val_pairs`` are
    scored once by the kept model."""
    run_dir = Path(run_dir)
    accelerator = make_accelerator()
    if log is None:

        def log(msg: str) -> None:
            if accelerator.is_main_process:
                print(msg, file=sys.stderr, flush=True)

    set_threads(config)
    t0 = time.perf_counter()
    run_json = run_dir / "run.json"
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        check_resume(config, run_dir, train_pairs, val_pairs)
    accelerator.wait_for_everyone()
    prep = prepare(config, train_pairs, val_pairs, dev_pairs, accelerator=accelerator, log=log)
    _check_auto_max_length(config, run_dir, prep.max_length)
    t_prepared = time.perf_counter()
    resolved = config.model_copy(update={"max_length": prep.max_length})
    info: dict[str, Any] = {
        "command": " ".join(sys.argv),
        "base_model": str(prep.base_path),
        "kind": prep.kind,
        "render": prep.renderer.settings(),
        "pad": prep.pad_info,
        "freeze_layers": prep.n_frozen if config.freeze_layers >= 0 else -1,
        "data": {
            "train_pairs": len(train_pairs),
            "val_pairs": len(val_pairs),
            "train_hash": hash_pairs(train_pairs),
            "val_hash": hash_pairs(val_pairs),
            "train_used": len(prep.train),
            "val_scored": len(prep.val),
            "dev_pairs": len(dev_pairs),
            "dev_hash": hash_pairs(dev_pairs) if dev_pairs else None,
            "dev_used": len(prep.dev),
        },
        "dropped": prep.dropped,
        "feature_cache": prep.cache_info,
        "processes": accelerator.num_processes,
        **environment(),
        **(extra_run_info or {}),
    }
    if accelerator.is_main_process:
        atomic_write_text(run_dir / "config.yaml", resolved.to_yaml())
    per_seed: dict[int, dict[str, Any]] = {}
    seed_walls: dict[int, float] = {}
    for seed in config.seeds:
        seed_dir = run_dir / f"seed-{seed}"
        done = seed_dir / "metrics.json"
        if config.resume and done.exists() and (seed_dir / "checkpoint" / "config.json").exists():
            log(f"seed {seed}: already complete, kept")
            per_seed[seed] = json.loads(done.read_text())
            continue
        s0 = time.perf_counter()
        per_seed[seed] = train_one_seed(
            resolved, prep, seed, seed_dir, accelerator=accelerator, log=log
        )
        seed_walls[seed] = time.perf_counter() - s0
    agg = aggregate(per_seed)
    total = time.perf_counter() - t0
    info["wall_seconds"] = {
        "total": total,
        "prepare_and_cache": t_prepared - t0,
        "per_seed": seed_walls,
        "per_seed_including_shared": total / max(len(config.seeds), 1),
    }
    if accelerator.is_main_process:
        previous = json.loads(run_json.read_text()) if run_json.exists() else {}
        merged = {**previous, **info}
        RunInfo.model_validate(json.loads(json.dumps(merged, default=str)))
        RunMetrics.model_validate(agg)
        atomic_write_text(run_json, json.dumps(merged, indent=2, default=str))
        atomic_write_text(run_dir / "metrics.json", json.dumps(agg, indent=2, default=float))
    return agg


def _check_auto_max_length(config: TrainConfig, run_dir: Path, resolved: int) -> None:
    """L1: a resumed run with ``max_length`` auto must resolve to the length it trained with."""
    cfg_file = run_dir / "config.yaml"
    if not (config.resume and config.max_length is None and cfg_file.exists()):
        return
    used = TrainConfig.from_yaml(cfg_file).max_length
    if used is not None and used != resolved:
        raise ValueError(
            f"--resume: max_length auto resolves to {resolved} now, but the run trained with "
            f"{used} ({cfg_file}); pass --max-length {used} or use another --out"
        )


def check_resume(
    config: TrainConfig,
    run_dir: Path,
    train_pairs: Sequence[PreferencePair] = (),
    val_pairs: Sequence[PreferencePair] = (),
) -> None:
    """The one guard of a run directory: refuse to overwrite a run without ``--resume``, and to
    resume one made with other settings or other data (compared by content hash, not path; the
    differing keys or both hashes are named). Nothing is written either way."""
    cfg_file = run_dir / "config.yaml"
    if not cfg_file.exists():
        return
    if not config.resume:
        if any(run_dir.glob("seed-*/metrics.json")) or any(run_dir.glob(f"seed-*/{STATE_FILE}")):
            raise FileExistsError(
                f"{run_dir} already holds a run; pass --resume to continue it or choose another --out"
            )
        return
    old = TrainConfig.from_yaml(cfg_file)
    a, b = old.fingerprint_fields(), config.fingerprint_fields()
    if config.max_length is None:
        a.pop("max_length", None)
        b.pop("max_length", None)
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if diff:
        raise ValueError(f"--resume: settings differ from {cfg_file}: {', '.join(diff)}")
    for name, pairs in (("train", train_pairs), ("val", val_pairs)):
        if not pairs:
            continue
        then, where = _recorded_hash(run_dir, name)
        now = hash_pairs(pairs)
        if then is not None and now != then:
            raise ValueError(
                f"--resume: the {name} pairs differ from the run's ({where}: {then}; now: "
                f"{now}); use another --out for other data"
            )


def _recorded_hash(run_dir: Path, name: str) -> tuple[str | None, Path]:
    """The content hash of the run's ``name`` pairs: from run.json when the run finished once,
    else from its split file (an interrupted run has no run.json yet)."""
    from supportrm.data.load import read_pairs

    run_json = run_dir / "run.json"
    if run_json.exists():
        recorded = json.loads(run_json.read_text()).get("data", {}).get(f"{name}_hash")
        if recorded:
            return str(recorded), run_json
    split = run_dir / "split" / f"{name}.jsonl.gz"
    if split.exists():
        return hash_pairs(read_pairs(split)), split
    return None, split
