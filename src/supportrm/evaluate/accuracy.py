"""Accuracy with ties, bootstrap intervals and calibration of a reward margin: the primitives every
other evaluation module (metrics, degenerate-model checks, ensembles, baselines) builds on, so
that a tie or a confidence interval means the same thing everywhere (docs/metrics.md).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special, stats

#: |chosen_score - rejected_score| below this is a tie (the model expressed no preference).
TIE_EPS = 1e-6
#: The minimum number of bootstrap resamples we accept: fewer gives visibly jumpy 95% intervals.
MIN_BOOTSTRAP = 2000
#: Number of equal-width bins of the reliability diagram / ECE.
N_CALIBRATION_BINS = 10


def finite_or_none(x: Any) -> float | None:
    """JSON-safe float: NaN/inf/None become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow for large |x|)."""
    out: np.ndarray = np.asarray(special.expit(np.asarray(x, dtype=np.float64)))
    return out


def correct_and_ties(delta: np.ndarray, tie_eps: float = TIE_EPS) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: ``correct`` (chosen scored higher, not a tie) and ``tie`` (|delta| < tie_eps)."""
    delta = np.asarray(delta, dtype=np.float64)
    tie = np.abs(delta) < tie_eps
    correct = (delta > 0) & ~tie
    return correct, tie


def accuracy_three_ways(delta: np.ndarray, tie_eps: float = TIE_EPS) -> dict[str, Any]:
    """Strict accuracy (ties wrong), accuracy with ties as 0.5, and the tie rate. Never ties=right."""
    correct, tie = correct_and_ties(delta, tie_eps)
    n = int(correct.size)
    if n == 0:
        return {"n": 0, "strict": None, "ties_half": None, "tie_rate": None, "n_ties": 0}
    return {
        "n": n,
        "strict": float(correct.mean()),
        "ties_half": float((correct + 0.5 * tie).mean()),
        "tie_rate": float(tie.mean()),
        "n_ties": int(tie.sum()),
    }


def _bootstrap_kwargs(seed: int) -> dict[str, Any]:
    # scipy >= 1.15 names the generator ``rng``; older versions call it ``random_state``.
    params = inspect.signature(stats.bootstrap).parameters
    key = "rng" if "rng" in params else "random_state"
    return {key: np.random.default_rng(seed)}


def _percentile_ci(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., Any],
    n_resamples: int,
    confidence: float,
    seed: int,
    *,
    paired: bool = False,
) -> tuple[float, float]:
    """The one ``scipy.stats.bootstrap`` call of the package (percentile, vectorised, seeded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            samples,
            statistic,
            paired=paired,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            axis=-1,
            **_bootstrap_kwargs(seed),
        )
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def bootstrap_ci(
    values: np.ndarray,
    *,
    statistic: Callable[..., Any] = np.mean,
    n_resamples: int = MIN_BOOTSTRAP,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of ``statistic`` over pairs (each pair is one resampling unit).

    Uses :func:`scipy.stats.bootstrap` (percentile method: BCa is undefined for the all-correct
    samples that small categories often produce). ``None`` when fewer than two pairs.
    """
    if n_resamples < MIN_BOOTSTRAP:
        raise ValueError(f"n_bootstrap must be >= {MIN_BOOTSTRAP} (got {n_resamples})")
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return None
    if np.all(values == values[0]):
        # Every resample is identical; scipy warns about degenerate data, the answer is exact.
        v = float(statistic(values))
        return (v, v)
    return _percentile_ci((values,), statistic, n_resamples, confidence, seed)


def cluster_bootstrap_ci(
    values: np.ndarray,
    groups: Sequence[str],
    *,
    n_resamples: int = MIN_BOOTSTRAP,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean of ``values`` resampling whole **groups**
    (conversations): pairs of one conversation are not independent, so resampling them one by
    one makes the interval too narrow. The statistic is sum(values) / count over the drawn groups.
    """
    values = np.asarray(values, dtype=np.float64)
    keys, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    if keys.size < 2:
        return None
    sums = np.bincount(inverse, weights=values, minlength=keys.size)
    counts = np.bincount(inverse, minlength=keys.size).astype(np.float64)
    if np.all(values == values[0]):
        v = float(values[0])
        return (v, v)

    def ratio(s: np.ndarray, c: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(s.sum(axis=axis) / c.sum(axis=axis))

    return _percentile_ci((sums, counts), ratio, n_resamples, confidence, seed, paired=True)


def accuracy_block(
    delta: np.ndarray,
    *,
    n_bootstrap: int,
    seed: int,
    tie_eps: float = TIE_EPS,
    groups: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Accuracy three ways plus 95% bootstrap CIs of strict and ties-half accuracy.

    ``groups`` (one conversation id per pair): when some conversation holds several pairs, the
    CIs resample conversations (:func:`cluster_bootstrap_ci`); otherwise pairs."""
    out = accuracy_three_ways(delta, tie_eps)
    correct, tie = correct_and_ties(delta, tie_eps)
    clustered = groups is not None and len(set(groups)) < len(groups)

    def ci(values: np.ndarray) -> tuple[float, float] | None:
        if clustered and groups is not None:
            return cluster_bootstrap_ci(values, groups, n_resamples=n_bootstrap, seed=seed)
        return bootstrap_ci(values, n_resamples=n_bootstrap, seed=seed)

    ci_strict = ci(correct.astype(np.float64))
    ci_half = ci(correct + 0.5 * tie)
    out["strict_ci"] = list(ci_strict) if ci_strict else None
    out["ties_half_ci"] = list(ci_half) if ci_half else None
    out["ci_unit"] = "conversation" if clustered else "pair"
    return out


# --------------------------------------------------------------------------------------------
# calibration


def symmetrised(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both orientations of every pair: P(first preferred) and the 0/1 outcome.

    Every held-out label says "chosen won", so calibration on the raw orientation would reward
    an over-confident model; presenting each pair both ways (delta, 1) and (-delta, 0) is the
    standard fix and makes the reliability curve symmetric about 0.5.
    """
    delta = np.asarray(delta, dtype=np.float64)
    prob = sigmoid(np.concatenate([delta, -delta]))
    label = np.concatenate([np.ones_like(delta), np.zeros_like(delta)])
    return prob, label


def reliability_bins(
    prob: np.ndarray, label: np.ndarray, n_bins: int = N_CALIBRATION_BINS
) -> list[dict[str, Any]]:
    """Equal-width bins on [0, 1]; a bin is (lower, upper], the first also holds 0 (as sklearn's
    ``calibration_curve``). Per bin: count, mean predicted probability, observed frequency."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], prob, side="left")
    out = []
    for b in range(n_bins):
        m = ids == b
        cnt = int(m.sum())
        out.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "count": cnt,
                "mean_predicted": float(prob[m].mean()) if cnt else None,
                "observed": float(label[m].mean()) if cnt else None,
            }
        )
    return out


def expected_calibration_error(
    prob: np.ndarray, label: np.ndarray, n_bins: int = N_CALIBRATION_BINS
) -> float:
    """ECE = sum over bins of (bin count / N) * |observed frequency - mean predicted|."""
    total = prob.size
    ece = 0.0
    for b in reliability_bins(prob, label, n_bins):
        if b["count"]:
            ece += b["count"] / total * abs(b["observed"] - b["mean_predicted"])
    return float(ece)


def calibration(delta: np.ndarray, n_bins: int = N_CALIBRATION_BINS) -> dict[str, Any]:
    """ECE, Brier score and reliability-curve data of P(chosen) = sigmoid(delta)."""
    if np.asarray(delta).size == 0:
        return {"n": 0}
    prob, label = symmetrised(delta)
    p_chosen = sigmoid(np.asarray(delta, dtype=np.float64))
    return {
        "n": int(np.asarray(delta).size),
        "ece": expected_calibration_error(prob, label, n_bins),
        "brier": float(np.mean((prob - label) ** 2)),
        "bt_loss": float(np.mean(np.logaddexp(0.0, -np.asarray(delta, dtype=np.float64)))),
        "mean_p_chosen": float(p_chosen.mean()),
        "n_bins": n_bins,
        "reliability": reliability_bins(prob, label, n_bins),
    }
