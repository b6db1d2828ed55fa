"""`supportrm baselines`: cheap reference models (length rules, TF-IDF, frozen embeddings)."""

from __future__ import annotations

import click


@click.command("baselines")
def baselines() -> None:
    """Not implemented yet."""
    raise click.ClickException("'supportrm baselines' is not implemented yet")
