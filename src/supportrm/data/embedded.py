"""The dataset shipped inside supportrm: ``support-pairs-v1`` (8,000 synthetic customer-support
preference pairs, five categories; see docs/data-card.md). Used whenever no ``--data`` is given.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

DATASET_NAME = "support-pairs-v1"
#: How the shipped file was made; ``supportrm data synth`` with these arguments rebuilds it.
DEFAULT_N = 8000
DEFAULT_SEED = 0


def _embedded_dir() -> Path:
    return Path(str(resources.files("supportrm.data").joinpath("embedded")))


def default_dataset_path() -> Path:
    """Path of the packaged ``support-pairs-v1.jsonl.gz``."""
    path = _embedded_dir() / f"{DATASET_NAME}.jsonl.gz"
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: the embedded dataset is missing from this installation; rebuild it with "
            f"`supportrm data synth --n {DEFAULT_N} --seed {DEFAULT_SEED} --out {path}`"
        )
    return path


def dataset_info() -> dict[str, Any]:
    """The sidecar ``support-pairs-v1.json``: generator version, arguments, hashes, counts."""
    data: dict[str, Any] = json.loads(
        (_embedded_dir() / f"{DATASET_NAME}.json").read_text(encoding="utf-8")
    )
    return data


def content_sha256(path: str | Path) -> str:
    """SHA-256 of the uncompressed JSONL content (independent of how the file was gzipped)."""
    import gzip

    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    h = hashlib.sha256()
    with opener(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_default() -> list[Any]:
    """The embedded pairs, validated by the standard loader (raises on any bad record)."""
    from supportrm.data.load import load_pairs

    return list(load_pairs(default_dataset_path()).pairs)
