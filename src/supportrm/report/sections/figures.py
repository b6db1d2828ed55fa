"""The report's figures: written as PNG files and embedded in the HTML."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from supportrm.report import plots
from supportrm.report.run import RunData


def make_plots(
    run: RunData, plots_dir: Path, baselines: Mapping[str, Mapping[str, float | None]]
) -> list[dict[str, Any]]:
    worst = run.agg["worst_seed"]["seed"]
    t = run.agg["verdict"]["targets"]
    out: list[dict[str, Any]] = []

    def add(key: str, title: str, path: Path | None, caption: str) -> None:
        if path is None:
            out.append({"key": key, "title": title, "file": None, "caption": caption, "b64": None})
            return
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append(
            {
                "key": key,
                "title": title,
                "file": f"plots/{path.name}",
                "caption": caption,
                "b64": b64,
            }
        )

    add(
        "accuracy",
        "Accuracy per category vs target and baselines",
        plots.category_accuracy(
            run.agg["per_seed"],
            t["overall"],
            t["per_category"],
            baselines,
            plots_dir / "accuracy.png",
        ),
        "Strict accuracy with 95% bootstrap CIs per seed; red lines are the targets; hatched bars "
        "are baselines on the same split.",
    )
    add(
        "scores",
        "Score histograms: chosen vs rejected",
        plots.score_histograms(run.tables[worst], plots_dir / "scores.png", seed=worst),
        f"Seed {worst} (worst seed). Well separated histograms = the model distinguishes the "
        "replies; identical histograms or a single spike = degenerate.",
    )
    add(
        "margin",
        "Margin distribution",
        plots.margin_distribution(run.tables, plots_dir / "margin.png"),
        "reward(chosen) - reward(rejected) per held-out pair, all seeds. Mass left of 0 = errors; "
        "a spike at 0 = ties.",
    )
    add(
        "reliability",
        "Reliability diagram",
        plots.reliability_diagram(
            run.tables, plots_dir / "reliability.png", temperatures=_temperatures(run)
        ),
        "Predicted P = sigmoid(margin) (solid) and sigmoid(margin / T) with the temperature "
        "fitted on dev (dashed, when stored) vs observed frequency on the held-out pairs, each "
        "pair in both orientations; points on the diagonal = calibrated.",
    )
    add(
        "length",
        "Reward vs length per category",
        plots.length_scatter(run.tables[worst], plots_dir / "length.png", seed=worst),
        f"Seed {worst}. A visible upward trend means longer replies get higher rewards "
        "regardless of content (length bias).",
    )
    add(
        "training",
        "Training curves",
        plots.training_curves(run.steps, run.histories, plots_dir / "training.png"),
        "Training loss (moving average); on the dev pairs that choose the checkpoint: loss "
        "(dashed: ln 2 = chance), accuracy "
        "and held-out reward std (a falling std signals collapse).",
    )
    return out


def _temperatures(run: RunData) -> dict[int, float]:
    out = {}
    for s, m in run.seed_metrics.items():
        tempered = m.get("calibration_tempered") or {}
        if tempered.get("temperature"):
            out[s] = float(tempered["temperature"])
    return out
