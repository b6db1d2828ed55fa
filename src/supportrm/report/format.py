"""Formatting shared by the report's sections: percentages, intervals, numbers, tables."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def ci_str(ci: Sequence[float] | None) -> str:
    return "n/a" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return "n/a"
        return f"{x:.{digits}g}" if abs(x) < 1e-3 and x != 0 else f"{x:.{digits}f}"
    if isinstance(x, list | tuple):
        return ", ".join(num(v, digits) for v in x)
    if isinstance(x, dict):
        return json.dumps(x, default=str)
    return str(x)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"headers": list(headers), "rows": [[str(c) for c in r] for r in rows]}


def flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, leaf) pairs of a nested mapping, for tables of recorded values."""
    if isinstance(obj, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in obj.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return [(prefix, obj)]


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("supportrm", "torch", "transformers", "numpy", "scipy", "matplotlib", "jinja2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
