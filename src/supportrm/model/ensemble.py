"""Scoring with several reward models at once (the seeds of a run): the bottom layers they share
are computed once per batch.

Seeds trained from one base with ``--freeze-layers N`` keep the embeddings and the first N layers
of that base, bit for bit; only the layers above differ. :func:`shared_bottom_layers` finds how
many leading layers can be shared, checking every parameter the forward pass touches up to there
(found by running it, so the check holds for any architecture); :func:`score_encoded_ensemble`
runs those layers once per batch and each model's own layers on the result. With nothing shared
(LoRA on every layer, full fine-tuning, different bases) it is the same as scoring with each model
in turn. Rewards equal :meth:`RewardScorer.score_encoded`'s (tests/test_model_ensemble.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from supportrm.data.schema import Message, PreferencePair
from supportrm.model.backbone import RewardModule
from supportrm.model.render import Encoded
from supportrm.model.scoring import (
    RewardScorer,
    gather_shares,
    length_batches,
    pad_batch,
    pair_rows,
    scoring_order,
)


def _modules_run_before(
    module: RewardModule, n_layers: int, batch: dict[str, torch.Tensor]
) -> set[str]:
    """Names of the submodules that the forward pass calls before layer ``n_layers`` ends."""
    called: set[str] = set()
    handles = [
        m.register_forward_pre_hook(lambda _m, _i, name=name: called.add(name))
        for name, m in module.named_modules()
    ]
    try:
        module.hidden_after(
            n_layers, batch["attention_mask"], batch["input_ids"], batch.get("token_type_ids")
        )
    finally:
        for h in handles:
            h.remove()
    return called


def _same_parameters(modules: Sequence[nn.Module], names: set[str]) -> bool:
    """Whether the parameters owned directly by the named submodules are equal in all modules."""
    first = dict(modules[0].named_modules())
    for other in modules[1:]:
        theirs = dict(other.named_modules())
        for name in names:
            if name not in theirs:
                return False
            a = dict(first[name].named_parameters(recurse=False))
            b = dict(theirs[name].named_parameters(recurse=False))
            if a.keys() != b.keys() or not all(torch.equal(a[k], b[k]) for k in a):
                return False
    return True


def shared_bottom_layers(scorers: Sequence[RewardScorer], probe: Encoded) -> int:
    """How many leading layers every scorer computes identically (0: none, or one scorer).

    A layer is shared when every parameter used up to its end (embeddings, the layers below,
    anything else the architecture runs first) is equal in all models; ``probe`` is one encoded
    sequence, run once to see which submodules those are."""
    if len(scorers) < 2:
        return 0
    modules = [s.module for s in scorers]
    structures = [m.structure for m in modules]
    if len({(st.kind, len(st.layers)) for st in structures}) > 1:
        return 0
    batch = pad_batch([probe], scorers[0].tokenizer, scorers[0].device)
    shared, checked = 0, set[str]()
    for n in range(1, len(structures[0].layers) + 1):
        with torch.no_grad():
            names = _modules_run_before(modules[0], n, batch)
        if not _same_parameters(modules, names - checked):
            break
        shared, checked = n, checked | names
    return shared


@torch.no_grad()
def score_encoded_ensemble(
    scorers: Sequence[RewardScorer],
    seqs: Sequence[Encoded],
    batch_size: int = 32,
    *,
    batch_tokens: int | None = None,
    progress: Callable[[int], None] | None = None,
    shared: int | None = None,
) -> np.ndarray:
    """Rewards of ``seqs`` under every scorer (models x sequences), batched by length as
    :meth:`RewardScorer.score_encoded`; the shared bottom layers (``shared``, found by
    :func:`shared_bottom_layers` when None) run once per batch. The scorers must tokenize alike
    (the seeds of one run do); ``progress(n)`` counts sequences x models."""
    out = np.zeros((len(scorers), len(seqs)), dtype=np.float64)
    if not seqs or not scorers:
        return out
    if shared is None:
        shared = shared_bottom_layers(scorers, seqs[0])
    order, share = scoring_order(seqs)
    lead = scorers[0]
    for idx in length_batches(seqs, order, batch_size, batch_tokens):
        with lead.renderer.lock:
            batch = pad_batch([seqs[i] for i in idx], lead.tokenizer, lead.device)
        hidden = None
        if shared:
            hidden = lead.module.hidden_after(
                shared, batch["attention_mask"], batch["input_ids"], batch.get("token_type_ids")
            )
        for k, s in enumerate(scorers):
            if hidden is None:
                r = s.module(**batch)
            else:
                r = s.module(
                    attention_mask=batch["attention_mask"],
                    token_type_ids=batch.get("token_type_ids"),
                    hidden=hidden,
                    start_layer=shared,
                )
            out[k, idx] = r.float().cpu().numpy()
        if progress is not None:
            progress(len(idx) * len(scorers))
    if share is not None:
        return np.vstack([gather_shares(row, order, share[1]) for row in out])
    return out


def ensemble_rewards(
    scorers: Sequence[RewardScorer],
    items: Sequence[tuple[Sequence[Message], str]],
    batch_size: int = 64,
    *,
    batch_tokens: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Reward of each (conversation, reply) under every scorer (models x items). Sequences are
    encoded by each scorer's own renderer; when all agree (the seeds of one run) they are scored
    together by :func:`score_encoded_ensemble`, else model by model."""
    encoded = [s.renderer.encode_many(list(items)) for s in scorers]
    if _encoded_alike(encoded):
        return score_encoded_ensemble(
            scorers, encoded[0], batch_size, batch_tokens=batch_tokens, progress=progress
        )
    rows = [
        s.score_encoded(enc, batch_size, batch_tokens=batch_tokens, progress=progress)
        for s, enc in zip(scorers, encoded, strict=True)
    ]
    return np.vstack(rows) if rows else np.zeros((0, len(items)))


def score_pairs_together(
    scorers: Sequence[RewardScorer], pairs: Sequence[PreferencePair], batch_size: int = 32
) -> list[tuple[list[dict[str, Any]], dict[str, Any]]] | None:
    """Score-table rows and counts of ``pairs`` for every scorer, scored together, or None when
    the scorers encode the pairs differently or share no layer (score them one by one then)."""
    encs = [s.renderer.encode_pairs(pairs) for s in scorers]
    if not encs or not encs[0].pairs:
        return None
    kept = [[ep.index for ep in e.pairs] for e in encs]  # pairs not dropped after truncation
    flat = [[seq for ep in e.pairs for seq in (ep.chosen, ep.rejected)] for e in encs]
    if any(k != kept[0] for k in kept[1:]) or not _encoded_alike(flat):
        return None
    shared = shared_bottom_layers(scorers, flat[0][0])
    if shared == 0:
        return None
    scores = score_encoded_ensemble(scorers, flat[0], batch_size, shared=shared)
    return [pair_rows(pairs, encs[0], row) for row in scores]


def _encoded_alike(encoded: Sequence[Sequence[Encoded]]) -> bool:
    """Whether every scorer's encoding of the same items is token for token the same."""

    def tokens(seqs: Sequence[Encoded]) -> list[Any]:
        return [(e.input_ids, e.token_type_ids) for e in seqs]

    return all(tokens(enc) == tokens(encoded[0]) for enc in encoded[1:])
