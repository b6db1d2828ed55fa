"""The pairwise Bradley-Terry loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bradley_terry_loss(
    r_chosen: torch.Tensor,
    r_rejected: torch.Tensor,
    margin: torch.Tensor | None = None,
    center_coefficient: float = 0.0,
    denominator: float | None = None,
) -> torch.Tensor:
    """``-logsigmoid(r_c - r_r - margin)`` (+ ``c * (r_c + r_r)^2``), averaged over pairs.

    ``denominator`` replaces the local pair count when a global batch is split across processes:
    each process divides its *sum* by the global count, and DDP's gradient averaging (which divides
    by the world size) is undone by the caller's ``* world_size``; the gradient then equals the
    single-process gradient of the full batch even when the shards have unequal sizes.
    """
    delta = r_chosen - r_rejected
    if margin is not None:
        delta = delta - margin
    per_pair = -F.logsigmoid(delta)
    if center_coefficient:
        # TRL's center_rewards_coefficient: keeps rewards near zero, which RLHF code expects.
        per_pair = per_pair + center_coefficient * (r_chosen + r_rejected) ** 2
    n = float(denominator) if denominator is not None else float(per_pair.numel())
    return per_pair.sum() / n
