"""Degenerate-reward-model detector: explicit rules with thresholds that fail loudly.

A reward model can reach a plausible-looking accuracy while being useless for RLHF: it scores
every reply the same (ties), it collapsed during training, it is noise, or it is constant inside
one category. Each rule below is stated in words, with its threshold, and reported whether it
fired or not, so the report can show exactly why a model was rejected. ``supportrm eval
--strict`` exits non-zero and the report shows a red banner when any rule fires.

Rules (defaults in :class:`Thresholds`, all documented in ``docs/metrics.md``):

``score_std``         std of all held-out rewards (chosen and rejected pooled) < ``min_score_std``
``tie_rate``          share of pairs with |delta| < tie_eps > ``max_tie_rate`` (5%)
``loss_near_chance``  held-out Bradley-Terry loss >= ln 2 - ``loss_margin`` (0.005): no better
                      than a model that outputs a constant (which scores exactly ln 2)
``chance_accuracy``   the 95% bootstrap CI of accuracy (ties = 0.5) contains 0.5
``category_constant`` some category (n >= ``min_category_n``) has reward std < ``min_score_std``
                      or tie rate > ``max_tie_rate``: near-constant scores in that category
``collapse``          over the training history up to the kept checkpoint, the dev score
                      std at the kept checkpoint is below
                      ``collapse_ratio`` x its peak, or below ``min_score_std``
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from supportrm.evaluate.accuracy import TIE_EPS, accuracy_block, calibration, correct_and_ties
from supportrm.evaluate.scoretable import ScoreTable, as_table

LN2 = math.log(2.0)


@dataclass(frozen=True)
class Thresholds:
    min_score_std: float = 1e-3
    max_tie_rate: float = 0.05
    loss_margin: float = 0.005
    min_category_n: int = 10
    collapse_ratio: float = 0.25
    min_history_points: int = 2


@dataclass
class Check:
    name: str
    rule: str
    fired: bool
    value: Any = None
    threshold: Any = None
    detail: str = ""
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DegenerateReport:
    checks: list[Check] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def degenerate(self) -> bool:
        return any(c.fired for c in self.checks)

    @property
    def fired(self) -> list[Check]:
        return [c for c in self.checks if c.fired]

    def summary(self) -> str:
        if not self.degenerate:
            return "no degenerate-model rule fired"
        return "; ".join(f"{c.name}: {c.detail}" for c in self.fired)

    def to_dict(self) -> dict[str, Any]:
        return {
            "degenerate": self.degenerate,
            "fired": [c.name for c in self.fired],
            "summary": self.summary(),
            "thresholds": asdict(self.thresholds),
            "checks": [c.to_dict() for c in self.checks],
        }


def history_until(history: Sequence[dict[str, Any]], kept_step: int) -> list[dict[str, Any]]:
    """The evaluations up to the kept checkpoint: the collapse rule judges the model kept."""
    return [h for h in history if h.get("step", 0) <= kept_step]


def _history_stds(history: Sequence[Mapping[str, Any]] | None) -> list[tuple[Any, float]]:
    out = []
    for h in history or ():
        v = h.get("score_std")
        if v is None:
            continue
        v = float(v)
        if math.isfinite(v):
            out.append((h.get("step"), v))
    return out


def check(
    rows: ScoreTable | Sequence[Mapping[str, Any]],
    *,
    history: Sequence[Mapping[str, Any]] | None = None,
    thresholds: Thresholds | None = None,
    metrics: Mapping[str, Any] | None = None,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> DegenerateReport:
    """Run every rule on a score table (and the training history, when given).

    ``metrics`` may carry already-computed accuracy/calibration blocks (from
    :func:`compute_metrics`) to avoid recomputing the bootstrap.
    """
    th = thresholds or Thresholds()
    table = as_table(rows)
    delta = table.delta
    rep = DegenerateReport(thresholds=th)
    checks = rep.checks

    pooled = np.concatenate([table.chosen, table.rejected])
    std = float(pooled.std()) if pooled.size else 0.0
    checks.append(
        Check(
            "score_std",
            f"std of all held-out rewards < {th.min_score_std:g}",
            std < th.min_score_std,
            std,
            th.min_score_std,
            f"reward std {std:.3g} (threshold {th.min_score_std:g})",
        )
    )

    _, tie = correct_and_ties(delta, TIE_EPS)
    tie_rate = float(tie.mean()) if tie.size else 0.0
    checks.append(
        Check(
            "tie_rate",
            f"share of pairs with |delta| < {TIE_EPS:g} > {th.max_tie_rate:.0%}",
            tie_rate > th.max_tie_rate,
            tie_rate,
            th.max_tie_rate,
            f"{tie_rate:.1%} of pairs are ties (threshold {th.max_tie_rate:.0%})",
        )
    )

    cal = metrics.get("calibration") if metrics else None
    loss = float(cal["bt_loss"]) if cal and "bt_loss" in cal else calibration(delta)["bt_loss"]
    bar = LN2 - th.loss_margin
    checks.append(
        Check(
            "loss_near_chance",
            f"held-out BT loss >= ln 2 - {th.loss_margin:g} (= {bar:.4f}); a constant scores ln 2",
            loss >= bar,
            loss,
            bar,
            f"held-out loss {loss:.4f} vs ln 2 = {LN2:.4f}",
        )
    )

    acc = metrics.get("accuracy") if metrics else None
    if not acc or "ties_half_ci" not in acc:
        acc = accuracy_block(delta, n_bootstrap=n_bootstrap, seed=seed)
    ci = acc.get("ties_half_ci")
    if ci is None:
        checks.append(
            Check(
                "chance_accuracy",
                "95% CI of accuracy (ties = 0.5) contains 0.5",
                False,
                detail="fewer than 2 pairs",
                skipped=True,
            )
        )
    else:
        fired = ci[0] <= 0.5 <= ci[1]
        checks.append(
            Check(
                "chance_accuracy",
                "95% CI of accuracy (ties = 0.5) contains 0.5",
                fired,
                ci,
                0.5,
                f"accuracy {acc['ties_half']:.3f}, 95% CI [{ci[0]:.3f}, {ci[1]:.3f}]",
            )
        )

    bad: list[str] = []
    per_cat: dict[str, Any] = {}
    labels = table.category_labels
    for cat in table.category_names():
        m = labels == cat
        n = int(m.sum())
        if n < th.min_category_n:
            continue
        s = float(np.concatenate([table.chosen[m], table.rejected[m]]).std())
        tr = float(tie[m].mean())
        per_cat[cat] = {"n": n, "std": s, "tie_rate": tr}
        if s < th.min_score_std or tr > th.max_tie_rate:
            bad.append(cat)
    label = "categories" if table.has_categories else "the data (no categories)"
    checks.append(
        Check(
            "category_constant",
            f"in some category with n >= {th.min_category_n}: reward std < {th.min_score_std:g} "
            f"or tie rate > {th.max_tie_rate:.0%}",
            bool(bad),
            per_cat,
            {"min_score_std": th.min_score_std, "max_tie_rate": th.max_tie_rate},
            (
                "near-constant rewards in " + ", ".join(bad)
                if bad
                else f"rewards vary within all {len(per_cat)} checked {label}"
            ),
            skipped=not per_cat,
        )
    )

    stds = _history_stds(history)
    if len(stds) < th.min_history_points:
        checks.append(
            Check(
                "collapse",
                f"kept checkpoint's dev score std < {th.collapse_ratio:g} x peak over training",
                False,
                detail=f"needs >= {th.min_history_points} evaluations with score_std in the "
                f"history (got {len(stds)})",
                skipped=True,
            )
        )
    else:
        peak_step, peak = max(stds, key=lambda t: t[1])
        last_step, last = stds[-1]
        fired = last < th.collapse_ratio * peak or last < th.min_score_std
        checks.append(
            Check(
                "collapse",
                f"kept checkpoint's dev score std < {th.collapse_ratio:g} x peak over training",
                fired,
                {"last": last, "peak": peak, "last_step": last_step, "peak_step": peak_step},
                th.collapse_ratio,
                f"score std {last:.3g} at step {last_step} vs peak {peak:.3g} at step {peak_step}",
            )
        )
    return rep
