"""`supportrm data synth`: generate the embedded support-pairs dataset."""

from __future__ import annotations

import click


@click.command("synth")
def synth() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm data synth' is not implemented yet")
