"""Score conversations and pairs with a trained reward model (any checkpoint the trainer writes).

Rows returned by :meth:`RewardScorer.score_pairs` are the score table of docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from supportrm.data.schema import Message, PreferencePair
from supportrm.model.backbone import RewardModule, ensure_pad_token, model_kind
from supportrm.model.checkpoint import read_meta
from supportrm.model.render import Encoded, EncodeResult, Renderer
from supportrm.run_files import ScoreRow


def pad_batch(
    seqs: Sequence[Encoded], tokenizer: Any, device: Any = "cpu"
) -> dict[str, torch.Tensor]:
    """Right-pad token ids (and token types) to the longest sequence with ``tokenizer.pad``
    (dynamic padding); the reward is read from the mask, so padding never changes it."""
    features = [
        {"input_ids": s.input_ids}
        if s.token_type_ids is None
        else {"input_ids": s.input_ids, "token_type_ids": s.token_type_ids}
        for s in seqs
    ]
    # Fast tokenizers warn that __call__ pads faster than pad(); our ids are already tokenized.
    tokenizer.deprecation_warnings["Asking-to-pad-a-fast-tokenizer"] = True
    batch = tokenizer.pad(features, padding=True, padding_side="right", return_tensors="pt")
    return {k: v.to(device) for k, v in batch.items()}


def score_row(
    pair: PreferencePair, enc_c: Encoded, enc_r: Encoded, rc: float, rr: float
) -> dict[str, Any]:
    """One row of the score table (:class:`supportrm.run_files.ScoreRow`), as a dict."""
    agreement = pair.metadata.get("agreement") if pair.metadata else None
    row = ScoreRow(
        id=pair.id,
        category=pair.category,
        conversation_id=pair.conversation_id,
        chosen_score=float(rc),
        rejected_score=float(rr),
        chosen_tokens=int(enc_c.reply_tokens),
        rejected_tokens=int(enc_r.reply_tokens),
        chosen_chars=len(pair.chosen),
        rejected_chars=len(pair.rejected),
        truncated=bool(enc_c.truncated or enc_r.truncated),
        agreement=float(agreement) if isinstance(agreement, (int, float)) else None,
    )
    return row.model_dump()


class RewardScorer:
    """A reward model ready to score: model + tokenizer + the renderer it was trained with.

    Safe to call from several threads: tokenizer use is serialised (``renderer.lock``), the
    forward pass needs no lock (inference only), and :attr:`last_stats` is per thread.
    """

    def __init__(
        self, module: RewardModule, tokenizer: Any, renderer: Renderer, device: Any = "cpu"
    ) -> None:
        self.module = module.eval()
        self.tokenizer = tokenizer
        self.renderer = renderer
        self.device = torch.device(device)
        #: Dev-fitted temperature from ``supportrm.json`` (1.0 when none is stored): use it for
        #: probabilities, P(a beats b) = sigmoid((r_a - r_b) / temperature); rewards are raw.
        self.temperature = 1.0
        self._local = threading.local()

    @property
    def last_stats(self) -> dict[str, Any]:
        """Counts from this thread's last :meth:`score_pairs` call (``n_input``, ``n_scored``,
        ``identical_after_truncation``, ``excluded_ids``, ``n_truncated``)."""
        return getattr(self._local, "stats", {})

    @last_stats.setter
    def last_stats(self, value: dict[str, Any]) -> None:
        self._local.stats = value

    @classmethod
    def from_pretrained(
        cls, path: str | Path, *, device: str | None = None, max_length: int | None = None
    ) -> RewardScorer:
        """Load a checkpoint folder (or a ``seed-<S>`` folder holding ``checkpoint/``)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        if (path / "checkpoint").is_dir():
            path = path / "checkpoint"
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path}: not a model folder (no config.json)")
        meta = read_meta(path)
        render = meta.get("render", {})
        kind = render.get("kind") or model_kind(path)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        tokenizer.padding_side = "right"
        if tokenizer.pad_token_id is None:
            ensure_pad_token(tokenizer)
        model = AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=1)
        trained = int(render.get("max_length") or min(tokenizer.model_max_length, 512))
        limit = getattr(model.config, "max_position_embeddings", None)
        # A longer budget than training never truncates more; it is clamped to the positions the
        # model has (a second source with long conversations is scored without cutting them).
        max_length = max(trained, max_length) if max_length is not None else trained
        if limit is not None:
            max_length = min(max_length, int(limit))
        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        module = RewardModule(model).to(dev)
        scorer = cls(module, tokenizer, Renderer(tokenizer, kind, max_length), dev)
        fit = meta.get("temperature")
        if isinstance(fit, dict) and fit.get("value"):
            scorer.temperature = float(fit["value"])
        return scorer

    def preference_probability(self, reward_a: Any, reward_b: Any) -> np.ndarray:
        """P(a beats b) = sigmoid((reward_a - reward_b) / temperature), elementwise."""
        delta = np.asarray(reward_a, dtype=np.float64) - np.asarray(reward_b, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-delta / self.temperature))

    @torch.no_grad()
    def score_encoded(
        self,
        seqs: Sequence[Encoded],
        batch_size: int = 32,
        *,
        batch_tokens: int | None = None,
        progress: Any = None,
    ) -> np.ndarray:
        """Rewards for tokenized sequences, batched by length (order preserved). A batch holds
        at most ``batch_size`` sequences and, with ``batch_tokens``, at most that many padded
        tokens; ``progress(n)`` is called after each batch."""
        out = np.zeros(len(seqs), dtype=np.float64)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i].input_ids))
        start = 0
        while start < len(order):
            end = min(start + batch_size, len(order))
            if batch_tokens is not None:  # sorted ascending: the last one sets the padding
                while (
                    end - start > 1
                    and len(seqs[order[end - 1]].input_ids) * (end - start) > batch_tokens
                ):
                    end -= 1
            idx = order[start:end]
            with self.renderer.lock:
                batch = pad_batch([seqs[i] for i in idx], self.tokenizer, self.device)
            out[idx] = self.module(**batch).float().cpu().numpy()
            if progress is not None:
                progress(len(idx))
            start = end
        return out

    def score_conversations(
        self, prompts: Sequence[Sequence[Message]], replies: Sequence[str], batch_size: int = 32
    ) -> np.ndarray:
        """Reward of each reply to its conversation (``prompts[i]``, ``replies[i]``)."""
        if len(prompts) != len(replies):
            raise ValueError(f"{len(prompts)} conversations but {len(replies)} replies")
        seqs = self.renderer.encode_many(list(zip(prompts, replies, strict=True)))
        return self.score_encoded(seqs, batch_size)

    def score_pairs(
        self, pairs: Sequence[PreferencePair], batch_size: int = 32
    ) -> list[dict[str, Any]]:
        """Score-table rows; pairs identical after truncation are excluded and counted."""
        enc = self.renderer.encode_pairs(pairs)
        return self.score_encoded_pairs(pairs, enc, batch_size)

    def score_encoded_pairs(
        self, pairs: Sequence[PreferencePair], enc: EncodeResult, batch_size: int = 32
    ) -> list[dict[str, Any]]:
        seqs: list[Encoded] = []
        for ep in enc.pairs:
            seqs += [ep.chosen, ep.rejected]
        scores = self.score_encoded(seqs, batch_size) if seqs else np.zeros(0)
        rows = [
            score_row(pairs[ep.index], ep.chosen, ep.rejected, scores[2 * k], scores[2 * k + 1])
            for k, ep in enumerate(enc.pairs)
        ]
        self.last_stats = {
            "n_input": len(pairs),
            "n_scored": len(rows),
            "identical_after_truncation": len(enc.identical_after_truncation),
            "identical_before_truncation": len(enc.identical_before_truncation),
            "excluded_ids": [pairs[i].id for i in enc.identical_after_truncation],
            "n_truncated": enc.n_truncated,
        }
        return rows
