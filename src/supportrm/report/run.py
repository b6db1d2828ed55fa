"""Reading a run directory for the report: every file through its typed model
(:mod:`supportrm.run_files`). The report only reads; it never re-evaluates or rewrites a run
(``supportrm report --recompute`` asks the evaluate stage to recompute first)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportrm.data.schema import NO_CATEGORY
from supportrm.evaluate.runs import read_history, seed_dirs
from supportrm.evaluate.scoretable import ScoreTable, read_jsonl, read_score_table
from supportrm.run_files import RunInfo, RunMetrics, SeedMetrics, SplitManifest, read
from supportrm.train.config import TrainConfig


@dataclass
class RunData:
    run_dir: Path
    config: TrainConfig | None
    run_info: RunInfo | None
    manifest: SplitManifest | None
    #: seed -> that seed's metrics.json (validated by :class:`SeedMetrics`, as plain JSON data).
    seed_metrics: dict[int, dict[str, Any]]
    #: RUN_DIR/metrics.json (validated by :class:`RunMetrics`, as plain JSON data).
    agg: dict[str, Any]
    tables: dict[int, ScoreTable]
    histories: dict[int, list[dict[str, Any]]]
    steps: dict[int, list[dict[str, Any]]]
    timings: dict[int, dict[str, Any]] = field(default_factory=dict)


def _optional(path: Path, model: Any) -> Any:
    return read(path, model) if path.exists() else None


def _as_json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=False)
    return data


def load_run(run_dir: str | Path) -> RunData:
    """Read a run written by ``supportrm train``/``run`` and evaluated by ``supportrm eval`` or
    ``run``. A missing metrics file is an error that says which command writes it."""
    run_dir = Path(run_dir)
    dirs = {s: d for s, d in seed_dirs(run_dir).items() if (d / "val_scores.jsonl").exists()}
    if not dirs:
        raise FileNotFoundError(
            f"{run_dir}: no seed-<S>/val_scores.jsonl; is this a run directory written by "
            "'supportrm train'?"
        )
    missing = [d / "metrics.json" for d in dirs.values() if not (d / "metrics.json").exists()]
    if not (run_dir / "metrics.json").exists():
        missing.append(run_dir / "metrics.json")
    if missing:
        raise FileNotFoundError(
            f"{', '.join(map(str, missing))} missing: evaluate the run first "
            f"(`supportrm report --recompute {run_dir}` or `supportrm eval --model {run_dir}`)"
        )
    config_path = run_dir / "config.yaml"
    return RunData(
        run_dir=run_dir,
        config=TrainConfig.from_yaml(config_path) if config_path.exists() else None,
        run_info=_optional(run_dir / "run.json", RunInfo),
        manifest=_optional(run_dir / "split" / "manifest.json", SplitManifest),
        seed_metrics={s: _as_json(read(d / "metrics.json", SeedMetrics)) for s, d in dirs.items()},
        agg=_as_json(read(run_dir / "metrics.json", RunMetrics)),
        tables={s: read_score_table(d / "val_scores.jsonl") for s, d in dirs.items()},
        histories={s: read_history(d) or [] for s, d in dirs.items()},
        steps={
            s: read_jsonl(d / "steps.jsonl") if (d / "steps.jsonl").exists() else []
            for s, d in dirs.items()
        },
        timings={
            s: json.loads((d / "timing.json").read_text())
            for s, d in dirs.items()
            if (d / "timing.json").exists()
        },
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def split_summary(run_dir: Path) -> dict[str, Any] | None:
    """Counts per split and category and leakage checks, computed from the split files."""
    paths = {k: run_dir / "split" / f"{k}.jsonl.gz" for k in ("train", "val")}
    if not all(p.exists() for p in paths.values()):
        return None
    recs: dict[str, list[dict[str, Any]]] = {}
    for k, p in paths.items():
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            recs[k] = [json.loads(line) for line in fh if line.strip()]

    def key(r: Mapping[str, Any], fields: Sequence[str]) -> str:
        return hashlib.sha256(
            json.dumps([r.get(f) for f in fields], sort_keys=True, default=str).encode()
        ).hexdigest()

    conv = {k: {str(r.get("conversation_id")) for r in v} for k, v in recs.items()}
    trip = {k: {key(r, ("prompt", "chosen", "rejected")) for r in v} for k, v in recs.items()}
    prompts = {k: {key(r, ("prompt",)) for r in v} for k, v in recs.items()}
    ids = {k: {str(r.get("id")) for r in v} for k, v in recs.items()}
    cats = {k: Counter(r.get("category") or NO_CATEGORY for r in v) for k, v in recs.items()}
    return {
        "n": {k: len(v) for k, v in recs.items()},
        "categories": cats,
        "leakage": [
            ("conversation_id in both train and val", len(conv["train"] & conv["val"])),
            ("identical pair (prompt, chosen, rejected) in both", len(trip["train"] & trip["val"])),
            ("identical prompt in both", len(prompts["train"] & prompts["val"])),
            ("pair id in both", len(ids["train"] & ids["val"])),
        ],
        "sha256": {k: sha256_file(p) for k, p in paths.items()},
    }
