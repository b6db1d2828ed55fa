"""`supportrm train` as a library call: load → split (train / dev / held-out) → write the split →
train every seed.

Who uses which pairs: the model learns from **train**; checkpoint selection (and calibration)
look only at **dev**, carved from the training pairs; the **held-out** pairs are scored once, at
the end, by the kept model, and are the figures reported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportrm.data.schema import PreferencePair
from supportrm.train.config import TrainConfig


def default_data_path() -> Path:
    from supportrm.data.embedded import default_dataset_path

    return Path(default_dataset_path())


@dataclass
class Splits:
    train: list[PreferencePair]
    val: list[PreferencePair]
    dev: list[PreferencePair]
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    #: Invalid records left out under ``on_error="skip"`` (written to RUN_DIR/rejects.jsonl).
    skipped: list[Any] = field(default_factory=list)


def load_splits(config: TrainConfig) -> Splits:
    """The three splits: read from files `supportrm data split` wrote, or made here (held-out
    by ``val_size``, then dev by ``dev_size`` out of the rest; both grouped by conversation and
    stratified by category)."""
    from supportrm.data.load import load_pairs
    from supportrm.data.split import split_pairs

    def load(path: Path) -> Any:
        return load_pairs(
            path,
            on_error=config.on_error,
            categories=None,
            max_chars=config.max_chars,
            allow_empty_response=config.allow_empty_response,
        )

    if config.train_data is not None and config.val_data is not None:
        tr, va = load(config.train_data), load(config.val_data)
        train, val = list(tr.pairs), list(va.pairs)
        info: dict[str, Any] = {"data_file": f"{config.train_data} + {config.val_data}"}
        loads = [tr, va]
        manifests: dict[str, dict[str, Any]] = {}
    else:
        data_path = Path(config.data) if config.data else default_data_path()
        loaded = load(data_path)
        split = split_pairs(loaded.pairs, config.val_size, config.split_seed)
        train, val = list(split.train), list(split.val)
        info = {"data_file": str(data_path)}
        loads = [loaded]
        manifests = {"manifest.json": split.manifest}
    dev: list[PreferencePair] = []
    if config.dev_data is not None:
        dv = load(config.dev_data)
        dev = list(dv.pairs)
        loads.append(dv)
    elif config.dev_size:
        carved = split_pairs(train, config.dev_size, config.split_seed)
        train, dev = list(carved.train), list(carved.val)
        manifests["dev_manifest.json"] = carved.manifest
    skipped = [s for x in loads for s in x.skipped]
    info["data_load"] = {
        "n_read": sum(x.n_read for x in loads),
        "loaded": sum(len(x.pairs) for x in loads),
        "skipped": len(skipped),
        "excluded": sum(s.excluded for s in skipped),
        "rejects": "rejects.jsonl" if skipped else None,
    }
    info["split"] = {
        "val_size": config.val_size,
        "dev_size": config.dev_size,
        "seed": config.split_seed,
        "manifest": "split/manifest.json",
    }
    return Splits(train, val, dev, manifests, info, skipped)


def train_from_config(config: TrainConfig, *, log: Any = None) -> dict[str, Any]:
    """Run the whole training stage into ``config.out``; returns the aggregated metrics.

    A run it must refuse (an existing run without ``--resume``, or a resume with other settings
    or other data) is refused before anything is written."""
    from accelerate import PartialState

    from supportrm.data.io import write_pairs
    from supportrm.data.load import write_rejects
    from supportrm.files import atomic_write_json
    from supportrm.train.seeds import check_resume, train_seeds

    run_dir = Path(config.out)
    if config.packing == "on":  # an encoder cannot pack: refuse before writing the split
        from supportrm.model.backbone import model_kind
        from supportrm.model.resolve import resolve_base_model
        from supportrm.train.prepare import use_packing

        use_packing(config, model_kind(resolve_base_model(config.model)))
    if config.load_in_4bit:  # no GPU or no bitsandbytes: refuse before writing the split
        from supportrm.model.backbone import four_bit_config

        four_bit_config()
    splits = load_splits(config)
    check_resume(config, run_dir, splits.train, splits.val)
    # Under DDP every process loads and splits (deterministically); only the main one writes.
    if PartialState().is_main_process:
        if splits.skipped:
            run_dir.mkdir(parents=True, exist_ok=True)
            rejects = write_rejects(splits.skipped, run_dir / "rejects.jsonl")
            n_excluded = splits.info["data_load"]["excluded"]
            first = splits.skipped[0]
            (log or _stderr)(
                f"skipped {len(splits.skipped)} records ({n_excluded} of them excluded for an "
                f"empty reply), each with its reasons in {rejects}; first: {first.location}: "
                f"{first.reason}"
            )
        split_dir = run_dir / "split"
        write_pairs(splits.train, split_dir / "train.jsonl.gz")
        write_pairs(splits.val, split_dir / "val.jsonl.gz")
        if splits.dev:
            write_pairs(splits.dev, split_dir / "dev.jsonl.gz")
        for name, manifest in splits.manifests.items():
            atomic_write_json(split_dir / name, manifest, default=str, ensure_ascii=True)
    return train_seeds(
        config,
        splits.train,
        splits.val,
        run_dir,
        dev_pairs=splits.dev,
        extra_run_info=splits.info,
        log=log,
    )


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
