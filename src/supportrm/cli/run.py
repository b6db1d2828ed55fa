"""`supportrm run`."""

from __future__ import annotations

import click


@click.command("run")
def run() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm run' is not implemented yet")
