"""`supportrm run`: the main job. Data → split → train (every seed) → eval → report.

Takes every `supportrm train` option (same TrainConfig) plus the report's targets.
"""

from __future__ import annotations

from typing import Any

import click

from supportrm.cli.train import (
    SeedsCommand,
    config_file_option,
    config_from_cli,
)
from supportrm.config import options_from_model
from supportrm.train.config import TrainConfig


@click.command("run", cls=SeedsCommand)
@config_file_option
@click.option(
    "--target-overall",
    type=float,
    default=0.72,
    show_default=True,
    help="Bar for strict held-out accuracy overall (every seed must be above it).",
)
@click.option(
    "--target-category",
    type=float,
    default=0.65,
    show_default=True,
    help="Bar for strict held-out accuracy in every category (every seed).",
)
@click.option(
    "--ood-data",
    "ood_data",
    multiple=True,
    default=("handwritten",),
    show_default=True,
    help="Second source(s) scored by every seed and the seed ensemble beside the held-out split "
    "(repeatable). 'handwritten' is the shipped hand-written test half; 'none' turns it off.",
)
@click.option(
    "--stress-pairs",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Held-out pairs (the same share per category) edited by the stress tests of the first "
    "seed (docs/stress.md); 0 skips them.",
)
@click.option(
    "--best-of-n",
    "best_of_n",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Fresh generated conversations for the best-of-n simulation; 0 skips it.",
)
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Exit with status 1 when any seed misses the bar or a model is degenerate.",
)
@options_from_model(TrainConfig)
@click.pass_context
def run(
    ctx: click.Context,
    config_file: str | None,
    target_overall: float,
    target_category: float,
    ood_data: tuple[str, ...],
    stress_pairs: int,
    best_of_n: int,
    strict: bool,
    **values: Any,
) -> None:
    """Run the whole pipeline on the embedded data and packaged model (or your own) and write the
    methodology report into the run directory."""
    config = config_from_cli(ctx, config_file, values)
    from supportrm.evaluate import Targets, format_summary
    from supportrm.evaluate.sources import format_sources
    from supportrm.pipeline import run as run_pipeline

    targets = Targets(overall=target_overall, per_category=target_category)
    try:
        result = run_pipeline(
            config,
            targets=targets,
            ood_data=ood_data,
            stress_pairs=stress_pairs,
            best_of_n=best_of_n,
            log=lambda m: click.echo(m, err=True),
        )
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_summary(result.metrics))
    click.echo(format_sources(result.sources))
    click.echo(f"finished in {result.minutes:.1f} min")
    click.echo(f"report: {result.report.html}")
    click.echo(f"        {result.report.md}")
    if strict and not result.passed:
        raise SystemExit(1)
