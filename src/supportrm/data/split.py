"""Holdout split: stratified by category, grouped by conversation, deterministic for a seed.

Algorithm (``stratified-grouped-v1``):

1. **Targets.** The validation size ``V`` (an int, or a fraction of ``N`` rounded half up) is shared
   out over categories by exact proportional allocation with largest remainders: category ``c`` with
   ``n_c`` pairs gets ``floor(n_c * V / N)`` plus one if it is among the largest remainders (ties
   broken by a seeded hash of the category name). The targets add up to ``V`` exactly; a balanced
   8,000 pairs with ``V = 1000`` gives 200 per category.
2. **Groups.** Pairs sharing a ``conversation_id`` form one group and always go to the same side,
   so no conversation leaks between train and validation.
3. **Greedy fill.** Groups are visited in a seeded pseudo-random order (a hash of seed and
   conversation id, so the result does not depend on input order). A group goes to validation if it
   fits every category's remaining target; a second pass then takes groups that reduce the total
   deviation without overshooting any category by more than one pair.
4. **Repair.** Moves and swaps of one group against another (by category-count signature) are
   applied while they strictly reduce the summed absolute deviation from the targets.

With one pair per conversation the split is exact. With multi-pair conversations the deviation per
category is at most one pair whenever each conversation holds at most three pairs of a category
(and usually zero); larger conversations can make exactness impossible, and the manifest then
reports the real counts and ``max_abs_deviation`` instead of hiding it. Records are never lost:
``train + val`` is a partition of the input, each side in input order.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportrm.data.hashing import hash_file, hash_pairs
from supportrm.data.io import Format, write_pairs
from supportrm.data.schema import NO_CATEGORY, PreferencePair
from supportrm.files import atomic_write_json

ALGORITHM = "stratified-grouped-v1"
#: Manifest key for pairs without a category (JSON objects need string keys).
_EXT = {"jsonl": "jsonl.gz", "json": "json", "parquet": "parquet", "csv": "csv"}

Signature = tuple[tuple[str, int], ...]


@dataclass
class SplitResult:
    train: list[PreferencePair]
    val: list[PreferencePair]
    manifest: dict[str, Any]


def _key(category: str | None) -> str:
    return NO_CATEGORY if category is None else category


def _seeded(seed: int, text: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{text}".encode()).digest()


def resolve_val_size(val_size: int | float, n: int) -> int:
    """The number of validation pairs asked for: an int as is, a fraction of ``n`` rounded half up."""
    if isinstance(val_size, bool) or not isinstance(val_size, (int, float)):
        raise TypeError(f"val_size must be an int or a float, got {type(val_size).__name__}")
    if n < 2:
        raise ValueError(f"need at least 2 pairs to split, got {n}")
    if isinstance(val_size, float):
        if not 0.0 < val_size < 1.0:
            raise ValueError(f"a fractional val_size must be in (0, 1), got {val_size}")
        v = math.floor(val_size * n + 0.5)
        return min(max(v, 1), n - 1)
    if not 1 <= val_size <= n - 1:
        raise ValueError(f"val_size must be between 1 and {n - 1} for {n} pairs, got {val_size}")
    return val_size


def allocate(counts: Mapping[str, int], v: int, seed: int) -> dict[str, int]:
    """Largest-remainder (Hamilton) allocation of ``v`` over categories proportional to ``counts``."""
    n = sum(counts.values())
    base = {c: k * v // n for c, k in counts.items()}
    rem = {c: k * v % n for c, k in counts.items()}
    left = v - sum(base.values())
    order = sorted(counts, key=lambda c: (-rem[c], _seeded(seed, "category:" + c)))
    for c in order[:left]:
        base[c] += 1
    return base


def _l1(val: Mapping[str, int], targets: Mapping[str, int]) -> int:
    return sum(abs(val.get(c, 0) - t) for c, t in targets.items())


def _assign(
    sigs: Sequence[Signature], order: Sequence[int], targets: Mapping[str, int]
) -> list[bool]:
    """Choose the groups that go to validation (see the module docstring)."""
    in_val = [False] * len(sigs)
    val: Counter[str] = Counter()

    def fits(sig: Signature, slack: int) -> bool:
        return all(val[c] + k <= targets[c] + slack for c, k in sig)

    def gain(sig: Signature, sign: int) -> int:
        return sum(abs(val[c] + sign * k - targets[c]) - abs(val[c] - targets[c]) for c, k in sig)

    def move(g: int, to_val: bool) -> None:
        in_val[g] = to_val
        for c, k in sigs[g]:
            val[c] += k if to_val else -k

    for g in order:
        if fits(sigs[g], 0):
            move(g, True)
    for g in order:
        if not in_val[g] and fits(sigs[g], 1) and gain(sigs[g], +1) < 0:
            move(g, True)

    # Repair: strictly decreasing the summed deviation, so this ends after at most L1 rounds. Only
    # the first group (in seeded order) of each signature on each side is a candidate: groups with
    # the same signature are interchangeable for the counts.
    while _l1(val, targets) > 0:
        first_val: dict[Signature, int] = {}
        first_train: dict[Signature, int] = {}
        for g in order:
            (first_val if in_val[g] else first_train).setdefault(sigs[g], g)
        best: tuple[int, int, int | None, int | None] | None = None
        for rank, (a, b) in enumerate(
            [(a, None) for a in first_val.values()]
            + [(None, b) for b in first_train.values()]
            + [(a, b) for a in first_val.values() for b in first_train.values()]
        ):
            delta = Counter[str]()
            if a is not None:
                for c, k in sigs[a]:
                    delta[c] -= k
            if b is not None:
                for c, k in sigs[b]:
                    delta[c] += k
            change = sum(
                abs(val[c] + d - targets[c]) - abs(val[c] - targets[c]) for c, d in delta.items()
            )
            if change < 0 and (best is None or change < best[0]):
                best = (change, rank, a, b)
        if best is None:
            break
        _, _, a, b = best
        if a is not None:
            move(a, False)
        if b is not None:
            move(b, True)
    return in_val


def split_pairs(pairs: Sequence[PreferencePair], val_size: int | float, seed: int) -> SplitResult:
    """Split ``pairs`` into train and validation (see the module docstring for the guarantees).

    Raises ``ValueError`` for a ``val_size`` outside ``[1, N-1]`` (or a fraction outside (0, 1)), or
    when the conversations are too few or too large to leave both sides non-empty.
    """
    n = len(pairs)
    v = resolve_val_size(val_size, n)
    counts = Counter(_key(p.category) for p in pairs)
    targets = allocate(counts, v, seed)

    members: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        members[p.conversation_id].append(i)
    cids = list(members)
    sigs: list[Signature] = [
        tuple(sorted(Counter(_key(pairs[i].category) for i in members[cid]).items()))
        for cid in cids
    ]
    order = sorted(range(len(cids)), key=lambda g: (_seeded(seed, "conversation:" + cids[g]), g))
    in_val = _assign(sigs, order, targets)

    val_idx = {i for g, cid in enumerate(cids) if in_val[g] for i in members[cid]}
    train = [p for i, p in enumerate(pairs) if i not in val_idx]
    val = [p for i, p in enumerate(pairs) if i in val_idx]
    if not train or not val:
        raise ValueError(
            f"val_size {val_size!r} left the {'validation' if not val else 'training'} side empty: "
            f"the {n} pairs form only {len(cids)} conversation(s) (pairs without conversation_id "
            "are grouped by prompt), too few to split"
        )

    train_counts = Counter(_key(p.category) for p in train)
    val_counts = Counter(_key(p.category) for p in val)
    per_cat = {
        c: {
            "total": counts[c],
            "train": train_counts[c],
            "val": val_counts[c],
            "val_target": targets[c],
        }
        for c in sorted(counts)
    }
    manifest: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "seed": seed,
        "val_size": val_size,
        "val_target": v,
        "n_pairs": n,
        "n_train": len(train),
        "n_val": len(val),
        "n_conversations": {
            "total": len(cids),
            "train": sum(1 for x in in_val if not x),
            "val": sum(in_val),
        },
        "categories": per_cat,
        "max_abs_deviation": max(
            (abs(d["val"] - d["val_target"]) for d in per_cat.values()), default=0
        ),
        "hashes": {
            "input": hash_pairs(pairs),
            "train": hash_pairs(train),
            "val": hash_pairs(val),
        },
    }
    return SplitResult(train=train, val=val, manifest=manifest)


def write_split(
    result: SplitResult,
    out_dir: str | Path,
    fmt: Format = "jsonl",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``train``/``val`` files and ``manifest.json`` into ``out_dir``.

    File names: ``train.jsonl.gz`` (jsonl), ``train.parquet``, ``train.csv`` or ``train.json``. The
    manifest gets a ``files`` entry (name, format, pairs, sha256 of the bytes) and ``extra`` keys
    (e.g. the source file and load options). Returns the paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "train": out / f"train.{_EXT[fmt]}",
        "val": out / f"val.{_EXT[fmt]}",
    }
    write_pairs(result.train, paths["train"], fmt)
    write_pairs(result.val, paths["val"], fmt)
    manifest = dict(result.manifest)
    if extra:
        manifest.update(extra)
    manifest["files"] = {
        name: {
            "path": p.name,
            "format": fmt,
            "n_pairs": len(result.train if name == "train" else result.val),
            "sha256": hash_file(p),
        }
        for name, p in paths.items()
    }
    paths["manifest"] = out / "manifest.json"
    atomic_write_json(paths["manifest"], manifest)
    return paths
