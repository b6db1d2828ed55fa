"""Best-of-n simulation with a gold judge: "if we rerank n samples with this reward model, how
often do we get the truly best one?" (docs/stress.md).

Fresh conversations come from the embedded generator with a seed no training data uses (any that
collide with the run's own conversations are dropped and counted). Each gets k >= 8 candidate
replies of known gold quality (``bestofn.yaml``): the generator's better and worse replies and
edits of the better one. For n = 2, 4, 8, random n-subsets of each conversation's candidates are
drawn; the reward model picks its top-scored candidate, and so do three baselines (random,
longest, shortest). Reported per picker: P(pick is the gold best of the subset), the mean gold
rank of the pick (1 = best), the mean gold quality; and Kendall's tau between reward and gold
order over all candidates of a conversation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml
from scipy.stats import kendalltau

from supportrm.data.schema import PreferencePair, prompt_hash
from supportrm.evaluate.edits import EDITS_BY_NAME, apply_edit, make_context

PICKERS = ("reward_model", "random", "longest", "shortest")
BON_SEED = 9001  # the generator's training data uses seed 0; no run should use this one


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    text = resources.files("supportrm.evaluate").joinpath("bestofn.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    golds = [c["gold"] for c in data["candidates"]]
    if len(set(golds)) != len(golds):
        raise ValueError("bestofn.yaml: gold levels must be distinct")
    for c in data["candidates"]:
        if c["source"] not in ("generator_better", "generator_worse", *EDITS_BY_NAME):
            raise ValueError(f"bestofn.yaml: unknown source {c['source']!r}")
    return data


def fresh_conversations(
    n: int, *, seed: int = BON_SEED, exclude_prompts: set[str] | None = None
) -> tuple[list[PreferencePair], int]:
    """``n`` generator pairs (better reply as ``chosen``, unannotated), none of whose
    conversations is in ``exclude_prompts`` (prompt hashes); returns them and the dropped count."""
    from supportrm.data.synth.v2.generator import generate_drafts

    out, dropped = [], 0
    for i, d in enumerate(generate_drafts(n, seed)):
        if exclude_prompts and prompt_hash(d.prompt) in exclude_prompts:
            dropped += 1
            continue
        company = d.meta.get("company")
        out.append(
            PreferencePair(id=f"bon-{seed}-{i}", prompt=d.prompt, chosen=d.better,
                           rejected=d.worse, conversation_id=f"bon-conv-{seed}-{i}",
                           category=d.category, metadata={"company": company} if company else {})
        )  # fmt: skip
    return out, dropped


def candidates(pairs: Sequence[PreferencePair], seed: int = 0) -> list[list[tuple[str, int, str]]]:
    """Per conversation, its (name, gold, reply) candidates; empty when too few apply."""
    ctx = make_context(pairs)
    out = []
    for p in pairs:
        cands: list[tuple[str, int, str]] = []
        for c in spec()["candidates"]:
            src = c["source"]
            if src == "generator_better":
                reply = p.chosen
            elif src == "generator_worse":
                reply = p.rejected
            else:
                reply = apply_edit(EDITS_BY_NAME[src], p, ctx, seed)
            if reply is not None and reply not in {r for _, _, r in cands}:
                cands.append((c["name"], int(c["gold"]), reply))
        out.append(cands if len(cands) >= spec()["min_candidates"] else [])
    return out


def simulate(
    pairs: Sequence[PreferencePair],
    score: Callable[[Sequence[tuple[PreferencePair, str]]], np.ndarray],
    *,
    ns: Sequence[int] = (2, 4, 8),
    draws: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """The best-of-n table for ``pairs`` (fresh conversations) and reward ``score``."""
    cands = candidates(pairs, seed)
    kept = [(p, c) for p, c in zip(pairs, cands, strict=True) if c]
    items = [(p, reply) for p, c in kept for _, _, reply in c]
    rewards = score(items) if items else np.zeros(0)
    rng = np.random.default_rng(seed)
    tie_rng = random.Random(seed)
    tables: dict[int, dict[str, list[tuple[bool, int, int]]]] = {
        n: {k: [] for k in PICKERS} for n in ns
    }
    taus = []
    start = 0
    for _p, c in kept:
        k = len(c)
        r = rewards[start : start + k]
        start += k
        gold = np.array([g for _, g, _ in c])
        lengths = np.array([len(reply) for _, _, reply in c])
        if np.ptp(r) > 0:
            taus.append(float(kendalltau(r, gold).statistic))
        for n in ns:
            if n > k:
                continue
            for _ in range(draws):
                sub = rng.choice(k, size=n, replace=False)
                picks = {
                    "reward_model": _argmax(r[sub], tie_rng),
                    "random": tie_rng.randrange(n),
                    "longest": _argmax(lengths[sub].astype(float), tie_rng),
                    "shortest": _argmax(-lengths[sub].astype(float), tie_rng),
                }
                g = gold[sub]
                for name, i in picks.items():
                    rank = 1 + int((g > g[i]).sum())
                    tables[n][name].append((rank == 1, rank, int(g[i])))
    result: dict[str, Any] = {
        "n_conversations": len(pairs),
        "n_used": len(kept),
        "n_skipped_too_few_candidates": len(pairs) - len(kept),
        "candidates": [
            {"name": c["name"], "gold": c["gold"], "source": c["source"]}
            for c in spec()["candidates"]
        ],
        "draws_per_conversation": draws,
        "kendall_tau_mean": float(np.mean(taus)) if taus else None,
        "kendall_tau_conversations": len(taus),
        "by_n": {},
    }
    for n, per in tables.items():
        result["by_n"][str(n)] = {
            name: {
                "p_gold_best": float(np.mean([x[0] for x in rows])) if rows else None,
                "mean_gold_rank": float(np.mean([x[1] for x in rows])) if rows else None,
                "mean_gold_quality": float(np.mean([x[2] for x in rows])) if rows else None,
            }
            for name, rows in per.items()
        }
    return result


def _argmax(values: np.ndarray, rng: random.Random) -> int:
    """Index of the largest value; ties broken at random (a constant scorer picks at random)."""
    best = np.flatnonzero(values == values.max())
    return int(best[rng.randrange(len(best))])
