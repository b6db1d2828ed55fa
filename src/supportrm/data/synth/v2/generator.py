"""support-pairs-v2: drafts per category, simulated annotation, ids and a seeded order.

Every pair is drawn from its own random stream (version, seed, category, index), so a smaller
``n`` gives a subset of a larger one and output never depends on Python's hash seed.
"""

from __future__ import annotations

import random

from supportrm.data.schema import DEFAULT_CATEGORIES, PreferencePair
from supportrm.data.synth.draft import Draft, annotate, stable_hash
from supportrm.data.synth.v2.categories import BUILDERS

GENERATOR_VERSION = "support-pairs-v2"


def generate_drafts(n: int, seed: int) -> list[Draft]:
    """``n`` drafts, split as evenly as possible over the five categories (category-major)."""
    cats = DEFAULT_CATEGORIES
    per = [n // len(cats) + (1 if i < n % len(cats) else 0) for i in range(len(cats))]
    drafts: list[Draft] = []
    for cat, count in zip(cats, per, strict=True):
        for i in range(count):
            rng = random.Random(f"{GENERATOR_VERSION}:{seed}:{cat}:{i}")
            d = BUILDERS[cat](rng, i)
            d.meta["conv_key"] = stable_hash(GENERATOR_VERSION, seed, cat, i)
            drafts.append(d)
    return drafts


def generate(n: int = 8000, seed: int = 0) -> list[PreferencePair]:
    """The dataset: ``n`` labelled pairs in a seeded random order (categories interleaved)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    drafts = generate_drafts(n, seed)
    pairs = annotate(drafts, seed, version=GENERATOR_VERSION, id_prefix="sp2")
    random.Random(f"order:{GENERATOR_VERSION}:{seed}").shuffle(pairs)
    return pairs
