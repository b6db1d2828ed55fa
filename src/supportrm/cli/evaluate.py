"""`supportrm eval`."""

from __future__ import annotations

import click


@click.command("eval")
def eval_cmd() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm eval' is not implemented yet")
