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
    log: Callable[[str], None] = print,
) -> RunResult:
    """Train every seed of ``config`` into ``config.out``, evaluate them on the held-out split and
    on every second source (``ood_data``: files, ``handwritten``, or ``none``), write the report.

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
    paths = build_report(run_dir)
    return RunResult(run_dir, agg, sources, paths, (time.perf_counter() - t0) / 60)
