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


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(ci: Any) -> str:
    return "n/a" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def write_model_card(
    checkpoint_dir: str | Path,
    metrics: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    aggregate_metrics: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> Path:
    """Write ``checkpoint_dir/README.md`` from one seed's metrics (and the run's aggregate)."""
    ckpt = Path(checkpoint_dir)
    config = dict(config or {})
    base = str(config.get("model") or config.get("base_model") or "unknown")
    if base == "minilm":
        base = "sentence-transformers/all-MiniLM-L6-v2"
    v = metrics["verdict"]
    acc = metrics["accuracy"]
    front: dict[str, Any] = {
        "library_name": "transformers",
        "pipeline_tag": "text-classification",
        "base_model": base,
        "tags": ["reward-model", "bradley-terry", "rlhf", "customer-support", "supportrm"],
        "model-index": [
            {
                "name": ckpt.parent.name if ckpt.name == "checkpoint" else ckpt.name,
                "results": [
                    {
                        "task": {"type": "text-classification", "name": "preference modelling"},
                        "dataset": {
                            "name": str(config.get("data") or "supportrm embedded support pairs"),
                            "type": "preference-pairs",
                            "split": "validation",
                        },
                        "metrics": [
                            {
                                "type": "accuracy",
                                "value": round(float(acc["strict"]), 4),
                                "name": "strict pairwise accuracy",
                            },
                        ],
                    }
                ],
            }
        ],
    }
    lines = ["---", yaml.safe_dump(front, sort_keys=False).rstrip(), "---", ""]
    title = f"Reward model ({base}, seed {seed})" if seed is not None else f"Reward model ({base})"
    lines += [f"# {title}", ""]
    lines += [
        "A Bradley-Terry reward model for customer-support assistant replies, trained with "
        "supportrm. It maps a conversation plus a candidate "
        "assistant reply to one scalar: higher = more preferred.",
        "",
        "## Verdict",
        "",
        f"**{'PASS' if v['pass'] else 'FAIL'}** against the bar "
        f"(strict accuracy > {_pct(v['targets']['overall'])} overall and >= "
        f"{_pct(v['targets']['per_category'])} per category)"
        + ("" if not v.get("failing") else f"; below target: {', '.join(v['failing'])}")
        + ("; DEGENERATE (see below)" if v.get("degenerate") else "")
        + ".",
        "",
    ]
    if aggregate_metrics:
        av = aggregate_metrics["verdict"]
        o = aggregate_metrics["overall"]["strict"]
        lines += [
            f"Across all {aggregate_metrics['n_seeds']} seeds of this run: mean strict accuracy "
            f"{_pct(o['mean'])} ± {_pct(o['std'])}; run verdict "
            f"{'PASS' if av['pass'] else 'FAIL'} ({av['rule']}).",
            "",
        ]
    lines += [
        "## Evaluation (held-out split)",
        "",
        "| group | n | strict accuracy | 95% CI | ties as 0.5 | tie rate |",
        "|---|---|---|---|---|---|",
        f"| overall | {acc['n']} | {_pct(acc['strict'])} | {_ci(acc.get('strict_ci'))} | "
        f"{_pct(acc['ties_half'])} | {_pct(acc['tie_rate'])} |",
    ]
    for cat, block in metrics.get("per_category", {}).items():
        a = block["accuracy"]
        lines.append(
            f"| {cat} | {a['n']} | {_pct(a['strict'])} | {_ci(a.get('strict_ci'))} | "
            f"{_pct(a['ties_half'])} | {_pct(a['tie_rate'])} |"
        )
    cal, lb = metrics["calibration"], metrics["length_bias"]
    rho = lb["spearman_reward_tokens"]["rho"]
    lines += [
        "",
        f"Calibration of sigmoid(margin): ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f}; "
        f"held-out Bradley-Terry loss {cal['bt_loss']:.4f} (ln 2 = 0.6931 is chance). "
        f"Length bias: Spearman(reward, tokens) = {'n/a' if rho is None else f'{rho:+.2f}'}; "
        f"longer-reply-wins rule on the same pairs {_pct(lb['longer_wins']['strict'])}.",
        "",
        "Degenerate-model checks: "
        + (metrics["degenerate"]["summary"] if metrics.get("degenerate") else "not run")
        + ". Definitions: supportrm `docs/metrics.md`.",
        "",
        "## Usage",
        "",
        "The folder loads with plain transformers "
        "(`AutoModelForSequenceClassification.from_pretrained(path)` + `AutoTokenizer`); the "
        "rendering of conversations used in training is recorded in `supportrm.json`. The "
        "simplest way to score with exactly that rendering:",
        "",
        "```python",
        "from supportrm.data.schema import Message",
        "from supportrm.model.scoring import RewardScorer",
        "",
        'scorer = RewardScorer.from_pretrained("path/to/this/folder")',
        'conversation = [Message("user", "My parcel never arrived.")]',
        "rewards = scorer.score_conversations(",
        '    [conversation, conversation], ["Sorry! I have reshipped it.", "Not my problem."]',
        ")",
        "```",
        "",
    ]
    norm = load_reward_normalization(ckpt)
    lines += ["## Reward normalisation", ""]
    if norm:
        lines += [
            f"Rewards on the {norm.get('split', 'training')} split: mean {norm['mean']:.4f}, "
            f"std {norm['std']:.4f} (n = {norm.get('n_rewards')}). For RLHF use "
            "`(reward - mean) / std` (stored in `supportrm.json`, key `reward_normalization`).",
            "",
        ]
    else:
        lines += ["Not recorded for this checkpoint.", ""]
    hp = {
        k: config[k]
        for k in (
            "epochs",
            "batch_size",
            "lr",
            "max_length",
            "lora_r",
            "freeze_layers",
            "center_rewards_coefficient",
        )
        if k in config
    }
    lines += ["## Training", ""]
    if hp:
        lines += [f"- {k}: {val}" for k, val in hp.items()] + [""]
    lines += [
        "Loss: -log sigmoid(r_chosen - r_rejected - margin), averaged over pairs.",
        "",
        "## Limitations",
        "",
        "- Trained and evaluated on preference pairs from one distribution; accuracy on real "
        "traffic may be lower. Check the per-category numbers, not only the average.",
        "- A policy optimised against this model can exploit its blind spots (e.g. length); "
        "monitor with human spot checks during RLHF.",
        "",
    ]
    path = ckpt / "README.md"
    tmp = path.with_name("README.md.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path
