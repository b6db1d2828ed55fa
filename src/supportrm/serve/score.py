"""``supportrm score``: rewards for every row of a file, with one checkpoint or a run's seed
ensemble (mean reward over seeds, and their standard deviation as an uncertainty column).

Pair files get ``chosen_reward`` and ``rejected_reward`` and an accuracy summary; files of single
replies (``data/responses.py``) get ``reward``. Rows keep the input order and ids. Conversations
are rendered and truncated exactly as in training (``RewardScorer``). Rewards are raw unless
``normalize``: then each model's ``(r - mean) / std`` with the statistics stored in its
checkpoint (OpenRLHF's convention), before averaging.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.data.load import load_pairs
from supportrm.data.responses import load_replies, record_kind
from supportrm.data.schema import Message
from supportrm.evaluate.accuracy import accuracy_three_ways
from supportrm.evaluate.normalization import load_reward_normalization
from supportrm.evaluate.runs import resolve_checkpoints
from supportrm.files import atomic_path, atomic_write_json


@dataclass
class ScoreResult:
    kind: str  # "pairs" or "responses"
    n_rows: int
    models: dict[str, str]  # "seed 0" / "checkpoint" -> path
    normalized: bool
    out: Path
    #: pairs only: strict accuracy / ties of each model and of the ensemble
    accuracy: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"scored {self.n_rows} {self.kind} rows with {len(self.models)} model(s) "
            f"({'ensemble: mean over seeds, std across them' if len(self.models) > 1 else 'single'}); "
            f"rewards {'normalised (r - mean) / std' if self.normalized else 'raw'} -> {self.out}"
        ]
        for name, a in self.accuracy.items():
            lines.append(
                f"  {name:<12} strict accuracy {100 * a['strict']:.1f}%  ties {100 * a['tie_rate']:.1f}%"
                f"  (n={a['n']})"
            )
        return "\n".join(lines)


@dataclass
class LoadedModel:
    path: Path
    scorer: Any  # supportrm.model.scoring.RewardScorer
    normalization: dict[str, Any] | None


def model_rewards(
    scorers: dict[str, LoadedModel],
    items: Sequence[tuple[Sequence[Message], str]],
    normalize: bool,
    batch_tokens: int | None,
    progress: Callable[[int], None] | None,
) -> np.ndarray:
    """One row of rewards per model (models x items), each normalised with its own statistics
    when ``normalize`` (the ensemble mean is taken by the caller)."""
    from supportrm.model.ensemble import ensemble_rewards  # heavy: only when scoring

    models = list(scorers.values())
    out = ensemble_rewards(
        [m.scorer for m in models], items, 64, batch_tokens=batch_tokens, progress=progress
    )
    for k, m in enumerate(models):
        if normalize and m.normalization:
            out[k] = (out[k] - m.normalization["mean"]) / m.normalization["std"]
    return out


def load_scorers(
    model: str | Path, *, max_length: int | None = None, device: str | None = None
) -> dict[str, LoadedModel]:
    """ "checkpoint" or "seed <S>" -> the loaded model of a checkpoint or a run folder."""
    from supportrm.model.scoring import RewardScorer  # heavy: only when scoring

    found = resolve_checkpoints(model)
    scorers = {}
    for seed, ckpt in sorted(found.items(), key=lambda kv: -1 if kv[0] is None else kv[0]):
        scorer = RewardScorer.from_pretrained(ckpt, max_length=max_length, device=device)
        name = "checkpoint" if seed is None else f"seed {seed}"
        scorers[name] = LoadedModel(ckpt, scorer, load_reward_normalization(ckpt))
    return scorers


def score_file(
    model: str | Path,
    data: str | Path,
    out: str | Path,
    *,
    normalize: bool = False,
    batch_tokens: int | None = 16384,
    on_error: str = "raise",
    progress: Callable[[int], None] | None = None,
) -> ScoreResult:
    """Score every row of ``data`` with ``model`` (checkpoint or run folder) into ``out``
    (``.jsonl[.gz]``, ``.parquet`` or ``.csv``). Refuses before scoring when ``normalize`` is
    asked and a checkpoint has no stored statistics."""
    out = Path(out)
    _format_of(out)  # an unknown extension fails before any model is loaded
    kind = record_kind(data)
    scorers = load_scorers(model)
    if normalize:
        missing = [str(s.path) for s in scorers.values() if not s.normalization]
        if missing:
            raise ValueError(f"--normalize: no reward_normalization stored in {', '.join(missing)}")
    if kind == "pairs":
        loaded = load_pairs(data, on_error=on_error, categories=None)  # type: ignore[arg-type]
        pairs = list(loaded.pairs)
        ids = [p.id for p in pairs]
        rc = model_rewards(
            scorers, [(p.prompt, p.chosen) for p in pairs], normalize, batch_tokens, progress
        )
        rr = model_rewards(
            scorers, [(p.prompt, p.rejected) for p in pairs], normalize, batch_tokens, progress
        )
        columns = {"chosen_reward": rc.mean(0), "rejected_reward": rr.mean(0)}
        if len(scorers) > 1:
            columns |= {"chosen_reward_std": rc.std(0), "rejected_reward_std": rr.std(0)}
        accuracy = {name: accuracy_three_ways(rc[k] - rr[k]) for k, name in enumerate(scorers)}
        if len(scorers) > 1:
            accuracy["ensemble"] = accuracy_three_ways(rc.mean(0) - rr.mean(0))
    else:
        replies = load_replies(data, on_error=on_error).replies  # type: ignore[arg-type]
        ids = [r.id for r in replies]
        r = model_rewards(
            scorers, [(x.prompt, x.reply) for x in replies], normalize, batch_tokens, progress
        )
        columns = {"reward": r.mean(0)}
        if len(scorers) > 1:
            columns["reward_std"] = r.std(0)
        accuracy = {}
    rows = [
        {"id": rid, **{k: float(v[i]) for k, v in columns.items()}, "normalized": normalize}
        for i, rid in enumerate(ids)
    ]
    _write_rows(rows, out)
    result = ScoreResult(
        kind, len(rows), {k: str(s.path) for k, s in scorers.items()}, normalize, out, accuracy
    )
    from supportrm.model.scoring import scoring_processes

    atomic_write_json(
        out.with_name(out.name + ".meta.json"),
        {
            "data": str(data),
            "kind": kind,
            "models": result.models,
            "reward": "mean over seeds" if len(scorers) > 1 else "single model",
            "normalized": normalize,
            "temperatures": {k: m.scorer.temperature for k, m in scorers.items()},
            "processes": scoring_processes(),
            "accuracy": accuracy,
        },
    )
    return result


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in (
        (".jsonl.gz", "jsonl"),
        (".jsonl", "jsonl"),
        (".parquet", "parquet"),
        (".csv", "csv"),
    ):
        if name.endswith(suffix):
            return fmt
    raise ValueError(f"{path}: output must end with .jsonl, .jsonl.gz, .parquet or .csv")


def _write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    fmt = _format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), tmp)
        elif fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["id"])
                writer.writeheader()
                writer.writerows(rows)
        else:
            import gzip

            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
            tmp.write_bytes(gzip.compress(text, mtime=0) if path.name.endswith(".gz") else text)
