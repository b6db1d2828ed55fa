"""Temperature scaling: one scalar per model, fitted on the dev pairs, so that
``P(a ≻ b) = sigmoid((r_a - r_b) / T)`` reads as a probability.

Fitted on dev only (the pairs that chose the checkpoint), never on the held-out pairs it is
judged on. Dividing every margin by one positive number is monotone: accuracy, ties and rankings
are unchanged; only ECE, Brier and the BT loss move. Stored in the checkpoint's
``supportrm.json`` under ``temperature``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from supportrm.evaluate.accuracy import calibration

META_FILE = "supportrm.json"
KEY = "temperature"
# Bounds on log T: a dev set with every margin of one sign would push T to 0 or infinity.
LOG_T_BOUNDS = (np.log(1e-2), np.log(1e2))


def bt_nll(delta: np.ndarray, temperature: float) -> float:
    """Mean Bradley-Terry negative log-likelihood of "chosen wins" at margin ``delta / T``."""
    return float(np.mean(np.logaddexp(0.0, -np.asarray(delta, dtype=np.float64) / temperature)))


def fit_temperature(delta: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """The temperature minimising the BT log-loss of the dev margins."""
    d = np.asarray(delta, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size < 2 or not np.any(d):
        raise ValueError(f"fit_temperature: needs >= 2 finite, non-zero margins (got {d.size})")

    # One bounded scalar: Brent's method on log T (L-BFGS stalls on the flat tail of a
    # one-sided dev set, where the loss keeps falling by 1e-13 towards the bound).
    res = minimize_scalar(
        lambda log_t: bt_nll(d, float(np.exp(log_t))),
        bounds=LOG_T_BOUNDS,
        method="bounded",
        options={"xatol": 1e-9},
    )
    log_t = float(res.x)
    t = float(np.exp(log_t))
    return {
        "value": t,
        "fitted_on": "dev",
        "n_pairs": int(d.size),
        "bt_loss_before": bt_nll(d, 1.0),
        "bt_loss_after": bt_nll(d, t),
        # Every dev margin of one sign has no finite optimum: T sits at a bound, and the
        # probabilities it gives are as extreme as the bound allows. Use more dev pairs.
        "at_bound": bool(min(abs(log_t - b) for b in LOG_T_BOUNDS) < 1e-4),
        "usage": "P(a beats b) = sigmoid((reward_a - reward_b) / value)",
    }


def tempered_calibration(delta: np.ndarray, temperature: float) -> dict[str, Any]:
    """ECE, Brier and BT loss of ``sigmoid(delta / T)`` (the same pairs, both orientations)."""
    out = calibration(np.asarray(delta, dtype=np.float64) / temperature)
    out["temperature"] = temperature
    return out


def load_temperature(checkpoint_dir: str | Path) -> float | None:
    """The stored temperature, or None for a checkpoint that has none (then T = 1)."""
    path = Path(checkpoint_dir) / META_FILE
    if not path.exists():
        return None
    fit = json.loads(path.read_text(encoding="utf-8")).get(KEY)
    return float(fit["value"]) if isinstance(fit, dict) and "value" in fit else None
