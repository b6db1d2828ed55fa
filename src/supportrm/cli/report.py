"""`supportrm report`."""

from __future__ import annotations

import click


@click.command("report")
def report() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm report' is not implemented yet")
