"""Length-grouped batches: dynamic padding wastes little when a batch holds similar lengths.

Same idea as transformers' ``group_by_length``: shuffle, cut into mega-batches of
``batch_size * group`` pairs, sort each by length, cut into batches, shuffle the batch order. The
order depends only on (seed, epoch), which is what makes ``--resume`` reproduce a run exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, seed: int, epoch: int, group: int = 64
) -> list[list[int]]:
    n = len(lengths)
    rng = np.random.default_rng([int(seed), int(epoch), 7919])
    perm = rng.permutation(n)
    mega = batch_size * max(group, 1)
    lens = np.asarray(lengths)
    batches: list[list[int]] = []
    for start in range(0, n, mega):
        chunk = perm[start : start + mega]
        chunk = chunk[np.argsort(-lens[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size].tolist() for i in range(0, len(chunk), batch_size)]
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def shard(batch: list[int], rank: int, world: int) -> list[int]:
    """This process's contiguous slice of a global batch (sizes differ by at most one)."""
    n = len(batch)
    lo = (n * rank) // world
    hi = (n * (rank + 1)) // world
    return batch[lo:hi]


def auto_max_length(lengths: Sequence[int], quantile: float, cap: int, multiple: int = 32) -> int:
    """The ``quantile`` of untruncated lengths, rounded up to ``multiple``, at most ``cap``."""
    if not lengths:
        return cap
    q = float(np.quantile(np.asarray(lengths), quantile))
    value = int(np.ceil(q / multiple) * multiple)
    return max(multiple, min(value, cap))
