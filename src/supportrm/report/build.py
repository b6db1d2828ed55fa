"""Build the methodology report of a run directory: ``report.html`` (self-contained) and
``report.md`` (+ ``plots/*.png``), for a post-training team deciding on RLHF use.

Sections, in this order (the templates and :data:`SECTIONS` agree): verdict, held-out vs. a
second source, data, method, results, diagnostics, error examples, stress tests and best-of-n,
limitations and recommendations, reproducibility. Each section is a module of :mod:`supportrm.report.sections`.
The report only reads the run (:func:`supportrm.report.run.load_run`); it never re-evaluates it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportrm.evaluate.runs import seed_dirs
from supportrm.files import atomic_write_text
from supportrm.report.baselines import find_baselines
from supportrm.report.run import RunData, load_run
from supportrm.report.sections.data import data_section
from supportrm.report.sections.diagnostics import degenerate_table, errors_section
from supportrm.report.sections.figures import make_plots
from supportrm.report.sections.limitations import limitations_section
from supportrm.report.sections.method import method_section
from supportrm.report.sections.reproducibility import reproducibility_section
from supportrm.report.sections.results import results_section
from supportrm.report.sections.sources import sources_section
from supportrm.report.sections.stress import stress_section
from supportrm.report.sections.verdict import verdict_section

SECTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "Verdict"),
    ("sources", "Held-out vs. a second source"),
    ("data", "Data"),
    ("method", "Method"),
    ("results", "Results"),
    ("diagnostics", "Diagnostics"),
    ("errors", "Error examples"),
    ("stress", "Stress tests and best-of-n"),
    ("limitations", "Limitations and recommendations"),
    ("reproducibility", "Reproducibility"),
)


@dataclass
class ReportPaths:
    html: Path
    md: Path
    plots: list[Path] = field(default_factory=list)
    model_cards: list[Path] = field(default_factory=list)


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("supportrm.report", "templates"),
        # Escape HTML only: Markdown output must keep "<", ">" and quotes as typed.
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def build_context(
    run: RunData, plots_dir: Path, *, baseline_paths: Sequence[Path] = (), report_cmd: str = ""
) -> dict[str, Any]:
    baselines, baseline_notes = find_baselines(run, baseline_paths)
    data = data_section(run)
    return {
        "title": f"Reward model report: {run.run_dir.name}",
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run_dir": str(run.run_dir),
        "sections": SECTIONS,
        "verdict": verdict_section(run),
        "sources": sources_section(run.run_dir, run.agg["verdict"]["targets"]),
        "data": data,
        "method": method_section(run),
        "results": results_section(run, baselines),
        "baseline_notes": baseline_notes,
        "plots": make_plots(run, plots_dir, baselines),
        "degenerate": degenerate_table(run),
        "errors": errors_section(run),
        "stress": stress_section(run.run_dir, plots_dir),
        "limitations": limitations_section(run, data),
        "repro": reproducibility_section(run, report_cmd or f"supportrm report {run.run_dir}"),
    }


def build_report(
    run_dir: str | Path,
    *,
    out_dir: str | Path | None = None,
    baseline_paths: Sequence[str | Path] = (),
    model_cards: bool = True,
) -> ReportPaths:
    """Write ``report.html``, ``report.md`` and ``plots/*.png`` (default: into the run directory)
    and a model card per seed: into the checkpoint (``README.md``) when the report goes into the
    run directory, else under ``OUT/model-cards/seed-<S>/`` (a report written elsewhere changes
    nothing in the run)."""
    run = load_run(run_dir)
    out = Path(out_dir) if out_dir else run.run_dir
    plots_dir = out / "plots"
    ctx = build_context(run, plots_dir, baseline_paths=[Path(p) for p in baseline_paths])
    env = _env()
    html_path, md_path = out / "report.html", out / "report.md"
    atomic_write_text(html_path, env.get_template("report.html.j2").render(**ctx))
    atomic_write_text(md_path, env.get_template("report.md.j2").render(**ctx))
    cards = _model_cards(run, out) if model_cards else []
    return ReportPaths(
        html=html_path,
        md=md_path,
        plots=[plots_dir / Path(p["file"]).name for p in ctx["plots"] if p["file"]],
        model_cards=cards,
    )


def _model_cards(run: RunData, out: Path) -> list[Path]:
    from supportrm.report.model_card import write_model_card

    in_run = out.resolve() == run.run_dir.resolve()
    config = run.config.model_dump(mode="json") if run.config else {}
    cards = []
    for s, d in seed_dirs(run.run_dir).items():
        ckpt = d / "checkpoint"
        if ckpt.is_dir() and s in run.seed_metrics:
            dest = None if in_run else out / "model-cards" / f"seed-{s}" / "README.md"
            cards.append(
                write_model_card(
                    ckpt, run.seed_metrics[s], config, aggregate_metrics=run.agg, seed=s, dest=dest
                )
            )
    return cards
