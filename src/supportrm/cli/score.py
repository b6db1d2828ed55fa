"""`supportrm score`: a thin shell over :func:`supportrm.serve.score.score_file`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


@click.command("score")
@click.option(
    "--model",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A checkpoint folder, or a run folder: then every seed scores and the reward is their "
    "mean (an ensemble), with the across-seed std as an uncertainty column.",
)
@click.option(
    "--data",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pairs (any file `data check` accepts) or single replies (prompt + completion, or "
    "messages ending with an assistant turn; docs/data-format.md).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output: .jsonl, .jsonl.gz, .parquet or .csv; rows in input order with their ids.",
)
@click.option(
    "--normalize",
    is_flag=True,
    help="(r - mean) / std with the statistics stored in each checkpoint (default: raw).",
)
@click.option(
    "--batch-tokens",
    type=click.IntRange(min=1),
    default=16384,
    show_default=True,
    help="Most padded tokens in one forward pass.",
)
@click.option(
    "--on-error",
    type=click.Choice(["raise", "skip"]),
    default="raise",
    show_default=True,
    help="Invalid records: stop listing them all, or leave them out.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def score(
    model: Path,
    data: Path,
    out: Path,
    normalize: bool,
    batch_tokens: int,
    on_error: str,
    progress: bool,
) -> None:
    """Score every row of a file with a checkpoint or a run's seed ensemble.

    Under `accelerate launch` or `torchrun`, the processes share the scoring and the main one
    writes the file.
    """
    from tqdm.auto import tqdm

    from supportrm.cli.launch import main_process_output
    from supportrm.serve.score import score_file

    with main_process_output(out) as (main, dest):
        bar = tqdm(desc="scoring", unit="seq", disable=not (progress and main))
        try:
            result = score_file(
                model,
                data,
                dest,
                normalize=normalize,
                batch_tokens=batch_tokens,
                on_error=on_error,
                progress=_updater(bar),
            )
        except (FileNotFoundError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            bar.close()
        if main:
            click.echo(result.summary())


def _updater(bar: Any) -> Callable[[int], None]:
    def update(n: int) -> None:
        bar.update(n)

    return update
