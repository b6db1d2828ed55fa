"""Scoring commands under ``accelerate launch``/``torchrun``: every process scores its share of
the sequences and gathers the rest (``supportrm.model.scoring.sharded_scoring``); only the main
process writes to the real output and prints."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def main_process_output(path: Path) -> Iterator[tuple[bool, Path]]:
    """Yields (is the main process, where this process should write): ``path`` for the main
    process, a throw-away path of the same name for the others (removed afterwards)."""
    from supportrm.model.scoring import sharded_scoring

    with sharded_scoring() as main:
        if main:
            yield True, Path(path)
            return
        with tempfile.TemporaryDirectory(prefix="supportrm-rank-") as tmp:
            yield False, Path(tmp) / Path(path).name
