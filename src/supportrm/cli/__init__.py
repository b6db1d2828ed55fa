"""The ``supportrm`` command: a thin shell over the library. Each stage has its own module here.

Sub-modules import heavy libraries (torch, transformers) inside their commands, so ``--help`` and the
data commands stay fast.
"""

from __future__ import annotations

import click

from supportrm import __version__
from supportrm.cli.baselines import baselines
from supportrm.cli.data import data
from supportrm.cli.evaluate import eval_cmd
from supportrm.cli.report import report
from supportrm.cli.run import run
from supportrm.cli.train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supportrm")
def main() -> None:
    """Train and audit reward models for customer-support assistants."""


main.add_command(data)
main.add_command(train)
main.add_command(eval_cmd)
main.add_command(report)
main.add_command(run)
main.add_command(baselines)

__all__ = ["main"]
