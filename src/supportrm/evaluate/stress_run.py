"""Stress tests and the best-of-n simulation for a trained model (a checkpoint, or a run's
seeds as an ensemble): what ``supportrm stress`` and ``supportrm run`` call.

Writes ``<out>/stress.json``. The unit of every Δ is the model's own held-out margin standard
deviation: from the seeds' ``val_scores.jsonl`` when the model is a run (or a checkpoint inside
one), else from the stressed pairs themselves (said in the output as ``margin_std_from``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.data.schema import PreferencePair, prompt_hash
from supportrm.evaluate.bestofn import fresh_conversations, simulate
from supportrm.evaluate.runs import load_pairs_by_id, resolve_checkpoints, write_json
from supportrm.evaluate.scoretable import read_score_table
from supportrm.evaluate.sources import SOURCE_MAX_LENGTH
from supportrm.evaluate.stress import run_stress

STRESS_FILE = "stress.json"
#: Defaults of `supportrm run` (and `supportrm stress`): pairs sampled for the edits (the same
#: share per category) and fresh conversations for best-of-n.
DEFAULT_STRESS_PAIRS = 100
DEFAULT_BEST_OF_N_CONVERSATIONS = 100


def ensemble_scorer(
    checkpoints: Sequence[Path],
) -> Callable[[Sequence[tuple[PreferencePair, str]]], np.ndarray]:
    """score(items) -> the mean reward over ``checkpoints`` of each (pair, reply)."""
    from supportrm.model.ensemble import ensemble_rewards  # heavy: only when scoring
    from supportrm.model.scoring import RewardScorer

    scorers = [RewardScorer.from_pretrained(c, max_length=SOURCE_MAX_LENGTH) for c in checkpoints]

    def score(items: Sequence[tuple[PreferencePair, str]]) -> np.ndarray:
        if not scorers or not items:
            return np.zeros(len(items))
        pairs = [(p.prompt, r) for p, r in items]
        return ensemble_rewards(scorers, pairs, 64, batch_tokens=16384).mean(0)

    return score


def _held_out_margin_std(checkpoints: dict[int | None, Path]) -> float | None:
    """Std of the (ensemble) held-out margin from the seeds' own score tables, if all exist."""
    tables = []
    for ckpt in checkpoints.values():
        path = ckpt.parent / "val_scores.jsonl"
        if not path.exists():
            return None
        t = read_score_table(path)
        tables.append(dict(zip(t.ids, t.delta, strict=True)))
    common = set.intersection(*(set(t) for t in tables))
    if len(common) < 2:
        return None
    margins = [np.mean([t[i] for t in tables]) for i in sorted(common)]
    return float(np.std(margins))


def stress_model(
    model: str | Path,
    data: str | Path,
    out: str | Path,
    *,
    max_pairs: int | None = DEFAULT_STRESS_PAIRS,
    best_of_n: int = DEFAULT_BEST_OF_N_CONVERSATIONS,
    exclude_prompts: set[str] | None = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the stress edits on ``data`` and (``best_of_n`` > 0) the best-of-n simulation on that
    many fresh generated conversations; write ``<out>/stress.json`` and return it."""
    t0 = time.perf_counter()
    checkpoints = resolve_checkpoints(model)
    by_id, load_info = load_pairs_by_id(data)
    pairs = list(by_id.values())
    score = ensemble_scorer(list(checkpoints.values()))
    margin_std = _held_out_margin_std(checkpoints)
    source = "held-out score tables (val_scores.jsonl)"
    if margin_std is None:
        s = score([(p, r) for p in pairs[:400] for r in (p.chosen, p.rejected)])
        margin_std, source = float(np.std(s[0::2] - s[1::2])), "the stressed pairs"
    log(f"stress: {len(pairs)} pairs, at most {max_pairs} sampled; margin sd {margin_std:.3f}")
    result: dict[str, Any] = {
        "model": str(model),
        "settings": settings,
        "models": {
            ("checkpoint" if k is None else f"seed {k}"): str(v) for k, v in checkpoints.items()
        },
        "reward": "mean over seeds" if len(checkpoints) > 1 else "single model",
        "data": load_info,
        "margin_std_from": source,
        "stress": run_stress(pairs, score, margin_std=margin_std, seed=seed, max_pairs=max_pairs),
    }
    t_stress = time.perf_counter() - t0
    if best_of_n > 0:
        exclude = set(exclude_prompts or set()) | {prompt_hash(p.prompt) for p in pairs}
        fresh, dropped = fresh_conversations(best_of_n, exclude_prompts=exclude)
        log(
            f"best-of-n: {len(fresh)} fresh generated conversations ({dropped} dropped: seen in the data)"
        )
        result["best_of_n"] = {
            **simulate(fresh, score, seed=seed),
            "dropped_seen_conversations": dropped,
        }
    result["seconds"] = {"stress": t_stress, "total": time.perf_counter() - t0}
    write_json(result, Path(out) / STRESS_FILE)
    return result


def run_prompt_hashes(run_dir: Path) -> set[str]:
    """Prompt hashes of every conversation in a run's split files (train, dev, held-out)."""
    out: set[str] = set()
    for name in ("train.jsonl.gz", "dev.jsonl.gz", "val.jsonl.gz"):
        path = run_dir / "split" / name
        if path.exists():
            out |= {prompt_hash(p.prompt) for p in load_pairs_by_id(path)[0].values()}
    return out
