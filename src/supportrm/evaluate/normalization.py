"""Reward normalisation statistics saved with the model, for RLHF use.

PPO-style RLHF usually whitens rewards; the mean and std of the reward model's outputs on its own
training split let the RL loop do that from the first batch instead of estimating it on the fly.
They are stored in the checkpoint's ``supportrm.json`` under ``reward_normalization``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.evaluate.scoretable import ScoreTable, as_table
from supportrm.files import atomic_write_json

META_FILE = "supportrm.json"
KEY = "reward_normalization"


def reward_normalization(
    scores: ScoreTable | Sequence[Mapping[str, Any]] | Sequence[float] | np.ndarray,
    *,
    split: str = "train",
) -> dict[str, Any]:
    """Mean and std (population) of rewards; a score table contributes chosen and rejected alike.

    Normalise a reward ``r`` as ``(r - mean) / std``. Raises on empty input or non-finite scores.
    """
    if isinstance(scores, ScoreTable) or (
        isinstance(scores, Sequence) and scores and isinstance(scores[0], Mapping)
    ):
        table = as_table(scores)  # type: ignore[arg-type]
        x = np.concatenate([table.chosen, table.rejected])
    else:
        x = np.asarray(scores, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("reward_normalization: no scores given")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"reward_normalization: {int((~np.isfinite(x)).sum())} non-finite scores")
    return {
        "mean": float(x.mean()),
        "std": float(x.std()),
        "n_rewards": int(x.size),
        "split": split,
        "usage": "normalised_reward = (reward - mean) / std",
    }


def save_reward_normalization(checkpoint_dir: str | Path, stats: Mapping[str, Any]) -> Path:
    """Merge ``stats`` into ``checkpoint_dir/supportrm.json`` (atomic write; other keys kept)."""
    path = Path(checkpoint_dir) / META_FILE
    meta: dict[str, Any] = {}
    if path.exists():
        meta = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(f"{path}: expected a JSON object")
    meta[KEY] = dict(stats)
    atomic_write_json(path, meta, sort_keys=True, ensure_ascii=True)
    return path


def load_reward_normalization(checkpoint_dir: str | Path) -> dict[str, Any] | None:
    path = Path(checkpoint_dir) / META_FILE
    if not path.exists():
        return None
    value = json.loads(path.read_text(encoding="utf-8")).get(KEY)
    return dict(value) if isinstance(value, dict) else None


def compute_and_save(
    checkpoint_dir: str | Path, train_pairs: Sequence[Any], *, scorer: Any = None
) -> dict[str, Any]:
    """Score the training pairs with the checkpoint, store their reward mean/std in its
    ``supportrm.json`` and return them. ``scorer``: an object with ``score_pairs`` (default: a
    :class:`supportrm.model.scoring.RewardScorer` loaded from ``checkpoint_dir``).

    Costs one forward pass per training reply; a trainer that already has the training rewards
    should call :func:`reward_normalization` and :func:`save_reward_normalization` directly.
    """
    if scorer is None:
        from supportrm.model.scoring import RewardScorer  # heavy: only when scoring

        scorer = RewardScorer.from_pretrained(checkpoint_dir)
    stats = reward_normalization(scorer.score_pairs(list(train_pairs)), split="train")
    save_reward_normalization(checkpoint_dir, stats)
    return stats
