"""The whole job as one library call: data → split → train every seed → evaluate → second
sources → report. ``supportrm run`` is a thin shell over :func:`run`.

>>> from supportrm.pipeline import run
>>> from supportrm.train.config import TrainConfig
>>> result = run(TrainConfig(out="runs/mine"))  # embedded data, packaged model, three seeds
>>> result.sources["headline"], result.report.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportrm.evaluate.metrics import Targets
from supportrm.train.config import TrainConfig


@dataclass
class RunResult:
    run_dir: Path
    #: The aggregate over seeds on the held-out split (``RUN_DIR/metrics.json``).
    metrics: dict[str, Any]
    #: Held-out and second sources, per seed and ensemble, gaps, headline (``sources.json``).
    sources: dict[str, Any]
    report: Any  # supportrm.report.build.ReportPaths
    minutes: float

    @property
    def passed(self) -> bool:
        """The user's bar met by every seed on every source, and no model degenerate."""
        return bool(self.metrics["verdict"]["pass"] and self.sources["all_sources_pass"])


def run(
    config: TrainConfig,
    *,
    targets: Targets | None = None,
    ood_data: Sequence[str] = ("handwritten",),
    stress_pairs: int = 100,
    best_of_n: int = 100,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Train every seed of ``config`` into ``config.out``, evaluate them on the held-out split and
    on every second source (``ood_data``: files, ``handwritten``, or ``none``), stress-test the
    first seed (``stress_pairs`` held-out pairs edited, ``best_of_n`` fresh conversations; 0 turns
    each off), write the report.

    Bad ``ood_data`` fails before any training. Raises what training raises (an existing run
    without ``resume``, settings that differ from the run being resumed, invalid data).
    """
    from supportrm.evaluate.runs import evaluate_run
    from supportrm.evaluate.sources import evaluate_sources, resolve_sources
    from supportrm.report.build import build_report
    from supportrm.train.pipeline import train_from_config

    targets = targets or Targets()
    run_dir = Path(config.out)
    t0 = time.perf_counter()
    resolve_sources(list(ood_data))  # a bad --ood-data fails before hours of training
    train_from_config(config)
    agg = evaluate_run(run_dir, targets=targets)
    sources = evaluate_sources(run_dir, agg, list(ood_data), targets=targets, log=log)
    if stress_pairs > 0 or best_of_n > 0:
        stress_first_seed(run_dir, stress_pairs, best_of_n, log)
    paths = build_report(run_dir)
    return RunResult(run_dir, agg, sources, paths, (time.perf_counter() - t0) / 60)


def stress_first_seed(
    run_dir: Path, stress_pairs: int, best_of_n: int, log: Callable[[str], None]
) -> None:
    """Stress edits and best-of-n for the run's first seed, into ``RUN_DIR/stress.json``; kept
    when a resumed run already has it for the same checkpoint and settings."""
    import json

    from supportrm.evaluate.runs import seed_dirs
    from supportrm.evaluate.stress_run import STRESS_FILE, run_prompt_hashes, stress_model

    first = min(seed_dirs(run_dir))
    ckpt = run_dir / f"seed-{first}" / "checkpoint"
    settings = {"checkpoint": str(ckpt), "stress_pairs": stress_pairs, "best_of_n": best_of_n}
    path = run_dir / STRESS_FILE
    if path.exists() and json.loads(path.read_text(encoding="utf-8")).get("settings") == settings:
        log(f"stress: kept {path} (same checkpoint and settings)")
        return
    t0 = time.perf_counter()
    stress_model(ckpt, run_dir / "split" / "val.jsonl.gz", run_dir, max_pairs=stress_pairs or 0,
                 best_of_n=best_of_n, exclude_prompts=run_prompt_hashes(run_dir), log=log,
                 settings=settings)  # fmt: skip
    log(f"stress tests and best-of-n: {time.perf_counter() - t0:.0f} s")
