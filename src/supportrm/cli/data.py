"""`supportrm data ...`: check, split (this module) and synth (`cli/synth.py`)."""

from __future__ import annotations

import click

from supportrm.cli.synth import synth


@click.group("data")
def data() -> None:
    """Load, validate, split and synthesise preference data."""


data.add_command(synth)
