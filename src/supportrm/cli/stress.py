"""`supportrm stress`: a thin shell over :func:`supportrm.evaluate.stress_run.stress_model`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("stress")
@click.option(
    "--model",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A checkpoint folder, or a run folder (its seeds are scored as an ensemble).",
)
@click.option(
    "--data",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pairs to edit (any file `data check` accepts), e.g. RUN/split/val.jsonl.gz.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for stress.json.",
)
@click.option("--max-pairs", default=100, show_default=True, type=click.IntRange(min=0),
              help="Pairs sampled for the edits, the same share per category (0: all).")  # fmt: skip
@click.option("--best-of-n", "best_of_n", default=100, show_default=True,
              type=click.IntRange(min=0),
              help="Fresh generated conversations for the best-of-n simulation (0: skip).")  # fmt: skip
@click.option("--seed", default=0, show_default=True, help="Seed of the edits and the sampling.")
def stress(model: Path, data: Path, out: Path, max_pairs: int, best_of_n: int, seed: int) -> None:
    """Stress-test a reward model with counterfactual edits and a best-of-n simulation."""
    from supportrm.evaluate.stress_format import format_stress
    from supportrm.evaluate.stress_run import stress_model

    try:
        result = stress_model(model, data, out, max_pairs=max_pairs or None, best_of_n=best_of_n,
                              seed=seed, log=lambda m: click.echo(m, err=True))  # fmt: skip
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_stress(result))
    click.echo(f"-> {out / 'stress.json'}")
