"""What every generator version shares: a pair before annotation (:class:`Draft`), the simulated
annotator panel that turns drafts into labelled pairs, and the seeded ids and order."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from supportrm.data.schema import DEFAULT_CATEGORIES, Message, PreferencePair
from supportrm.data.synth.noise import AnnotatorPanel


@dataclass
class Draft:
    """A pair before annotation: ``better`` is the generator's intended winner."""

    category: str
    prompt: tuple[Message, ...]
    better: str
    worse: str
    meta: dict[str, Any] = field(default_factory=dict)


def generate_drafts(
    builders: Mapping[str, Callable[[random.Random, int], Draft]],
    n: int,
    seed: int,
    *,
    version: str,
    conv_key_prefix: tuple[object, ...] = (),
) -> list[Draft]:
    """``n`` drafts split as evenly as possible over the categories (category-major order). Each
    comes from its own stream ("version:seed:category:index"), so a smaller ``n`` gives a subset
    of a larger one and output never depends on Python's hash seed."""
    cats = DEFAULT_CATEGORIES
    per = [n // len(cats) + (1 if i < n % len(cats) else 0) for i in range(len(cats))]
    drafts: list[Draft] = []
    for cat, count in zip(cats, per, strict=True):
        for i in range(count):
            d = builders[cat](random.Random(f"{version}:{seed}:{cat}:{i}"), i)
            d.meta["conv_key"] = stable_hash(*conv_key_prefix, seed, cat, i)
            drafts.append(d)
    return drafts


def stable_hash(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def annotate(
    drafts: list[Draft], seed: int, *, version: str, id_prefix: str
) -> list[PreferencePair]:
    """Simulated panel votes decide the released label; the generator's intent is kept in
    metadata (``generator_preferred``). Each draft's ``meta["conv_key"]`` seeds its votes and ids."""
    panel = AnnotatorPanel(seed)
    pairs = []
    for d in drafts:
        rng = random.Random(f"votes:{seed}:{d.meta['conv_key']}")
        vote = panel.vote(d.category, rng)
        chosen, rejected = (d.better, d.worse) if vote.majority_correct else (d.worse, d.better)
        meta = dict(d.meta)
        conv_key = meta.pop("conv_key")
        meta.update(
            {
                "agreement": vote.agreement,
                "n_annotators": vote.n_annotators,
                "votes_chosen": vote.votes_for_better
                if vote.majority_correct
                else vote.n_annotators - vote.votes_for_better,
                "generator_preferred": "chosen" if vote.majority_correct else "rejected",
                "generator": version,
            }
        )
        pairs.append(
            PreferencePair(
                id=f"{id_prefix}-" + stable_hash("id", conv_key)[:12],
                prompt=d.prompt,
                chosen=chosen,
                rejected=rejected,
                conversation_id="conv-" + stable_hash("conv", conv_key)[:12],
                category=d.category,
                metadata=meta,
            )
        )
    return pairs
