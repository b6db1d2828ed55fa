"""evaluate stage: metrics and diagnostics of a reward model from its held-out score table.

Public API (see ``docs/metrics.md`` for every metric):

* :func:`compute_metrics` — all metrics of one model on one score table (``val_scores.jsonl`` rows).
* :func:`aggregate` — several seeds: mean ± std, worst seed, cross-seed delta correlation, verdict.
* :mod:`supportrm.evaluate.degenerate` — ``check(...)``: explicit degenerate-model rules.
* :func:`reward_normalization` / :func:`save_reward_normalization` — reward mean/std for RLHF.
* :func:`evaluate_run` / :func:`evaluate_model` — whole runs and checkpoints (``supportrm eval``).
"""

from supportrm.evaluate.metrics import Targets, compute_metrics
from supportrm.evaluate.multiseed import aggregate
from supportrm.evaluate.normalization import (
    load_reward_normalization,
    reward_normalization,
    save_reward_normalization,
)
from supportrm.evaluate.runs import evaluate_model, evaluate_run, format_summary
from supportrm.evaluate.scoretable import ScoreTable, read_score_table, write_score_table

__all__ = [
    "ScoreTable",
    "Targets",
    "aggregate",
    "compute_metrics",
    "evaluate_model",
    "evaluate_run",
    "format_summary",
    "load_reward_normalization",
    "read_score_table",
    "reward_normalization",
    "save_reward_normalization",
    "write_score_table",
]
