"""Inputs every seed shares: the base model resolved, ``max_length`` chosen, every pair
tokenized once into a flat list of sequences, and the frozen layers' outputs cached; plus the
batched forward passes over those inputs (training steps and scoring use the same code)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from supportrm.data.schema import PreferencePair
from supportrm.model.backbone import (
    RewardModule,
    load_reward_model,
    model_kind,
    structure_of,
    unwrap,
)
from supportrm.model.render import Encoded, EncodeResult, Renderer
from supportrm.model.resolve import cache_root, resolve_base_model
from supportrm.model.scoring import pack_batch, pad_batch
from supportrm.train.batching import auto_max_length
from supportrm.train.cache import FeatureCache, build_or_load
from supportrm.train.config import TrainConfig
from supportrm.train.runtime import progress_bar


@dataclass
class Prepared:
    """Tokenized data shared by every seed: a flat list of sequences, pairs index into it."""

    base_path: Path
    kind: str
    max_length: int
    renderer: Renderer
    tokenizer: Any
    pad_info: dict[str, Any]
    seqs: list[Encoded]
    train: list[tuple[int, int]]  # (chosen seq, rejected seq)
    train_margin: list[float]
    train_lengths: list[int]
    val: list[tuple[int, int]]
    val_pairs: list[PreferencePair]  # the scored val pairs (identical ones removed)
    val_encoded: EncodeResult
    #: Dev pairs (checkpoint selection, calibration); empty: the last checkpoint is kept.
    dev: list[tuple[int, int]] = field(default_factory=list)
    dropped: dict[str, Any] = field(default_factory=dict)
    n_frozen: int = 0
    cache: FeatureCache | None = None
    cache_info: dict[str, Any] = field(default_factory=dict)
    #: Padding-free (packed) batches for a decoder; see ``TrainConfig.packing``.
    packing: bool = False


def _n_frozen(config: TrainConfig, n_layers: int) -> int:
    if config.freeze_layers > n_layers:
        raise ValueError(
            f"freeze_layers={config.freeze_layers} but the base model has {n_layers} layers"
        )
    return max(config.freeze_layers, 0)


def prepare(
    config: TrainConfig,
    train_pairs: Sequence[PreferencePair],
    val_pairs: Sequence[PreferencePair],
    dev_pairs: Sequence[PreferencePair] = (),
    *,
    base_path: Path | None = None,
    accelerator: Any = None,
    log: Any = print,
) -> Prepared:
    """Resolve the model, choose ``max_length``, tokenize, and build the feature cache."""
    base = base_path or resolve_base_model(config.model)
    kind = model_kind(base)
    module_model, tokenizer, pad_info = load_reward_model(
        base, dropout=config.dropout, seed=0, attn_implementation=config.attn_implementation
    )
    if config.max_length is not None:
        max_length = config.max_length
    else:
        probe = Renderer(tokenizer, kind, config.max_length_cap)
        lens = [
            len(e.input_ids) for e in probe.encode_many(pair_items(train_pairs)) if not e.truncated
        ]
        max_length = auto_max_length(lens, config.max_length_quantile, config.max_length_cap)
        log(f"max_length {max_length} (quantile {config.max_length_quantile} of training lengths)")
    limit = getattr(unwrap(module_model).config, "max_position_embeddings", None)
    if limit is not None and max_length > int(limit):
        raise ValueError(f"max_length {max_length} exceeds the model's {limit} positions")
    renderer = Renderer(tokenizer, kind, max_length)  # type: ignore[arg-type]
    t_enc = renderer.encode_pairs(train_pairs)
    v_enc = renderer.encode_pairs(val_pairs)
    seqs: list[Encoded] = []
    train: list[tuple[int, int]] = []
    margins: list[float] = []
    lengths: list[int] = []
    for ep in t_enc.pairs:
        train.append((len(seqs), len(seqs) + 1))
        seqs += [ep.chosen, ep.rejected]
        m = train_pairs[ep.index].margin
        margins.append(float(m) if (config.use_margin and m is not None) else 0.0)
        lengths.append(ep.max_len)
    val: list[tuple[int, int]] = []
    for ep in v_enc.pairs:
        val.append((len(seqs), len(seqs) + 1))
        seqs += [ep.chosen, ep.rejected]
    d_enc = renderer.encode_pairs(dev_pairs)
    dev: list[tuple[int, int]] = []
    for ep in d_enc.pairs:
        dev.append((len(seqs), len(seqs) + 1))
        seqs += [ep.chosen, ep.rejected]
    dropped: dict[str, dict[str, Any]] = {
        "identical_after_truncation": {
            "train": len(t_enc.identical_after_truncation),
            "val": len(v_enc.identical_after_truncation),
            "train_identical_before_truncation": len(t_enc.identical_before_truncation),
            "val_identical_before_truncation": len(v_enc.identical_before_truncation),
            "val_ids": [val_pairs[i].id for i in v_enc.identical_after_truncation],
            "train_ids": [train_pairs[i].id for i in t_enc.identical_after_truncation],
        },
        "truncated_kept": {"train": t_enc.n_truncated, "val": v_enc.n_truncated},
    }
    if dev_pairs:
        dropped["identical_after_truncation"]["dev"] = len(d_enc.identical_after_truncation)
        dropped["truncated_kept"]["dev"] = d_enc.n_truncated
    n_drop = len(t_enc.identical_after_truncation) + len(v_enc.identical_after_truncation)
    if n_drop:
        log(f"excluded {n_drop} pairs identical after truncation (listed in run.json)")
    n_layers = len(structure_of(module_model).layers)
    n_frozen = _n_frozen(config, n_layers)
    prep = Prepared(
        base_path=Path(base),
        kind=kind,
        max_length=max_length,
        renderer=renderer,
        tokenizer=tokenizer,
        pad_info=pad_info,
        seqs=seqs,
        train=train,
        train_margin=margins,
        train_lengths=lengths,
        val=val,
        val_pairs=[val_pairs[ep.index] for ep in v_enc.pairs],
        val_encoded=v_enc,
        dev=dev,
        dropped=dropped,
        n_frozen=n_frozen,
    )
    prep.packing = use_packing(config, kind)
    if config.uses_feature_cache:
        module = RewardModule(module_model)
        if accelerator is not None:
            module = module.to(accelerator.device)
        root = config.cache_dir or cache_root()
        ctx = (
            accelerator.main_process_first()
            if accelerator is not None
            else contextlib.nullcontext()
        )
        with ctx:
            bar = progress_bar(
                config, len(seqs), "feature cache", unit="seq", accelerator=accelerator
            )
            prep.cache, prep.cache_info = build_or_load(
                module,
                seqs,
                n_frozen,
                Path(root),
                tokenizer,
                progress=bar.update,
                dtype=config.cache_dtype,
            )
            bar.close()
        log(
            f"feature cache: {prep.cache_info['path']} "
            f"({'built in {:.1f} s'.format(prep.cache_info['build_seconds']) if prep.cache_info['built'] else 'reused'}, "
            f"{prep.cache.nbytes / 2**30:.2f} GiB; `supportrm cache list` shows all caches)"
        )
        for gone in prep.cache_info.get("evicted", []):
            log(f"feature cache: evicted {gone} (least recently used; SUPPORTRM_CACHE_MAX_GB)")
    return prep


def use_packing(config: TrainConfig, kind: str) -> bool:
    """Whether batches are packed: ``packing`` on (decoders only), or auto with a flash-attention
    kernel, whose variable-length attention is what makes packing faster than padding."""
    if config.packing == "on" and kind != "decoder":
        raise ValueError(
            f"packing=on: padding-free batches are for decoders; {config.model} is an {kind}"
        )
    if config.packing != "auto":
        return config.packing == "on"
    flash = (config.attn_implementation or "").startswith("flash_attention")
    return kind == "decoder" and flash and not config.uses_feature_cache


def pair_items(pairs: Sequence[PreferencePair]) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for p in pairs:
        out += [(p.prompt, p.chosen), (p.prompt, p.rejected)]
    return out


def model_inputs(
    prep: Prepared, idx: Sequence[int], device: Any, use_cache: bool
) -> dict[str, Any]:
    seqs = [prep.seqs[i] for i in idx]
    if prep.packing:
        return pack_batch(seqs, device)
    batch = pad_batch(seqs, prep.tokenizer, device)
    if use_cache:
        assert prep.cache is not None
        hidden = prep.cache.batch(idx, device)
        return {
            "attention_mask": batch["attention_mask"],
            "token_type_ids": batch.get("token_type_ids"),
            "hidden": hidden,
            "start_layer": prep.n_frozen,
        }
    return batch


@torch.no_grad()
def score_sequences(
    module: torch.nn.Module,
    prep: Prepared,
    idx: Sequence[int],
    batch_size: int,
    use_cache: bool,
    device: Any,
) -> np.ndarray:
    was = module.training
    module.eval()
    out = np.zeros(len(idx), dtype=np.float64)
    order = sorted(range(len(idx)), key=lambda k: len(prep.seqs[idx[k]].input_ids))
    for s in range(0, len(order), batch_size):
        part = order[s : s + batch_size]
        r = module(**model_inputs(prep, [idx[k] for k in part], device, use_cache))
        out[part] = r.float().cpu().numpy()
    module.train(was)
    return out


def pair_eval(
    module: Any,
    prep: Prepared,
    pairs: Sequence[tuple[int, int]],
    config: TrainConfig,
    use_cache: bool,
    device: Any,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Loss, accuracy and reward std on some of the prepared pairs (dev or held-out), with the
    chosen and rejected rewards."""
    flat = [i for pair in pairs for i in pair]
    scores = score_sequences(module, prep, flat, config.eval_batch_size, use_cache, device)
    rc, rr = scores[0::2], scores[1::2]
    delta = rc - rr
    stats = {
        "loss": float(np.mean(np.logaddexp(0.0, -delta))) if len(delta) else float("nan"),
        "accuracy": float(np.mean(delta > 0)) if len(delta) else float("nan"),
        "score_std": float(np.std(scores)) if len(scores) else float("nan"),
    }
    return stats, rc, rr
