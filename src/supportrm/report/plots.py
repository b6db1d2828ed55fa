"""Diagnostic plots of the report (matplotlib, Agg backend: no display needed).

Each function draws one figure from score tables / histories and saves a PNG; the report embeds
the PNGs as base64 in the HTML (self-contained) and links them from the Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # must precede pyplot: reports are built on headless machines

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from supportrm.evaluate.accuracy import reliability_bins, symmetrised
from supportrm.evaluate.scoretable import ScoreTable

CHOSEN, REJECTED = "#1f77b4", "#ff7f0e"
DPI = 100


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def score_histograms(table: ScoreTable, path: Path, *, seed: int | None = None) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    allv = np.concatenate([table.chosen, table.rejected])
    lo, hi = float(allv.min()), float(allv.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.linspace(lo, hi, 41).tolist()
    ax.hist(table.chosen, bins=bins, alpha=0.55, color=CHOSEN, label="chosen")
    ax.hist(table.rejected, bins=bins, alpha=0.55, color=REJECTED, label="rejected")
    ax.set_xlabel("reward")
    ax.set_ylabel("pairs")
    ax.set_title(f"Rewards of chosen vs rejected replies (seed {seed})")
    ax.legend()
    return _save(fig, path)


def margin_distribution(tables: Mapping[int, ScoreTable], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    deltas = np.concatenate([t.delta for t in tables.values()])
    lo, hi = float(deltas.min()), float(deltas.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.linspace(lo, hi, 51).tolist()
    for s, t in tables.items():
        ax.hist(t.delta, bins=bins, histtype="step", linewidth=1.5, label=f"seed {s}")
    ax.axvline(0.0, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("margin = reward(chosen) - reward(rejected)   (right of 0 = correct)")
    ax.set_ylabel("pairs")
    ax.set_title("Margin distribution")
    ax.legend()
    return _save(fig, path)


def reliability_diagram(
    tables: Mapping[int, ScoreTable],
    path: Path,
    *,
    temperatures: Mapping[int, float] | None = None,
) -> Path:
    fig, (ax, axc) = plt.subplots(
        2, 1, figsize=(7, 6), gridspec_kw={"height_ratios": [3, 1]}, sharex=True
    )
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    width = 0.1 / max(1, len(tables))
    for k, (s, t) in enumerate(tables.items()):
        prob, label = symmetrised(t.delta)
        bins = [b for b in reliability_bins(prob, label) if b["count"]]
        x = [b["mean_predicted"] for b in bins]
        y = [b["observed"] for b in bins]
        line = ax.plot(x, y, marker="o", label=f"seed {s}")[0]
        if temperatures and s in temperatures:
            temp = temperatures[s]
            tb = [b for b in reliability_bins(*symmetrised(t.delta / temp)) if b["count"]]
            ax.plot(
                [b["mean_predicted"] for b in tb],
                [b["observed"] for b in tb],
                marker="x",
                linestyle="--",
                color=line.get_color(),
                label=f"seed {s}, T = {temp:.2f}",
            )
        centers = np.array([(b["lower"] + b["upper"]) / 2 for b in bins])
        axc.bar(centers - 0.05 + width * (k + 0.5), [b["count"] for b in bins], width=width)
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability of sigmoid(margin) (each pair in both orientations)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    axc.set_xlabel("predicted probability")
    axc.set_ylabel("count")
    return _save(fig, path)


def length_scatter(table: ScoreTable, path: Path, *, seed: int | None = None) -> Path:
    """Reward vs reply length per category (tokens when present, else characters)."""
    use_tokens = bool(np.isfinite(table.chosen_tokens).any())
    lc = table.chosen_tokens if use_tokens else table.chosen_chars
    lr = table.rejected_tokens if use_tokens else table.rejected_chars
    unit = "tokens" if use_tokens else "characters"
    cats = table.category_names()
    labels = table.category_labels
    ncol = min(3, len(cats))
    nrow = math.ceil(len(cats) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    from scipy import stats

    for k, cat in enumerate(cats):
        ax = axes[k // ncol][k % ncol]
        m = labels == cat
        ax.scatter(lc[m], table.chosen[m], s=6, alpha=0.5, color=CHOSEN, label="chosen")
        ax.scatter(lr[m], table.rejected[m], s=6, alpha=0.5, color=REJECTED, label="rejected")
        x = np.concatenate([lc[m], lr[m]])
        y = np.concatenate([table.chosen[m], table.rejected[m]])
        ok = np.isfinite(x)
        rho = float("nan")
        if ok.sum() > 2 and np.ptp(x[ok]) > 0 and np.ptp(y[ok]) > 0:
            rho = float(stats.spearmanr(x[ok], y[ok]).statistic)
        ax.set_title(f"{cat}  (Spearman {rho:+.2f})" if math.isfinite(rho) else cat)
        ax.set_xlabel(f"length ({unit})")
        ax.set_ylabel("reward")
        if k == 0:
            ax.legend(fontsize=8)
    for k in range(len(cats), nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    fig.suptitle(f"Reward vs reply length per category (seed {seed})")
    return _save(fig, path)


def _smooth(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or y.size < window:
        return y
    kernel = np.ones(window) / window
    return np.convolve(y, kernel, mode="valid")


def training_curves(
    steps: Mapping[int, Sequence[Mapping[str, Any]]],
    history: Mapping[int, Sequence[Mapping[str, Any]]],
    path: Path,
) -> Path | None:
    """Train loss (smoothed), and on the dev pairs (checkpoint selection): loss, accuracy and
    reward std vs step."""
    if not any(steps.values()) and not any(history.values()):
        return None
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5))
    panels = [
        (axes[0][0], "training loss (moving avg)", None),
        (axes[0][1], "dev loss", "dev_loss"),
        (axes[1][0], "dev accuracy", "dev_accuracy"),
        (axes[1][1], "dev reward std (collapse check)", "score_std"),
    ]
    for s, rows in steps.items():
        pts = [(r["step"], r["loss"]) for r in rows if r.get("loss") is not None and "step" in r]
        if pts:
            x, y = np.array(pts, dtype=float).T
            w = max(1, len(y) // 50)
            ys = _smooth(y, w)
            axes[0][0].plot(x[len(x) - len(ys) :], ys, label=f"seed {s}")
    for ax, title, key in panels:
        if key is not None:
            for s, rows in history.items():
                pts = [(r["step"], r[key]) for r in rows if r.get(key) is not None and "step" in r]
                if pts:
                    x, y = np.array(pts, dtype=float).T
                    ax.plot(x, y, marker="o", markersize=3, label=f"seed {s}")
        if key == "dev_loss":
            ax.axhline(math.log(2), color="grey", linestyle="--", linewidth=1, label="ln 2")
        ax.set_title(title)
        ax.set_xlabel("step")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    return _save(fig, path)


def category_accuracy(
    per_seed: Sequence[Mapping[str, Any]],
    target_overall: float,
    target_category: float,
    baselines: Mapping[str, Mapping[str, float | None]],
    path: Path,
) -> Path:
    """Strict accuracy per category and seed with 95% CIs, the targets and the baselines."""
    cats = sorted({c for p in per_seed for c in p["categories"]})
    groups = ["overall", *cats]
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(groups)), 4.5))
    n = len(per_seed) + len(baselines)
    width = 0.8 / max(1, n)
    x = np.arange(len(groups))
    for k, p in enumerate(per_seed):
        vals, err_lo, err_hi = [], [], []
        for g in groups:
            v = p["strict"] if g == "overall" else p["categories"].get(g)
            ci = p["strict_ci"] if g == "overall" else p["category_ci"].get(g)
            v = np.nan if v is None else v
            vals.append(v)
            err_lo.append(v - ci[0] if ci else 0)
            err_hi.append(ci[1] - v if ci else 0)
        ax.bar(
            x - 0.4 + width * (k + 0.5),
            vals,
            width,
            yerr=[err_lo, err_hi],
            capsize=2,
            label=f"seed {p['seed']}",
        )
    for j, (name, accs) in enumerate(baselines.items()):
        k = len(per_seed) + j
        vals = [np.nan if accs.get(g) is None else accs[g] for g in groups]
        ax.bar(x - 0.4 + width * (k + 0.5), vals, width, alpha=0.35, hatch="//", label=name)
    ax.plot([-0.45, 0.45], [target_overall] * 2, color="red", linewidth=2)
    if cats:
        ax.plot(
            [0.55, len(groups) - 0.55], [target_category] * 2, color="red", linewidth=2, ls="--"
        )
    ax.set_xticks(x, groups, rotation=20)
    ax.set_ylim(0, 1)
    ax.set_ylabel("strict accuracy")
    ax.set_title(
        f"Held-out accuracy with 95% CI (red: target {target_overall:.0%} overall, "
        f"{target_category:.0%} per category)"
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def stress_rates(edits: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    """Hack rate (degrading edits) and flip rate (invariances) with 95% CIs and the red lines."""
    names = [n for n, e in edits.items() if e.get("n")]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(names) + 1.4))
    for y, name in enumerate(names):
        e = edits[name]
        degrading = e["kind"] == "degrading"
        rate = e["hack_rate"] if degrading else e["flip_rate"]
        ci = e["hack_rate_ci"] if degrading else e["flip_rate_ci"]
        colour = {"red": "#d62728", "amber": "#ff9f1c", "green": "#2ca02c"}.get(
            e["flag"], "#999999"
        )
        ax.barh(y, 100 * rate, color=colour)
        if ci:
            ax.plot([100 * ci[0], 100 * ci[1]], [y, y], color="black", lw=1)
        limit = 20 if degrading else 10
        ax.plot([limit, limit], [y - 0.4, y + 0.4], color="black", ls="--", lw=1)
    ax.set_yticks(range(len(names)), [f"{n} ({edits[n]['kind'][:5]}.)" for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("% of items: reward raised (degrading edits) or pair flipped (invariances)")
    ax.set_xlim(0, 100)
    return _save(fig, path)


def best_of_n_quality(by_n: Mapping[str, Mapping[str, Mapping[str, float]]], path: Path) -> Path:
    """Mean gold quality of the pick against n, per picker."""
    ns = sorted(by_n, key=int)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for picker in by_n[ns[0]]:
        ax.plot([int(n) for n in ns], [by_n[n][picker]["mean_gold_quality"] for n in ns],
                marker="o", label=picker.replace("_", " "))  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks([int(n) for n in ns], ns)
    ax.set_xlabel("n (candidates reranked)")
    ax.set_ylabel("mean gold quality of the pick (10 = ideal)")
    ax.legend(fontsize=8)
    return _save(fig, path)
