"""`supportrm report RUN_DIR`: the methodology report (HTML + Markdown) and model cards."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write report.html/report.md/plots (default: RUN_DIR).",
)
@click.option(
    "--baselines",
    "baseline_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Baselines JSON to show when computed on the same split (repeatable). Also searched: "
    "RUN_DIR/baselines*.json and ./bench/results/baselines*.json.",
)
@click.option(
    "--recompute",
    is_flag=True,
    help="Recompute every metrics.json from the score tables first (the evaluate stage; also "
    "done when a metrics file is missing or --target-* is given).",
)
@click.option("--target-overall", type=float, default=None, help="Override the overall target.")
@click.option("--target-category", type=float, default=None, help="Override the category target.")
@click.option("--model-card/--no-model-card", default=True, help="Write checkpoint README.md.")
def report(
    run_dir: Path,
    out: Path | None,
    baseline_paths: tuple[Path, ...],
    recompute: bool,
    target_overall: float | None,
    target_category: float | None,
    model_card: bool,
) -> None:
    """Write RUN_DIR/report.html (self-contained) and report.md with plots."""
    from supportrm.evaluate.metrics import Targets
    from supportrm.evaluate.runs import evaluate_run, seed_dirs
    from supportrm.report.build import build_report
    from supportrm.run_files import RunFileError

    targets = None
    if target_overall is not None or target_category is not None:
        d = Targets()
        targets = Targets(
            overall=d.overall if target_overall is None else target_overall,
            per_category=d.per_category if target_category is None else target_category,
        )
    metric_files = [run_dir / "metrics.json"] + [
        d / "metrics.json" for d in seed_dirs(run_dir).values()
    ]
    try:
        if recompute or targets is not None or not all(p.exists() for p in metric_files):
            # The evaluate stage recomputes; the report itself only reads.
            evaluate_run(run_dir, targets=targets)
        paths = build_report(
            run_dir, out_dir=out, baseline_paths=baseline_paths, model_cards=model_card
        )
    except (FileNotFoundError, RunFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"report: {paths.html}")
    click.echo(f"report: {paths.md}")
    for card in paths.model_cards:
        click.echo(f"model card: {card}")
