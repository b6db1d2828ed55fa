"""support-pairs-v2: drafts per category, simulated annotation, ids and a seeded order.

Every pair is drawn from its own random stream (version, seed, category, index), so a smaller
``n`` gives a subset of a larger one and output never depends on Python's hash seed.
"""

from __future__ import annotations

import random

from supportrm.data.schema import PreferencePair
from supportrm.data.synth.draft import Draft, annotate
from supportrm.data.synth.draft import generate_drafts as draft_stream
from supportrm.data.synth.v2.categories import BUILDERS

GENERATOR_VERSION = "support-pairs-v2"


def generate_drafts(n: int, seed: int) -> list[Draft]:
    """``n`` drafts, split as evenly as possible over the five categories (category-major)."""
    return draft_stream(
        BUILDERS, n, seed, version=GENERATOR_VERSION, conv_key_prefix=(GENERATOR_VERSION,)
    )


def generate(n: int = 8000, seed: int = 0) -> list[PreferencePair]:
    """The dataset: ``n`` labelled pairs in a seeded random order (categories interleaved)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    drafts = generate_drafts(n, seed)
    pairs = annotate(drafts, seed, version=GENERATOR_VERSION, id_prefix="sp2")
    random.Random(f"order:{GENERATOR_VERSION}:{seed}").shuffle(pairs)
    return pairs
