"""`supportrm --help` lists every command without importing them (LazyGroup), and each listed
line is the command's own short help."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from supportrm.cli import COMMANDS, main


def test_listing_matches_each_commands_own_help() -> None:
    ctx = click.Context(main)
    for name, (_, _, short) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=300) == short, name
    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in res.output
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code != 0


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from supportrm.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'scipy', 'torch', 'transformers') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout[-500:]
