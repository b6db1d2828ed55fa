"""What the HTTP routes call: parse, tokenize and check items, then score them through the
micro-batcher with every served model (one checkpoint, or a run's seeds as an ensemble).

Rewards equal ``supportrm score`` on the same texts: the same renderer (as in training), the same
per-model normalisation before the ensemble mean.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from supportrm.data.schema import Message
from supportrm.model.render import Encoded
from supportrm.serve.batcher import MicroBatcher
from supportrm.serve.score import LoadedModel

Item = tuple[Sequence[Message], str]


class ItemTooLong(ValueError):
    def __init__(self, index: int, tokens: int, limit: int) -> None:
        super().__init__(
            f"item {index}: {tokens} tokens, over the model's max length {limit}; send "
            '"truncate": "left" to cut the oldest turns as in training (system message and '
            "reply are kept)"
        )


class NoNormalization(ValueError):
    pass


@dataclass
class Rewards:
    mean: np.ndarray
    #: across-model standard deviation (ensembles only)
    std: np.ndarray | None
    n_tokens: int


class RewardService:
    def __init__(self, models: dict[str, LoadedModel], batcher: MicroBatcher) -> None:
        self.models = models
        self.batcher = batcher
        # Seeds of one run share the tokenizer and render settings: tokenize once per group.
        self._render_groups: dict[str, list[int]] = {}
        for k, m in enumerate(models.values()):
            self._render_groups.setdefault(_render_key(m), []).append(k)

    def encode(self, items: Sequence[Item], truncate: str) -> list[list[Encoded]]:
        """Per model, the items tokenized as in training; ``truncate="error"`` refuses an item
        that would be cut (:class:`ItemTooLong`). Runs in a worker thread."""
        per_model: list[list[Encoded]] = [[] for _ in self.models]
        scorers = [m.scorer for m in self.models.values()]
        for members in self._render_groups.values():
            renderer = scorers[members[0]].renderer
            seqs = renderer.encode_many(list(items))
            if truncate == "error":
                for i, s in enumerate(seqs):
                    if s.truncated:
                        raise ItemTooLong(i, s.full_tokens, renderer.max_length)
            for k in members:
                per_model[k] = seqs
        return per_model

    async def rewards(self, seqs: list[list[Encoded]], normalize: bool) -> Rewards:
        if normalize:
            missing = [n for n, m in self.models.items() if not m.normalization]
            if missing:
                raise NoNormalization(
                    f"normalize: the model ({', '.join(missing)}) has no stored reward "
                    "normalisation statistics; ask for raw rewards"
                )
        raw = await self.batcher.score(seqs)
        if normalize:
            stats = [m.normalization for m in self.models.values()]
            raw = np.vstack(
                [(raw[k] - s["mean"]) / s["std"] for k, s in enumerate(stats)]  # type: ignore[index]
            )
        std = raw.std(0) if len(self.models) > 1 else None
        return Rewards(raw.mean(0), std, sum(len(s.input_ids) for s in seqs[0]))

    def info(self) -> dict[str, Any]:
        first = next(iter(self.models.values())).scorer
        return {
            "models": {name: str(m.path) for name, m in self.models.items()},
            "reward": "mean over seeds (ensemble)" if len(self.models) > 1 else "single model",
            "kind": first.renderer.kind,
            "template": first.renderer.template_name,
            "max_length": first.renderer.max_length,
            "normalization": {n: m.normalization for n, m in self.models.items()},
            "temperature": {n: m.scorer.temperature for n, m in self.models.items()},
        }


def _render_key(model: LoadedModel) -> str:
    r = model.scorer.renderer
    tok = r.tokenizer
    backend = getattr(tok, "backend_tokenizer", None)
    vocab = backend.to_str() if backend is not None else repr(sorted(tok.get_vocab().items()))
    h = hashlib.sha256(vocab.encode())
    h.update(repr((r.kind, r.max_length, r.template_name, tok.chat_template)).encode())
    return h.hexdigest()
