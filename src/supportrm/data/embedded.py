"""Datasets shipped inside supportrm (see docs/data-card.md):

* ``support-pairs-v2`` (the default training data: 8,000 synthetic customer-support preference
  pairs from generator v2), and ``support-pairs-v1`` (generator v1, kept for comparison);
* ``support-handwritten-v1``: pairs written one by one by hand, never by a generator, split into
  a **dev** half (for recipe decisions) and a **test** half (reported, never used for choices).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

DATASET_NAME = "support-pairs-v2"
#: How the shipped files were made; ``supportrm data synth`` with these arguments rebuilds them.
DEFAULT_N = 8000
DEFAULT_SEED = 0
HANDWRITTEN_NAME = "support-handwritten-v1"


def _embedded_dir() -> Path:
    return Path(str(resources.files("supportrm.data").joinpath("embedded")))


def dataset_path(name: str = DATASET_NAME) -> Path:
    """Path of a packaged ``<name>.jsonl.gz`` (default: the training default)."""
    path = _embedded_dir() / f"{name}.jsonl.gz"
    if not path.exists():
        version = name.rsplit("-", 1)[-1]
        raise FileNotFoundError(
            f"{path}: the embedded dataset is missing from this installation; rebuild it with "
            f"`supportrm data synth --n {DEFAULT_N} --seed {DEFAULT_SEED} --version {version} "
            f"--out {path}`"
        )
    return path


def default_dataset_path() -> Path:
    """Path of the packaged default training data (``support-pairs-v2.jsonl.gz``)."""
    return dataset_path(DATASET_NAME)


def dataset_info(name: str = DATASET_NAME) -> dict[str, Any]:
    """The sidecar ``<name>.json``: generator version, arguments, hashes, counts."""
    data: dict[str, Any] = json.loads(
        (_embedded_dir() / f"{name}.json").read_text(encoding="utf-8")
    )
    return data


def handwritten_path(half: Literal["dev", "test"] = "test") -> Path:
    """The hand-written set's ``dev`` half (recipe decisions) or ``test`` half (reported)."""
    if half not in ("dev", "test"):
        raise ValueError(f"half must be 'dev' or 'test', got {half!r}")
    return _embedded_dir() / f"{HANDWRITTEN_NAME}.{half}.jsonl"


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
    """The embedded default pairs, validated by the standard loader (raises on any bad record)."""
    from supportrm.data.load import load_pairs

    return list(load_pairs(default_dataset_path()).pairs)
