"""The ``supportrm`` command: a thin shell over the library. Each stage has its own module here.

Sub-commands are imported only when one is run (``LazyGroup``): ``supportrm --help`` lists them
from the table below without importing numpy, scipy or torch, so it answers at once. Sub-modules
also import heavy libraries inside their commands, so e.g. ``supportrm data --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from supportrm import __version__

#: name -> (module, attribute, the one-line help `supportrm --help` shows). tests/test_cli_lazy.py
#: checks each line against the command's own docstring, so the two cannot drift apart.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "data": (
        "supportrm.cli.data",
        "data",
        "Load, validate, split and synthesise preference data.",
    ),
    "train": (
        "supportrm.cli.train",
        "train",
        "Train Bradley-Terry reward models (one per seed) into a run directory.",
    ),
    "eval": (
        "supportrm.cli.evaluate",
        "eval_cmd",
        "Evaluate a reward model: accuracy with CIs, diagnostics, verdict (docs/metrics.md).",
    ),
    "report": (
        "supportrm.cli.report",
        "report",
        "Write RUN_DIR/report.html (self-contained) and report.md with plots.",
    ),
    "run": (
        "supportrm.cli.run",
        "run",
        "Run the whole pipeline on the embedded data and packaged model (or your own) and write "
        "the methodology report into the run directory.",
    ),
    "score": (
        "supportrm.cli.score",
        "score",
        "Score every row of a file with a checkpoint or a run's seed ensemble.",
    ),
    "stress": (
        "supportrm.cli.stress",
        "stress",
        "Stress-test a reward model with counterfactual edits and a best-of-n simulation.",
    ),
    "serve": (
        "supportrm.cli.serve",
        "serve",
        "Serve a reward model over HTTP for RLHF stacks (OpenRLHF, verl, TRL).",
    ),
    "cache": (
        "supportrm.cli.cache",
        "cache",
        "List and clean the feature caches training builds.",
    ),
    "baselines": (
        "supportrm.cli.baselines",
        "baselines",
        "Fit reference baselines on the train split and report held-out accuracy per category.",
    ),
}


class LazyGroup(click.Group):
    """click's documented lazy-loading pattern, with the listing served from ``COMMANDS``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        command: Any = getattr(importlib.import_module(module), attr)
        return command  # type: ignore[no-any-return]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supportrm")
def main() -> None:
    """Train and audit reward models for customer-support assistants."""


__all__ = ["main"]
