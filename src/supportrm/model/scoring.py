"""Score conversations and pairs with a trained reward model (any checkpoint the trainer writes).

Rows returned by :meth:`RewardScorer.score_pairs` are the score table of docs/architecture.md.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
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


def pack_batch(seqs: Sequence[Encoded], device: Any = "cpu") -> dict[str, torch.Tensor]:
    """Decoder sequences concatenated into one row without padding (the ``RewardModule`` packed
    input): position ids restart at 0 for each sequence, ``last_index`` marks each one's end."""
    lengths = [len(s.input_ids) for s in seqs]
    ids = torch.tensor([t for s in seqs for t in s.input_ids], dtype=torch.long)
    pos = torch.cat([torch.arange(n, dtype=torch.long) for n in lengths])
    last = torch.cumsum(torch.tensor(lengths, dtype=torch.long), 0) - 1
    return {"input_ids": ids[None].to(device), "position_ids": pos[None].to(device),
            "last_index": last.to(device)}  # fmt: skip


def real_tokens(batch: dict[str, Any]) -> int:
    """Real (unpadded) tokens in a padded or packed batch."""
    mask = batch.get("attention_mask")
    return int(mask.sum()) if mask is not None else int(batch["input_ids"].numel())


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


_SHARDING = threading.Event()


@contextlib.contextmanager
def sharded_scoring() -> Iterator[bool]:
    """Under a multi-process launcher (``accelerate launch``/``torchrun``, ``WORLD_SIZE`` > 1):
    start the process group, and make every :class:`RewardScorer` score only its process's share
    of each call and gather the rest, so each process returns the full result. Yields whether
    this is the main process (the one that should write and print). One process: a no-op."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        yield True
        return
    from accelerate import PartialState

    # Initialises torch.distributed from the launcher's environment (gloo on CPU, as training).
    state = PartialState(cpu=not torch.cuda.is_available())
    _SHARDING.set()
    try:
        yield bool(state.is_main_process)
    finally:
        _SHARDING.clear()


def _process_share() -> tuple[int, int] | None:
    if not _SHARDING.is_set():
        return None
    import torch.distributed as dist

    if not dist.is_initialized() or dist.get_world_size() < 2:
        return None
    return dist.get_rank(), dist.get_world_size()


def scoring_processes() -> int:
    """How many processes share each scoring call (1 unless under :func:`sharded_scoring`)."""
    share = _process_share()
    return 1 if share is None else share[1]


def gather_shares(out: np.ndarray, mine: list[int], world: int) -> np.ndarray:
    import torch.distributed as dist

    parts: list[Any] = [None] * world
    dist.all_gather_object(parts, (mine, out[mine].tolist()))
    for idx, values in parts:
        out[idx] = values
    return out


def scoring_order(seqs: Sequence[Encoded]) -> tuple[list[int], tuple[int, int] | None]:
    """Sequence indices shortest first (this process's share of them under
    :func:`sharded_scoring`), and that share (rank, world) or None."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i].input_ids))
    share = _process_share()
    if share is not None:  # every len(world)-th sequence of the sorted order: even work
        order = order[share[0] :: share[1]]
    return order, share


def length_batches(
    seqs: Sequence[Encoded], order: list[int], batch_size: int, batch_tokens: int | None
) -> Iterator[list[int]]:
    """Consecutive slices of ``order`` (sorted ascending by length) of at most ``batch_size``
    sequences and, with ``batch_tokens``, at most that many padded tokens."""
    start = 0
    while start < len(order):
        end = min(start + batch_size, len(order))
        if batch_tokens is not None:  # sorted ascending: the last one sets the padding
            while (
                end - start > 1
                and len(seqs[order[end - 1]].input_ids) * (end - start) > batch_tokens
            ):
                end -= 1
        yield order[start:end]
        start = end


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
        order, share = scoring_order(seqs)
        for idx in length_batches(seqs, order, batch_size, batch_tokens):
            with self.renderer.lock:
                batch = pad_batch([seqs[i] for i in idx], self.tokenizer, self.device)
            out[idx] = self.module(**batch).float().cpu().numpy()
            if progress is not None:
                progress(len(idx))
        if share is not None:
            return gather_shares(out, order, share[1])
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
        rows, self.last_stats = pair_rows(pairs, enc, scores)
        return rows


def pair_rows(
    pairs: Sequence[PreferencePair], enc: EncodeResult, scores: np.ndarray
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Score-table rows of the encoded pairs from their rewards (chosen, rejected, chosen, ...),
    and the counts of :attr:`RewardScorer.last_stats`."""
    rows = [
        score_row(pairs[ep.index], ep.chosen, ep.rejected, scores[2 * k], scores[2 * k + 1])
        for k, ep in enumerate(enc.pairs)
    ]
    stats = {
        "n_input": len(pairs),
        "n_scored": len(rows),
        "identical_after_truncation": len(enc.identical_after_truncation),
        "identical_before_truncation": len(enc.identical_before_truncation),
        "excluded_ids": [pairs[i].id for i in enc.identical_after_truncation],
        "n_truncated": enc.n_truncated,
    }
    return rows, stats
