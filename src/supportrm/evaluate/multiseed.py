"""Aggregate the metrics of several training seeds.

One seed can be lucky. The post-training team needs the spread (mean ± std), the worst seed, and
whether the seeds even agree on which reply is better (correlation of their reward margins on the
same pairs). The verdict uses every seed: the model passes only if each seed passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from supportrm.evaluate.accuracy import finite_or_none
from supportrm.evaluate.metrics import Targets
from supportrm.evaluate.scoretable import ScoreTable, as_table


def _spread(values: Sequence[float | None]) -> dict[str, Any]:
    """mean, sample std (ddof=1; 0 with one seed), min and max of the defined values."""
    xs = np.array([v for v in values if v is not None], dtype=np.float64)
    if xs.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0}
    return {
        "mean": float(xs.mean()),
        "std": float(xs.std(ddof=1)) if xs.size > 1 else 0.0,
        "min": float(xs.min()),
        "max": float(xs.max()),
        "n": int(xs.size),
    }


def _delta_correlation(tables: Mapping[int, ScoreTable]) -> dict[str, Any] | None:
    """Pairwise Pearson and Spearman correlation of the seeds' deltas on the pairs they share."""
    seeds = sorted(tables)
    if len(seeds) < 2:
        return None
    common = set(tables[seeds[0]].ids)
    for s in seeds[1:]:
        common &= set(tables[s].ids)
    ids = sorted(common)
    if len(ids) < 3:
        return {"n_common": len(ids), "pearson": None, "spearman": None}
    cols = []
    for s in seeds:
        t = tables[s]
        pos = {rid: i for i, rid in enumerate(t.ids)}
        cols.append(t.delta[[pos[r] for r in ids]])
    mat = np.vstack(cols)
    out: dict[str, Any] = {"n_common": len(ids), "seeds": seeds}
    k = len(seeds)
    for name in ("pearson", "spearman"):
        m = np.eye(k)
        for i in range(k):
            for j in range(i + 1, k):
                a, b = mat[i], mat[j]
                if np.all(a == a[0]) or np.all(b == b[0]):
                    r = float("nan")
                elif name == "pearson":
                    r = float(stats.pearsonr(a, b).statistic)
                else:
                    r = float(stats.spearmanr(a, b).statistic)
                m[i, j] = m[j, i] = r
        off = m[~np.eye(k, dtype=bool)]
        out[name] = {
            "matrix": [[finite_or_none(x) for x in row] for row in m],
            "mean_offdiag": finite_or_none(np.nanmean(off)) if np.isfinite(off).any() else None,
            "min_offdiag": finite_or_none(np.nanmin(off)) if np.isfinite(off).any() else None,
        }
    return out


def aggregate(
    seeds: Mapping[int, Mapping[str, Any]],
    *,
    rows: Mapping[int, ScoreTable | Sequence[Mapping[str, Any]]] | None = None,
    targets: Targets | None = None,
) -> dict[str, Any]:
    """Combine per-seed :func:`compute_metrics` outputs.

    ``rows`` (seed -> score table) enables the cross-seed correlation of deltas. ``targets``
    defaults to the targets recorded in the seeds' verdicts.
    """
    if not seeds:
        raise ValueError("aggregate() needs the metrics of at least one seed")
    order = sorted(seeds)
    if targets is None:
        t = seeds[order[0]].get("verdict", {}).get("targets", {})
        targets = Targets(
            overall=float(t.get("overall", Targets.overall)),
            per_category=float(t.get("per_category", Targets.per_category)),
        )
    per_seed: list[dict[str, Any]] = []
    categories: list[str] = []
    for s in order:
        m = seeds[s]
        acc = m["accuracy"]
        v = m["verdict"]
        cats = {c: b["accuracy"]["strict"] for c, b in m.get("per_category", {}).items()}
        for c in cats:
            if c not in categories:
                categories.append(c)
        per_seed.append(
            {
                "seed": s,
                "n": m.get("n"),
                "strict": acc["strict"],
                "strict_ci": acc.get("strict_ci"),
                "ties_half": acc["ties_half"],
                "tie_rate": acc["tie_rate"],
                "bt_loss": m.get("calibration", {}).get("bt_loss"),
                "ece": m.get("calibration", {}).get("ece"),
                "ece_tempered": (m.get("calibration_tempered") or {}).get("ece"),
                "temperature": (m.get("calibration_tempered") or {}).get("temperature"),
                "categories": cats,
                "category_ci": {
                    c: b["accuracy"].get("strict_ci") for c, b in m.get("per_category", {}).items()
                },
                "meets_targets": bool(v["meets_targets"]),
                "degenerate": bool(v.get("degenerate", False)),
                "pass": bool(v.get("pass", v["meets_targets"])),
                "failing": list(v.get("failing", [])),
            }
        )
    categories.sort()
    overall = {
        key: _spread([p[key] for p in per_seed])
        for key in ("strict", "ties_half", "tie_rate", "bt_loss", "ece", "ece_tempered")
    }
    per_category: dict[str, Any] = {}
    for c in categories:
        vals = {p["seed"]: p["categories"].get(c) for p in per_seed}
        block = _spread(list(vals.values()))
        defined = {s: v for s, v in vals.items() if v is not None}
        block["worst_seed"] = min(defined, key=lambda s: defined[s]) if defined else None
        per_category[c] = block
    worst = min(per_seed, key=lambda p: (p["strict"], p["seed"]))
    tables = {s: as_table(r) for s, r in rows.items()} if rows else {}
    passing = [p["seed"] for p in per_seed if p["pass"]]
    failing = [p["seed"] for p in per_seed if not p["pass"]]
    return {
        "n_seeds": len(order),
        "seeds": order,
        "per_seed": per_seed,
        "overall": overall,
        "per_category": per_category,
        "worst_seed": {
            "seed": worst["seed"],
            "strict": worst["strict"],
            "why": "lowest strict overall accuracy",
        },
        "delta_correlation": _delta_correlation(tables) if tables else None,
        "verdict": {
            "targets": targets.to_dict(),
            "rule": "every seed must meet the targets and none may be degenerate",
            "pass": not failing,
            "meets_targets": all(p["meets_targets"] for p in per_seed),
            "seeds_passing": passing,
            "seeds_failing": failing,
            "degenerate_seeds": [p["seed"] for p in per_seed if p["degenerate"]],
        },
    }
