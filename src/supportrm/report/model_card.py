"""Hugging Face style model card (``README.md`` with YAML front matter) inside a checkpoint folder.

The card travels with the weights, so whoever loads the checkpoint later sees the held-out
numbers, the verdict against the user's bar, the degenerate checks, the reward normalisation
stats and how to load it, without the run directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from supportrm.evaluate.normalization import load_reward_normalization
from supportrm.files import atomic_write_text


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(ci: Any) -> str:
    return "n/a" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


HYPERPARAMETERS = (
    "epochs",
    "batch_size",
    "lr",
    "max_length",
    "lora_r",
    "freeze_layers",
    "center_rewards_coefficient",
)


def write_model_card(
    checkpoint_dir: str | Path,
    metrics: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    aggregate_metrics: Mapping[str, Any] | None = None,
    seed: int | None = None,
    dest: str | Path | None = None,
) -> Path:
    """Write ``checkpoint_dir/README.md`` (or ``dest``) from one seed's metrics (and the run's
    aggregate), rendered from ``templates/model_card.md.j2``."""
    import jinja2

    ckpt = Path(checkpoint_dir)
    config = dict(config or {})
    base = str(config.get("model") or config.get("base_model") or "unknown")
    if base == "minilm":
        base = "sentence-transformers/all-MiniLM-L6-v2"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("supportrm.report", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    context = {
        "front_matter": yaml.safe_dump(
            _front_matter(ckpt, base, config, metrics), sort_keys=False
        ).rstrip(),
        "title": f"Reward model ({base}, seed {seed})"
        if seed is not None
        else f"Reward model ({base})",
        **_evaluation(metrics, aggregate_metrics),
        "normalization": _normalization(load_reward_normalization(ckpt)),
        "hyperparameters": [(k, config[k]) for k in HYPERPARAMETERS if k in config],
    }
    path = Path(dest) if dest is not None else ckpt / "README.md"
    atomic_write_text(path, env.get_template("model_card.md.j2").render(**context))
    return path


def _front_matter(
    ckpt: Path, base: str, config: Mapping[str, Any], metrics: Mapping[str, Any]
) -> dict[str, Any]:
    """Hugging Face model-card metadata (model-index with the strict held-out accuracy)."""
    dataset = {
        "name": str(config.get("data") or "supportrm embedded support pairs"),
        "type": "preference-pairs",
        "split": "validation",
    }
    accuracy = {
        "type": "accuracy",
        "value": round(float(metrics["accuracy"]["strict"]), 4),
        "name": "strict pairwise accuracy",
    }
    result = {
        "task": {"type": "text-classification", "name": "preference modelling"},
        "dataset": dataset,
        "metrics": [accuracy],
    }
    return {
        "library_name": "transformers",
        "pipeline_tag": "text-classification",
        "base_model": base,
        "tags": ["reward-model", "bradley-terry", "rlhf", "customer-support", "supportrm"],
        "model-index": [
            {
                "name": ckpt.parent.name if ckpt.name == "checkpoint" else ckpt.name,
                "results": [result],
            }
        ],
    }


def _evaluation(metrics: Mapping[str, Any], aggregate: Mapping[str, Any] | None) -> dict[str, Any]:
    v, acc = metrics["verdict"], metrics["accuracy"]
    bar = (
        f"against the bar (strict accuracy > {_pct(v['targets']['overall'])} overall and >= "
        f"{_pct(v['targets']['per_category'])} per category)"
        + ("" if not v.get("failing") else f"; below target: {', '.join(v['failing'])}")
        + ("; DEGENERATE (see below)" if v.get("degenerate") else "")
        + "."
    )
    run_line = ""
    if aggregate:
        av, o = aggregate["verdict"], aggregate["overall"]["strict"]
        run_line = (
            f"Across all {aggregate['n_seeds']} seeds of this run: mean strict accuracy "
            f"{_pct(o['mean'])} ± {_pct(o['std'])}; run verdict "
            f"{'PASS' if av['pass'] else 'FAIL'} ({av['rule']})."
        )
    groups = [("overall", acc)] + [
        (c, b["accuracy"]) for c, b in metrics.get("per_category", {}).items()
    ]
    rows = [
        [
            g,
            a["n"],
            _pct(a["strict"]),
            _ci(a.get("strict_ci")),
            _pct(a["ties_half"]),
            _pct(a["tie_rate"]),
        ]
        for g, a in groups
    ]
    cal, lb = metrics["calibration"], metrics["length_bias"]
    rho = lb["spearman_reward_tokens"]["rho"]
    return {
        "verdict_word": "PASS" if v["pass"] else "FAIL",
        "verdict_bar": bar,
        "run_line": run_line,
        "rows": rows,
        "calibration": f"ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f}; held-out Bradley-Terry "
        f"loss {cal['bt_loss']:.4f} (ln 2 = 0.6931 is chance)" + _tempered(metrics),
        "length": f"Spearman(reward, tokens) = {'n/a' if rho is None else f'{rho:+.2f}'}; "
        f"longer-reply-wins rule on the same pairs {_pct(lb['longer_wins']['strict'])}",
        "degenerate": metrics["degenerate"]["summary"] if metrics.get("degenerate") else "not run",
    }


def _tempered(metrics: Mapping[str, Any]) -> str:
    t = metrics.get("calibration_tempered")
    if not t:
        return "; no temperature stored (trained without dev pairs)"
    return (
        f"; with the temperature T = {t['temperature']:.3f} fitted on dev and stored in "
        f"supportrm.json, P(a beats b) = sigmoid((r_a - r_b) / T) has ECE {t['ece']:.3f}, "
        f"Brier {t['brier']:.3f}"
    )


def _normalization(norm: Mapping[str, Any] | None) -> str:
    if not norm:
        return "Not recorded for this checkpoint."
    return (
        f"Rewards on the {norm.get('split', 'training')} split: mean {norm['mean']:.4f}, "
        f"std {norm['std']:.4f} (n = {norm.get('n_rewards')}). For RLHF use "
        "`(reward - mean) / std` (stored in `supportrm.json`, key `reward_normalization`)."
    )
