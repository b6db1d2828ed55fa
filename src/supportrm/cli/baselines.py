"""`supportrm baselines`: cheap reference models (length rules, TF-IDF, frozen embeddings)."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from supportrm.evaluate.baselines import BASELINE_NAMES


def _val_size(value: str) -> int | float:
    try:
        return int(value)
    except ValueError:
        return float(value)


def _command(
    data: Path | None,
    val_size: str,
    seed: int,
    names: tuple[str, ...],
    no_embedding: bool,
    model_path: str | None,
    out: Path | None,
) -> str:
    """The command line that reproduces this run (recorded in the results)."""
    parts = ["supportrm", "baselines"]
    if data:
        parts += ["--data", str(data)]
    parts += ["--val-size", str(val_size), "--seed", str(seed)]
    for n in names:
        parts += ["--baseline", n]
    if no_embedding:
        parts.append("--no-embedding")
    if model_path:
        parts += ["--model", str(model_path)]
    if out:
        parts += ["--out", str(out)]
    return shlex.join(parts)


@click.command("baselines")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Preference data (any supported format). Default: the embedded support-pairs-v2.",
)
@click.option(
    "--val-size",
    default="1000",
    show_default=True,
    help="Held-out pairs (a count, or a fraction such as 0.125).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Split seed.")
@click.option(
    "--baseline",
    "names",
    multiple=True,
    type=click.Choice(BASELINE_NAMES),
    help="Baselines to run (repeatable). Default: all.",
)
@click.option(
    "--no-embedding",
    is_flag=True,
    help="Skip the frozen-embedding baseline (the only slow one: minutes on a CPU).",
)
@click.option(
    "--model",
    "model_path",
    default=None,
    help="Encoder folder for the embedding baseline. Default: packaged all-MiniLM-L6-v2.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the results (with command, machine, versions) as JSON here.",
)
def baselines(
    data: Path | None,
    val_size: str,
    seed: int,
    names: tuple[str, ...],
    no_embedding: bool,
    model_path: str | None,
    out: Path | None,
) -> None:
    """Fit reference baselines on the train split and report held-out accuracy per category."""
    from supportrm.evaluate.baselines import baselines_report, markdown_table

    chosen = list(names or BASELINE_NAMES)
    if no_embedding:
        chosen = [n for n in chosen if n != "embedding"]
    report = baselines_report(
        data,
        val_size=_val_size(val_size),
        seed=seed,
        names=chosen,
        model_path=model_path,
        command=_command(data, val_size, seed, names, no_embedding, model_path, out),
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(markdown_table(report))
    if out:
        from supportrm.run_files import BaselinesFile, write

        write(out, report, BaselinesFile)
        click.echo(f"wrote {out}")
