"""`supportrm train`."""

from __future__ import annotations

import click


@click.command("train")
def train() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm train' is not implemented yet")
