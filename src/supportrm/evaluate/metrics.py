"""Metrics of a reward model on a held-out score table. Every number is defined in ``docs/metrics.md``.

Pure numpy/scipy on the score table (no model): accuracy three ways, bootstrap confidence
intervals, score distributions, calibration of ``sigmoid(delta)``, length bias, the per-category
verdict against the user's targets, error analysis and accuracy by annotator agreement.

The output of :func:`compute_metrics` is a JSON-ready dict (plain floats; ``None`` for undefined
values such as a correlation on constant input) so it can be written to ``metrics.json`` as-is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from supportrm.data.schema import NO_CATEGORY
from supportrm.evaluate import degenerate
from supportrm.evaluate.accuracy import (
    MIN_BOOTSTRAP,
    N_CALIBRATION_BINS,
    TIE_EPS,
    accuracy_block,
    accuracy_three_ways,
    bootstrap_ci,
    calibration,
    correct_and_ties,
    expected_calibration_error,
    finite_or_none,
    reliability_bins,
    sigmoid,
    symmetrised,
)
from supportrm.evaluate.scoretable import ScoreTable, as_table

__all__ = [
    "MIN_BOOTSTRAP",
    "N_CALIBRATION_BINS",
    "TIE_EPS",
    "Targets",
    "accuracy_block",
    "accuracy_three_ways",
    "bootstrap_ci",
    "calibration",
    "compute_metrics",
    "correct_and_ties",
    "expected_calibration_error",
    "reliability_bins",
    "sigmoid",
    "symmetrised",
]

#: Bins for the chosen-vs-rejected histogram-overlap coefficient.
N_OVERLAP_BINS = 50
#: Characters kept per text field in error examples (metrics.json stays readable).
MAX_EXAMPLE_CHARS = 1200
#: Annotator-agreement buckets: [lower, upper) with the last one closed.
AGREEMENT_EDGES = (0.0, 0.6, 0.8, 1.0)

METRICS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Targets:
    """The user's bar: strict overall accuracy must exceed ``overall`` and every category's strict
    accuracy must be at least ``per_category``."""

    overall: float = 0.72
    per_category: float = 0.65

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = asdict(self)
        d["rule"] = (
            f"strict accuracy > {self.overall:.0%} overall and >= {self.per_category:.0%} "
            "in every category"
        )
        return d


# --------------------------------------------------------------------------------------------
# small helpers


# --------------------------------------------------------------------------------------------
# score distributions


def n_distinct(x: np.ndarray, resolution: float = TIE_EPS) -> int:
    """Number of distinct values at ``resolution`` (values closer than that count as one)."""
    if x.size == 0:
        return 0
    return int(np.unique(np.round(np.asarray(x, dtype=np.float64) / resolution)).size)


def describe(x: np.ndarray) -> dict[str, Any]:
    """mean, std (population), min, 5/25/50/75/95% quantiles, max and number of distinct values."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return {"n": 0}
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "n": int(x.size),
        "mean": float(x.mean()),
        "std": float(x.std()),
        "min": float(x.min()),
        "q05": float(q[0]),
        "q25": float(q[1]),
        "median": float(q[2]),
        "q75": float(q[3]),
        "q95": float(q[4]),
        "max": float(x.max()),
        "n_distinct": n_distinct(x),
    }


def histogram_overlap(a: np.ndarray, b: np.ndarray, bins: int = N_OVERLAP_BINS) -> float | None:
    """Overlap coefficient of two histograms on shared bins: sum over bins of min(p_a, p_b).

    1.0 = the chosen and rejected rewards are distributed identically (the model does not
    separate them); 0.0 = no overlap at all.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return None
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    if hi - lo < TIE_EPS:
        return 1.0
    edges = np.linspace(lo, hi, bins + 1)
    pa = np.histogram(a, edges)[0] / a.size
    pb = np.histogram(b, edges)[0] / b.size
    return float(np.minimum(pa, pb).sum())


def score_distribution(table: ScoreTable) -> dict[str, Any]:
    return {
        "chosen": describe(table.chosen),
        "rejected": describe(table.rejected),
        "delta": describe(table.delta),
        "all": describe(np.concatenate([table.chosen, table.rejected])),
        "histogram_overlap": finite_or_none(histogram_overlap(table.chosen, table.rejected)),
    }


# --------------------------------------------------------------------------------------------
# calibration


# --------------------------------------------------------------------------------------------
# length bias


def _spearman(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return {"rho": None, "p_value": None, "n": int(x.size)}
    res = stats.spearmanr(x, y)
    return {
        "rho": finite_or_none(res.statistic),
        "p_value": finite_or_none(res.pvalue),
        "n": int(x.size),
    }


def _lengths(table: ScoreTable, unit: str) -> tuple[np.ndarray, np.ndarray]:
    if unit == "tokens":
        return table.chosen_tokens, table.rejected_tokens
    return table.chosen_chars, table.rejected_chars


def _length_unit_for_split(table: ScoreTable) -> str:
    """Tokens when every row has them (that is what the model sees), otherwise characters."""
    if np.all(np.isfinite(table.chosen_tokens)) and np.all(np.isfinite(table.rejected_tokens)):
        return "tokens"
    return "chars"


def length_split(table: ScoreTable, tie_eps: float = TIE_EPS) -> dict[str, Any]:
    """Strict accuracy on pairs where the chosen reply is longer / shorter / the same length."""
    unit = _length_unit_for_split(table)
    lc, lr = _lengths(table, unit)
    correct, _ = correct_and_ties(table.delta, tie_eps)
    out: dict[str, Any] = {"unit": unit}
    for name, mask in (
        ("chosen_longer", lc > lr),
        ("chosen_shorter", lc < lr),
        ("same_length", lc == lr),
    ):
        n = int(mask.sum())
        out[name] = {"n": n, "accuracy": float(correct[mask].mean()) if n else None}
    a, b = out["chosen_longer"]["accuracy"], out["chosen_shorter"]["accuracy"]
    out["gap"] = (a - b) if a is not None and b is not None else None
    return out


def longer_wins(table: ScoreTable) -> dict[str, Any]:
    """The "pick the longer reply (characters)" rule on the same pairs; ties count 0.5 / wrong."""
    cc, rc = table.chosen_chars, table.rejected_chars
    if not (np.all(np.isfinite(cc)) and np.all(np.isfinite(rc))):
        cc, rc = table.chosen_tokens, table.rejected_tokens
    ok = np.isfinite(cc) & np.isfinite(rc)
    n = int(ok.sum())
    if n == 0:
        return {"n": 0, "strict": None, "ties_half": None}
    win = cc[ok] > rc[ok]
    same = cc[ok] == rc[ok]
    return {
        "n": n,
        "strict": float(win.mean()),
        "ties_half": float((win + 0.5 * same).mean()),
    }


def length_bias(table: ScoreTable, tie_eps: float = TIE_EPS) -> dict[str, Any]:
    """Spearman(reward, length) pooled over chosen and rejected replies, in tokens and characters;
    Spearman(delta, length difference); the longer/shorter accuracy split; longer-wins."""
    rewards = np.concatenate([table.chosen, table.rejected])
    out: dict[str, Any] = {}
    for unit in ("tokens", "chars"):
        lc, lr = _lengths(table, unit)
        out[f"spearman_reward_{unit}"] = _spearman(rewards, np.concatenate([lc, lr]))
        out[f"spearman_delta_{unit}_diff"] = _spearman(table.delta, lc - lr)
    out["split"] = length_split(table, tie_eps)
    out["longer_wins"] = longer_wins(table)
    return out


# --------------------------------------------------------------------------------------------
# error analysis and agreement


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        parts = []
        for m in value:
            if isinstance(m, Mapping):
                parts.append(f"{m.get('role', '?')}: {m.get('content', '')}")
            elif hasattr(m, "role"):
                parts.append(f"{m.role}: {m.content}")
            else:
                parts.append(str(m))
        return "\n".join(parts)
    return str(value)


def _reply(value: Any) -> str:
    """A reply may be a string or a one-message list (TRL conversational)."""
    if isinstance(value, list | tuple) and value:
        last = value[-1]
        if isinstance(last, Mapping):
            return str(last.get("content", ""))
    return _text(value)


def _clip(s: str) -> str:
    return s if len(s) <= MAX_EXAMPLE_CHARS else s[:MAX_EXAMPLE_CHARS] + " […]"


def pair_texts(pair: Any) -> dict[str, str]:
    """prompt/chosen/rejected text of a PreferencePair or of a raw record dict."""
    if isinstance(pair, Mapping):
        prompt, chosen, rejected = pair.get("prompt"), pair.get("chosen"), pair.get("rejected")
    else:
        prompt = getattr(pair, "prompt", None)
        chosen, rejected = getattr(pair, "chosen", None), getattr(pair, "rejected", None)
    return {
        "prompt": _clip(_text(prompt)),
        "chosen": _clip(_reply(chosen)),
        "rejected": _clip(_reply(rejected)),
    }


def confident_errors(
    table: ScoreTable,
    *,
    pairs: Mapping[str, Any] | None = None,
    top_k: int = 5,
    tie_eps: float = TIE_EPS,
) -> dict[str, Any]:
    """Per category, the ``top_k`` wrong pairs with the most negative delta (most confident)."""
    delta = table.delta
    labels = table.category_labels
    out: dict[str, Any] = {}
    for cat in table.category_names():
        idx = np.flatnonzero((labels == cat) & (delta <= -tie_eps))
        idx = idx[np.argsort(delta[idx], kind="stable")][:top_k]
        items = []
        for i in idx:
            item: dict[str, Any] = {
                "id": table.ids[i],
                "chosen_score": float(table.chosen[i]),
                "rejected_score": float(table.rejected[i]),
                "delta": float(delta[i]),
                "p_chosen": float(sigmoid(np.array([delta[i]]))[0]),
            }
            if pairs is not None and table.ids[i] in pairs:
                item.update(pair_texts(pairs[table.ids[i]]))
            items.append(item)
        out[cat] = items
    return out


def agreement_buckets(
    table: ScoreTable, *, n_bootstrap: int, seed: int, tie_eps: float = TIE_EPS
) -> dict[str, Any] | None:
    """Strict accuracy (with CI) by annotator-agreement bucket; ``None`` when no row has it."""
    ag = table.agreement
    present = np.isfinite(ag)
    if not present.any():
        return None
    edges = AGREEMENT_EDGES
    buckets: list[dict[str, Any]] = []
    for j in range(len(edges) - 1):
        lo, hi = edges[j], edges[j + 1]
        last = j == len(edges) - 2
        m = present & (ag >= lo) & ((ag <= hi) if last else (ag < hi))
        label = f"[{lo:.1f}, {hi:.1f}]" if last else f"[{lo:.1f}, {hi:.1f})"
        block = accuracy_block(table.delta[m], n_bootstrap=n_bootstrap, seed=seed, tie_eps=tie_eps)
        buckets.append({"bucket": label, **block})
    out_of_range = int((present & ((ag < edges[0]) | (ag > edges[-1]))).sum())
    return {
        "buckets": buckets,
        "n_missing": int((~present).sum()),
        "n_out_of_range": out_of_range,
    }


# --------------------------------------------------------------------------------------------
# verdict


def verdict(
    overall: Mapping[str, Any], per_category: Mapping[str, Mapping[str, Any]], targets: Targets
) -> dict[str, Any]:
    """Pass/fail of the point estimates against the targets (strict accuracy).

    The pairs without a category (if any) are reported but not held to the per-category target:
    the target is about the user's named categories.
    """
    acc = overall.get("strict")
    ov_pass = acc is not None and acc > targets.overall
    cats: dict[str, Any] = {}
    for name, block in per_category.items():
        if name == NO_CATEGORY:
            continue
        a = block["accuracy"]["strict"]
        ci = block["accuracy"].get("strict_ci")
        cats[name] = {
            "accuracy": a,
            "ci": ci,
            "n": block["accuracy"]["n"],
            "target": targets.per_category,
            "pass": a is not None and a >= targets.per_category,
            # "Confident" = even the CI's lower end clears the bar; shown, never used for pass.
            "confident": bool(ci is not None and ci[0] >= targets.per_category),
        }
    failing = [name for name, c in cats.items() if not c["pass"]]
    if not ov_pass:
        failing.insert(0, "overall")
    ci = overall.get("strict_ci")
    return {
        "targets": targets.to_dict(),
        "overall": {
            "accuracy": acc,
            "ci": ci,
            "n": overall.get("n"),
            "target": targets.overall,
            "pass": ov_pass,
            "confident": bool(ci is not None and ci[0] > targets.overall),
        },
        "categories": cats,
        "meets_targets": bool(ov_pass and all(c["pass"] for c in cats.values())),
        "failing": failing,
    }


# --------------------------------------------------------------------------------------------
# everything together


def compute_metrics(
    rows: ScoreTable | Sequence[Mapping[str, Any]],
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
    history: Sequence[Mapping[str, Any]] | None = None,
    pairs: Mapping[str, Any] | None = None,
    top_k_errors: int = 5,
    tie_eps: float = TIE_EPS,
    thresholds: Any = None,
) -> dict[str, Any]:
    """All metrics of one model on one score table (see ``docs/metrics.md``).

    ``history``: the trainer's ``history.jsonl`` rows (for the collapse check); ``pairs``: a
    mapping id -> PreferencePair/record that adds the texts to error examples; ``thresholds``: a
    :class:`supportrm.evaluate.degenerate.Thresholds` (defaults when ``None``).
    """
    targets = targets or Targets()
    table = as_table(rows)
    if len(table) == 0:
        raise ValueError(f"{table.source}: the score table is empty; nothing to evaluate")
    delta = table.delta
    overall = accuracy_block(
        delta,
        n_bootstrap=n_bootstrap,
        seed=seed,
        tie_eps=tie_eps,
        groups=table.conversation_ids,
    )

    labels = table.category_labels
    per_category: dict[str, Any] = {}
    for cat in table.category_names():
        sub = table.subset(labels == cat)
        per_category[cat] = {
            "accuracy": accuracy_block(
                sub.delta,
                n_bootstrap=n_bootstrap,
                seed=seed,
                tie_eps=tie_eps,
                groups=sub.conversation_ids,
            ),
            "scores": {
                "chosen_mean": float(sub.chosen.mean()),
                "rejected_mean": float(sub.rejected.mean()),
                "std": float(np.concatenate([sub.chosen, sub.rejected]).std()),
                "delta_mean": float(sub.delta.mean()),
            },
            "length": length_bias(sub, tie_eps),
            "calibration": {
                k: v for k, v in calibration(sub.delta).items() if k in ("ece", "brier", "bt_loss")
            },
        }

    result: dict[str, Any] = {
        "schema_version": METRICS_SCHEMA_VERSION,
        "source": table.source,
        "n": len(table),
        "n_truncated": int(table.truncated.sum()),
        "has_categories": table.has_categories,
        "tie_eps": tie_eps,
        "n_bootstrap": n_bootstrap,
        "bootstrap_seed": seed,
        "accuracy": overall,
        "per_category": per_category,
        "scores": score_distribution(table),
        "calibration": calibration(delta),
        "length_bias": length_bias(table, tie_eps),
        "errors": confident_errors(table, pairs=pairs, top_k=top_k_errors, tie_eps=tie_eps),
        "agreement": agreement_buckets(table, n_bootstrap=n_bootstrap, seed=seed, tie_eps=tie_eps),
    }
    v = verdict(overall, per_category, targets)
    report = degenerate.check(
        table, history=history, thresholds=thresholds, metrics=result, n_bootstrap=n_bootstrap
    )
    result["degenerate"] = report.to_dict()
    v["degenerate"] = report.degenerate
    v["pass"] = bool(v["meets_targets"] and not report.degenerate)
    result["verdict"] = v
    return result
