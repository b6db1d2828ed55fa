"""Content hashes for pairs and files, recorded in split manifests and ``run.json``.

``hash_pairs`` hashes the canonical JSON of each pair in order, so it is the same whatever file
format the pairs were read from (and whatever their ``source`` locations); ``hash_file`` hashes bytes,
which identifies one exact file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from supportrm.data.io import canonical_line
from supportrm.data.schema import PreferencePair


def hash_pairs(pairs: Iterable[PreferencePair]) -> str:
    """``sha256:<hex>`` of the pairs' canonical JSON lines, in order (order matters for training)."""
    h = hashlib.sha256()
    for pair in pairs:
        h.update(canonical_line(pair).encode("utf-8"))
        h.update(b"\n")
    return "sha256:" + h.hexdigest()


def hash_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(chunk_size):
            h.update(chunk)
    return "sha256:" + h.hexdigest()
