"""Atomic file writes for every stage: a reader (or a crash) never sees half a file.

Each writer writes beside the target under a unique temporary name and renames it into place
(``os.replace`` is atomic on one filesystem); a failure removes the temporary file and leaves
the old target untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name the writer creates itself (so the file gets the usual permissions, which
    # mkstemp's 0600 would not); the process id and a random part keep writers apart.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def atomic_write_json(path: str | Path, obj: Any, **dumps: Any) -> Path:
    """JSON with a trailing newline; ``dumps`` go to :func:`json.dumps` (default ``indent=2``)."""
    dumps.setdefault("indent", 2)
    dumps.setdefault("ensure_ascii", False)
    return atomic_write_text(path, json.dumps(obj, **dumps) + "\n")
