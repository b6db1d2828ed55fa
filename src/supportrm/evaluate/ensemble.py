"""The seed ensemble: the mean reward of every seed's model, the thing a team would deploy.

Its score table is an ordinary one (so every metric applies unchanged), built from the seeds'
tables on the pairs they all scored. The across-seed spread of each pair's margin is kept as an
uncertainty signal: pairs the seeds disagree on are where the ensemble is least trustworthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from supportrm.evaluate.accuracy import correct_and_ties
from supportrm.evaluate.scoretable import ScoreTable


def ensemble_table(tables: Mapping[int, ScoreTable]) -> tuple[ScoreTable, np.ndarray]:
    """(mean-reward table, per-pair std of the seeds' margins) on the pairs every seed scored,
    in the first seed's order."""
    if not tables:
        raise ValueError("ensemble_table() needs at least one seed's score table")
    seeds = sorted(tables)
    first = tables[seeds[0]]
    common = set(first.ids)
    for s in seeds[1:]:
        common &= set(tables[s].ids)
    keep = np.array([rid in common for rid in first.ids], dtype=bool)
    base = first.subset(keep)
    chosen = np.zeros((len(seeds), len(base)))
    rejected = np.zeros_like(chosen)
    for k, s in enumerate(seeds):
        pos = {rid: i for i, rid in enumerate(tables[s].ids)}
        idx = [pos[rid] for rid in base.ids]
        chosen[k] = tables[s].chosen[idx]
        rejected[k] = tables[s].rejected[idx]
    base.chosen = chosen.mean(axis=0)
    base.rejected = rejected.mean(axis=0)
    base.source = f"ensemble of seeds {seeds}"
    spread = (chosen - rejected).std(axis=0)
    return base, spread


def disagreement_buckets(
    table: ScoreTable, spread: np.ndarray, n_buckets: int = 3
) -> list[dict[str, Any]]:
    """Ensemble accuracy by tercile of the seeds' margin spread (does accuracy fall where the
    seeds disagree?). Strict accuracy: ties count as wrong."""
    if len(table) < n_buckets:
        return []
    order = np.argsort(spread, kind="stable")
    out = []
    for part in np.array_split(order, n_buckets):
        correct, _ties = correct_and_ties(table.delta[part])
        out.append(
            {
                "n": len(part),
                "spread_min": float(spread[part].min()),
                "spread_max": float(spread[part].max()),
                "accuracy": float(correct.mean()),
            }
        )
    return out
