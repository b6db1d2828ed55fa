"""`supportrm train`: every option is a field of :class:`supportrm.train.config.TrainConfig`."""

from __future__ import annotations

from typing import Any

import click

from supportrm.config import options_from_model, resolve_config
from supportrm.train.config import TrainConfig


class SeedsCommand(click.Command):
    """A command whose ``--seeds`` takes several values: ``--seeds 0 1 2``.

    click options take one value each, so the integers right after ``--seeds`` are rewritten as
    repeated options (``--seeds 0 --seeds 1 --seeds 2``) before parsing. Only those: an integer anywhere else is an error, never a
    silent extra seed (``--epochs 1 2`` fails instead of training seed 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(args):
            out.append(args[i])
            if args[i] == "--seeds":
                values = []
                while i + 1 < len(args) and _is_int(args[i + 1].rstrip(",")):
                    values.append(args[i + 1].rstrip(","))
                    i += 1
                out += [x for v in values for x in ("--seeds", v)][1:]
            i += 1
        return super().parse_args(ctx, out)


config_file_option = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="YAML file with TrainConfig keys (CLI flags override it).",
)


@click.command("train", cls=SeedsCommand)
@config_file_option
@click.option(
    "--print-config",
    is_flag=True,
    default=False,
    help="Print the resolved configuration as YAML and exit.",
)
@options_from_model(TrainConfig)
@click.pass_context
def train(ctx: click.Context, config_file: str | None, print_config: bool, **values: Any) -> None:
    """Train Bradley-Terry reward models (one per seed) into a run directory."""
    config = config_from_cli(ctx, config_file, values)
    if print_config:
        click.echo(config.to_yaml(), nl=False)
        return
    from supportrm.evaluate.runs import format_summary
    from supportrm.train.pipeline import train_from_config

    try:
        agg = train_from_config(config)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_summary(agg))
    click.echo(f"run directory: {config.out}")


def config_from_cli(
    ctx: click.Context, config_file: str | None, values: dict[str, Any]
) -> TrainConfig:
    """TrainConfig from defaults < ``--config`` YAML < flags (shared by ``train`` and ``run``)."""
    try:
        return resolve_config(TrainConfig, config_file, values)
    except Exception as exc:  # pydantic ValidationError: show the field and the reason
        raise click.BadParameter(str(exc)) from exc


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
