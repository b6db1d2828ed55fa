"""`supportrm train`: every option is a field of :class:`supportrm.train.config.TrainConfig`."""

from __future__ import annotations

from typing import Any

import click

from supportrm.config import options_from_model, resolve_config
from supportrm.train.config import TrainConfig

# Shared with `supportrm run`, which takes every TrainConfig option too.
#: Extra positional arguments are allowed so that `--seeds 0 1 2` works (see config_from_cli).
TRAIN_CONTEXT = {"ignore_unknown_options": False, "allow_extra_args": True}
config_file_option = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="YAML file with TrainConfig keys (CLI flags override it).",
)


@click.command("train", context_settings=TRAIN_CONTEXT)
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
    """TrainConfig from defaults < ``--config`` YAML < flags (shared by ``train`` and ``run``).

    click options take one value each; ``--seeds 0 1 2`` leaves "1 2" as extra arguments. The
    commands take no positional arguments, so trailing integers can only be more seeds (the
    command needs ``allow_extra_args=True``).
    """
    extra = list(ctx.args)
    if extra:
        if not values.get("seeds") or not all(_is_int(x) for x in extra):
            raise click.UsageError(f"unexpected arguments: {' '.join(extra)}")
        values = {**values, "seeds": (*values["seeds"], *extra)}
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
