"""Diagnostics: every degenerate-model rule per seed, and the error examples of the worst seed."""

from __future__ import annotations

from typing import Any

from supportrm.report.format import table
from supportrm.report.run import RunData


def degenerate_table(run: RunData) -> dict[str, Any]:
    """One row per rule, one column per seed: what was observed and whether the rule fired."""
    seeds = sorted(run.seed_metrics)
    rules: dict[str, dict[str, Any]] = {}
    for s in seeds:
        for c in run.seed_metrics[s]["degenerate"]["checks"]:
            row = rules.setdefault(c["name"], {"rule": c["rule"], "cells": {}})
            state = "skipped" if c.get("skipped") else ("FIRED" if c["fired"] else "ok")
            row["cells"][s] = f"{state}: {c['detail']}"
    return table(
        ["rule", "fires when", *[f"seed {s}" for s in seeds]],
        [
            [name, r["rule"], *[r["cells"].get(s, "n/a") for s in seeds]]
            for name, r in rules.items()
        ],
    )


def errors_section(run: RunData) -> dict[str, Any]:
    seed = run.agg["worst_seed"]["seed"]
    m = run.seed_metrics[seed]
    groups = []
    for cat, items in m.get("errors", {}).items():
        groups.append({"category": cat, "items": items[:3]})
    return {"seed": seed, "groups": groups}
