"""Writing a generated dataset with its sidecar (what made it, and hashes to verify it by)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supportrm.data.schema import NO_CATEGORY, PreferencePair
from supportrm.data.synth.noise import AGREEMENT_SOURCES, ERROR_RATES

#: Generator versions: short name -> (dataset name, module holding ``generate``). Every version
#: stays regenerable byte for byte (tests/test_synth*.py compare with the shipped files).
VERSIONS: dict[str, str] = {"v1": "support-pairs-v1", "v2": "support-pairs-v2"}
LATEST = "v2"


def generator(version: str) -> Callable[..., list[PreferencePair]]:
    if version == "v1":
        from supportrm.data.synth.generator import generate
    elif version == "v2":
        from supportrm.data.synth.v2.generator import generate
    else:
        raise ValueError(f"unknown generator version {version!r}; choose one of {sorted(VERSIONS)}")
    return generate


def sidecar_path(out: str | Path) -> Path:
    p = Path(out)
    name = p.name
    for suffix in (".gz", ".jsonl", ".json", ".parquet", ".csv"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return p.with_name(name + ".json")


def write_dataset(
    out: str | Path, *, n: int = 8000, seed: int = 0, sidecar: bool = True, version: str = LATEST
) -> dict[str, Any]:
    """Generate and write ``n`` pairs; returns (and optionally writes) the sidecar metadata."""
    from supportrm.data.embedded import content_sha256
    from supportrm.data.io import write_pairs

    out = Path(out)
    name = VERSIONS.get(version)
    pairs = generator(version)(n=n, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_pairs(pairs, out)
    ceiling = sum(p.metadata["generator_preferred"] == "chosen" for p in pairs) / len(pairs)
    meta: dict[str, Any] = {
        "name": name,
        "generator": name,
        "n": len(pairs),
        "seed": seed,
        "command": f"supportrm data synth --n {n} --seed {seed} --version {version} --out {out.name}",
        "file": out.name,
        "sha256_content": content_sha256(out) if out.suffix in (".gz", ".jsonl") else None,
        "sha256_file": hashlib.sha256(out.read_bytes()).hexdigest(),
        "per_category": dict(sorted(Counter(p.category or NO_CATEGORY for p in pairs).items())),
        "noise_ceiling": round(ceiling, 4),
        "annotator_error_rates": ERROR_RATES,
        "agreement_sources": {
            k: {"agreement": a, "source": s} for k, (a, s) in AGREEMENT_SOURCES.items()
        },
    }
    if sidecar:
        sidecar_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta
