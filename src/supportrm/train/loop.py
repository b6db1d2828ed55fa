"""The training loop: Bradley-Terry loss, one model per seed, resumable, accelerate-driven.

`train_seeds` prepares what all seeds share (tokenized data, the frozen-layer feature cache) and
calls `train_one_seed` for each seed; the run directory layout is docs/architecture.md's.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from supportrm.data.schema import PreferencePair
from supportrm.model.backbone import (
    RewardModule,
    apply_lora,
    freeze_bottom,
    load_reward_model,
    model_kind,
    structure_of,
    unwrap,
)
from supportrm.model.checkpoint import atomic_write_text, save_checkpoint
from supportrm.model.render import Encoded, EncodeResult, Renderer
from supportrm.model.resolve import cache_root, resolve_base_model
from supportrm.model.scoring import pad_batch, score_row
from supportrm.train.batching import auto_max_length, length_grouped_batches, shard
from supportrm.train.cache import FeatureCache, build_or_load
from supportrm.train.config import TrainConfig
from supportrm.train.loss import bradley_terry_loss

STATE_FILE = "state.pt"


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
    dropped: dict[str, Any] = field(default_factory=dict)
    n_frozen: int = 0
    cache: FeatureCache | None = None
    cache_info: dict[str, Any] = field(default_factory=dict)


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
    *,
    base_path: Path | None = None,
    accelerator: Any = None,
    log: Any = print,
) -> Prepared:
    """Resolve the model, choose ``max_length``, tokenize, and build the feature cache."""
    base = base_path or resolve_base_model(config.model)
    kind = model_kind(base)
    module_model, tokenizer, pad_info = load_reward_model(base, dropout=config.dropout, seed=0)
    if config.max_length is not None:
        max_length = config.max_length
    else:
        probe = Renderer(tokenizer, kind, config.max_length_cap)
        lens = [len(e.input_ids) for e in probe.encode_many(_items(train_pairs)) if not e.truncated]
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
    dropped = {
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
        dropped=dropped,
        n_frozen=n_frozen,
    )
    if config.cache_features and config.freeze_layers >= 0 and not config.dropout:
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
            bar = _bar(config, len(seqs), "feature cache", unit="seq", accelerator=accelerator)
            prep.cache, prep.cache_info = build_or_load(
                module, seqs, n_frozen, Path(root), int(tokenizer.pad_token_id), progress=bar.update
            )
            bar.close()
        log(
            f"feature cache: {prep.cache_info['path']} "
            f"({'built in {:.1f} s'.format(prep.cache_info['build_seconds']) if prep.cache_info['built'] else 'reused'}, "
            f"{prep.cache.nbytes / 2**30:.2f} GiB)"
        )
    return prep


def _items(pairs: Sequence[PreferencePair]) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    for p in pairs:
        out += [(p.prompt, p.chosen), (p.prompt, p.rejected)]
    return out


def _bar(
    config: TrainConfig,
    total: int,
    desc: str,
    *,
    unit: str = "it",
    initial: int = 0,
    accelerator: Any = None,
) -> Any:
    from tqdm.auto import tqdm

    main = accelerator is None or accelerator.is_main_process
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        disable=not (config.progress and main),
        mininterval=2.0,
        dynamic_ncols=True,
        file=sys.stderr,
    )


def make_accelerator() -> Any:
    from accelerate import Accelerator

    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    # bf16 autocast on CUDA; plain fp32 on CPU (bf16 is ~20x slower on AVX2-only CPUs).
    return Accelerator(cpu=not cuda, mixed_precision="bf16" if bf16 else "no")


# -- one seed --------------------------------------------------------------------------------


def _inputs(prep: Prepared, idx: Sequence[int], device: Any, use_cache: bool) -> dict[str, Any]:
    seqs = [prep.seqs[i] for i in idx]
    batch = pad_batch(seqs, int(prep.tokenizer.pad_token_id), device)
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
        r = module(**_inputs(prep, [idx[k] for k in part], device, use_cache))
        out[part] = r.float().cpu().numpy()
    module.train(was)
    return out


def _val_eval(
    module: Any, prep: Prepared, config: TrainConfig, use_cache: bool, device: Any
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    flat = [i for pair in prep.val for i in pair]
    scores = score_sequences(module, prep, flat, config.eval_batch_size, use_cache, device)
    rc, rr = scores[0::2], scores[1::2]
    delta = rc - rr
    loss = float(np.mean(np.logaddexp(0.0, -delta))) if len(delta) else float("nan")
    stats = {
        "val_loss": loss,
        "val_accuracy": float(np.mean(delta > 0)) if len(delta) else float("nan"),
        "score_std": float(np.std(scores)) if len(scores) else float("nan"),
    }
    return stats, rc, rr


def basic_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Loss and accuracy overall and per category (the evaluation stage adds much more)."""

    def summary(sub: list[dict[str, Any]]) -> dict[str, Any]:
        d = np.array([r["chosen_score"] - r["rejected_score"] for r in sub], dtype=np.float64)
        if len(d) == 0:
            return {"n": 0}
        ties = np.abs(d) < 1e-6
        return {
            "n": len(d),
            "accuracy": float(np.mean((d > 0) & ~ties)),
            "accuracy_ties_half": float(np.mean(np.where(ties, 0.5, d > 0))),
            "tie_rate": float(np.mean(ties)),
            "loss": float(np.mean(np.logaddexp(0.0, -d))),
        }

    cats = sorted({str(r["category"]) for r in rows if r["category"] is not None})
    out = summary(rows)
    out["per_category"] = {c: summary([r for r in rows if r["category"] == c]) for c in cats}
    return out


def _trainable_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in module.named_parameters() if p.requires_grad}


def _load_trainable(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(module.named_parameters())
    with torch.no_grad():
        for n, t in state.items():
            params[n].copy_(t)


def _rng_state() -> dict[str, Any]:
    return {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def _set_rng_state(s: dict[str, Any]) -> None:
    torch.set_rng_state(s["torch"])
    np.random.set_state(s["numpy"])
    random.setstate(s["python"])


def _atomic_torch_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in rows))


def train_one_seed(
    config: TrainConfig,
    prep: Prepared,
    seed: int,
    seed_dir: Path,
    *,
    accelerator: Any = None,
    stop_at_step: int | None = None,
    log: Any = print,
) -> dict[str, Any]:
    """Train one model; write checkpoint, steps/history/val_scores/metrics into ``seed_dir``.

    ``stop_at_step`` simulates an interruption (tests): training state is saved at that step and
    the function returns ``{"interrupted": True}``; a later call with ``config.resume`` continues.
    """
    accelerator = accelerator or make_accelerator()
    device = accelerator.device
    main = accelerator.is_main_process
    world, rank = accelerator.num_processes, accelerator.process_index
    seed_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model, _tok, _ = load_reward_model(prep.base_path, dropout=config.dropout, seed=seed)
    use_cache = prep.cache is not None
    if config.freeze_layers >= 0:
        freeze_bottom(model, prep.n_frozen, freeze_embeddings=True)
    if config.lora_r > 0:
        model = apply_lora(
            model,
            r=config.lora_r,
            alpha=config.lora_alpha,
            dropout=config.lora_dropout,
            first_layer=prep.n_frozen,
        )
    if config.gradient_checkpointing:
        cast(Any, unwrap(model)).gradient_checkpointing_enable(
            gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    head = structure_of(model).head_module()
    if head.bias is not None and not config.center_rewards_coefficient:
        # r_c - r_r cancels the bias: it gets exactly zero gradient under the plain BT loss, so
        # it is frozen (at 0) rather than listed as trainable; centering does train it.
        head.bias.requires_grad_(False)
    module = RewardModule(model).to(device)
    module.train()
    params = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    n_train = len(prep.train)
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = int(config.warmup_ratio * total_steps)

    def lr_lambda(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(warmup, 1)
        return max(0.0, (total_steps - step) / max(total_steps - warmup, 1))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    ds_plugin = getattr(accelerator.state, "deepspeed_plugin", None)
    if ds_plugin is not None:
        # We prepare no DataLoader (batches are built and sharded here), so DeepSpeed cannot
        # infer its "auto" micro batch; give it ours. Not exercised on CPU (no deepspeed here).
        ds_plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = max(
            1, config.batch_size // world
        )
    ddp_module, optimizer = accelerator.prepare(module, optimizer)
    eval_every = config.eval_every_steps or steps_per_epoch

    step = 0
    history: list[dict[str, Any]] = []
    best: dict[str, Any] = {"val_loss": math.inf, "step": -1, "state": _trainable_state(module)}
    state_path = seed_dir / STATE_FILE
    steps_path = seed_dir / "steps.jsonl"
    if config.resume and state_path.exists():
        st = torch.load(state_path, map_location="cpu", weights_only=False)
        _load_trainable(module, st["trainable"])
        optimizer.load_state_dict(st["optimizer"])
        scheduler.load_state_dict(st["scheduler"])
        _set_rng_state(st["rng"])
        step, history, best = st["step"], st["history"], st["best"]
        log(f"seed {seed}: resumed at step {step}/{total_steps}")
        if main:
            kept = []
            if steps_path.exists():
                kept = [json.loads(x) for x in steps_path.read_text().splitlines() if x.strip()]
            _write_jsonl(steps_path, [r for r in kept if r["step"] <= step])
            _write_jsonl(seed_dir / "history.jsonl", history)
    elif main:
        for name in ("steps.jsonl", "history.jsonl"):
            (seed_dir / name).unlink(missing_ok=True)

    def save_state() -> None:
        if main:
            _atomic_torch_save(
                {
                    "step": step,
                    "trainable": _trainable_state(module),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "rng": _rng_state(),
                    "history": history,
                    "best": best,
                    "config": config.fingerprint_fields(),
                },
                state_path,
            )
        accelerator.wait_for_everyone()

    if stop_at_step == 0 and step == 0:
        save_state()  # interruption before the first step (tests compare against this state)
        return {"interrupted": True, "step": 0}
    tb = _tensorboard(config, seed_dir, step) if main else None
    bar = _bar(
        config, total_steps, f"seed {seed}", unit="step", initial=step, accelerator=accelerator
    )
    steps_file = steps_path.open("a", encoding="utf-8") if main else None
    try:
        for epoch in range(step // steps_per_epoch, config.epochs):
            batches = length_grouped_batches(prep.train_lengths, config.batch_size, seed, epoch)
            for b_i in range(step - epoch * steps_per_epoch, len(batches)):
                t0 = time.perf_counter()
                batch = batches[b_i]
                local = shard(batch, rank, world)
                k = len(local)
                idx = [prep.train[i][0] for i in local] + [prep.train[i][1] for i in local]
                inputs = _inputs(prep, idx, device, use_cache)
                margin = torch.tensor([prep.train_margin[i] for i in local], device=device)
                with accelerator.autocast():
                    rewards = ddp_module(**inputs).float()
                loss = (
                    bradley_terry_loss(
                        rewards[:k],
                        rewards[k:],
                        margin if config.use_margin else None,
                        config.center_rewards_coefficient,
                        denominator=len(batch),
                    )
                    * world
                )
                accelerator.backward(loss)
                if config.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(params, config.max_grad_norm)
                lr_now = scheduler.get_last_lr()[0]
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                with torch.no_grad():
                    correct = (rewards[:k] > rewards[k:]).float().sum()
                    tot = accelerator.reduce(torch.stack([loss.detach() / world, correct]), "sum")
                dt = time.perf_counter() - t0
                rec = {
                    "step": step,
                    "epoch": round(epoch + (b_i + 1) / len(batches), 4),
                    "loss": float(tot[0]),
                    "batch_accuracy": float(tot[1]) / len(batch),
                    "lr": lr_now,
                    "pairs": len(batch),
                    "seconds": dt,
                    "pairs_per_s": len(batch) / dt,
                    "tokens": int(inputs["attention_mask"].sum()) * world,
                }
                if steps_file is not None:
                    steps_file.write(json.dumps(rec) + "\n")
                    steps_file.flush()
                if tb is not None:
                    for key in ("loss", "batch_accuracy", "lr", "pairs_per_s"):
                        tb.add_scalar(f"train/{key}", rec[key], step)
                bar.update(1)
                bar.set_postfix(loss=f"{rec['loss']:.3f}", pairs_s=f"{rec['pairs_per_s']:.1f}")
                is_eval = step % eval_every == 0 or step == total_steps
                if is_eval:
                    stats, v_rc, v_rr = _val_eval(module, prep, config, use_cache, device)
                    h = {"step": step, "epoch": rec["epoch"], **stats}
                    history.append(h)
                    if main:
                        _write_jsonl(seed_dir / "history.jsonl", history)
                        log(
                            f"seed {seed} step {step}: val_loss {stats['val_loss']:.4f} "
                            f"val_accuracy {stats['val_accuracy']:.4f}"
                        )
                    if tb is not None:
                        tb.add_scalar("val/loss", stats["val_loss"], step)
                        tb.add_scalar("val/accuracy", stats["val_accuracy"], step)
                    if stats["val_loss"] < best["val_loss"]:
                        best = {
                            "val_loss": stats["val_loss"],
                            "step": step,
                            "state": _trainable_state(module),
                            "val_scores": (v_rc, v_rr),  # the final scoring reuses them
                        }
                if is_eval or step % config.save_every_steps == 0 or step == stop_at_step:
                    save_state()
                if stop_at_step is not None and step >= stop_at_step:
                    return {"interrupted": True, "step": step}
    finally:
        bar.close()
        if steps_file is not None:
            steps_file.close()
        if tb is not None:
            tb.close()

    # Final: the best checkpoint by held-out loss.
    _load_trainable(module, best["state"])
    if best.get("val_scores") is not None:
        rc, rr = best["val_scores"]
    else:  # no evaluation happened (cannot occur with eval at the last step; kept for safety)
        _stats, rc, rr = _val_eval(module, prep, config, use_cache, device)
    rows = [
        score_row(pair, ep.chosen, ep.rejected, rc[k], rr[k])
        for k, (pair, ep) in enumerate(zip(prep.val_pairs, prep.val_encoded.pairs, strict=True))
    ]
    metrics = _seed_metrics(rows, history)
    metrics["training"] = {
        "best_step": best["step"],
        "best_val_loss": best["val_loss"],
        "total_steps": total_steps,
        "seed": seed,
    }
    norm = _train_reward_stats(module, prep, config, seed, use_cache, device)
    wall = time.perf_counter() - t_start
    if main:
        _write_jsonl(seed_dir / "val_scores.jsonl", rows)
        scores = np.concatenate([rc, rr]) if len(rc) else np.zeros(0)
        meta = {
            "supportrm_version": _version(),
            "base_model": str(prep.base_path),
            "model_spec": config.model,
            "render": prep.renderer.settings(),
            "pad": prep.pad_info,
            "seed": seed,
            "best_step": best["step"],
            "freeze_layers": config.freeze_layers,
            "lora_r": config.lora_r,
            "reward_normalization": norm,
            "val_reward_mean": float(scores.mean()) if len(scores) else None,
            "val_reward_std": float(scores.std()) if len(scores) else None,
            "config": config.model_dump(mode="json"),
        }
        save_checkpoint(
            accelerator.unwrap_model(ddp_module), prep.tokenizer, seed_dir / "checkpoint", meta
        )
        atomic_write_text(seed_dir / "metrics.json", json.dumps(metrics, indent=2, default=float))
        atomic_write_text(
            seed_dir / "timing.json", json.dumps({"wall_seconds": wall, "steps": total_steps})
        )
        state_path.unlink(missing_ok=True)
    accelerator.wait_for_everyone()
    return metrics


def _train_reward_stats(
    module: torch.nn.Module,
    prep: Prepared,
    config: TrainConfig,
    seed: int,
    use_cache: bool,
    device: Any,
) -> dict[str, Any]:
    """Reward mean/std on (a seeded sample of) the training split: RLHF whitens rewards with it."""
    n = len(prep.train)
    k = n if config.normalization_pairs <= 0 else min(n, config.normalization_pairs)
    rng = np.random.default_rng([seed, 104729])
    chosen = sorted(rng.choice(n, size=k, replace=False).tolist()) if k < n else list(range(n))
    flat = [i for j in chosen for i in prep.train[j]]
    scores = score_sequences(module, prep, flat, config.eval_batch_size, use_cache, device)
    split = "train" if k == n else f"train (seeded sample of {k} of {n} pairs)"
    return {
        "mean": float(scores.mean()) if len(scores) else None,
        "std": float(scores.std()) if len(scores) else None,
        "n_rewards": len(scores),
        "split": split,
        "usage": "normalised_reward = (reward - mean) / std",
    }


def _seed_metrics(rows: list[dict[str, Any]], history: list[dict[str, Any]]) -> dict[str, Any]:
    metrics: dict[str, Any] = basic_metrics(rows)
    try:
        from supportrm.evaluate.metrics import compute_metrics
    except ImportError:
        return metrics
    try:
        full = compute_metrics(rows, history=history)
    except Exception as exc:  # the evaluation stage must not lose a trained model
        metrics["compute_metrics_error"] = repr(exc)
        return metrics
    if isinstance(full, dict):
        full.setdefault("basic", metrics)
        return full
    return metrics


def _tensorboard(config: TrainConfig, seed_dir: Path, step: int) -> Any:
    """A SummaryWriter for ``seed_dir/tensorboard`` (None when off or not installed).

    ``step`` is where training (re)starts. A fresh start (step 0) deletes event files a discarded
    earlier attempt left, as steps.jsonl is deleted. A resume writes a restart marker
    (``purge_step``): TensorBoard then drops the steps an interrupted run logged after its last
    saved state, which the resumed run logs again; without it every such step would appear twice.
    """
    if not config.tensorboard:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print(
            "tensorboard is not installed; --tensorboard ignored. Install it with "
            "`pip install tensorboard` (or `pip install 'supportrm[tensorboard]'`).",
            file=sys.stderr,
        )
        return None
    log_dir = seed_dir / "tensorboard"
    if step == 0:
        for old in log_dir.glob("events.out.tfevents.*"):
            old.unlink()
        return SummaryWriter(str(log_dir))
    return SummaryWriter(str(log_dir), purge_step=step + 1)


def _version() -> str:
    from supportrm import __version__

    return __version__


# -- several seeds ---------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for pkg in ("supportrm", "torch", "transformers", "accelerate", "peft", "tokenizers", "numpy"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[pkg] = md.version(pkg)
    machine = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return {"versions": versions, "machine": machine}


def pairs_hash(pairs: Sequence[PreferencePair]) -> str:
    from supportrm.data.hashing import hash_pairs

    return hash_pairs(pairs)


def aggregate_seeds(per_seed: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Mean ± std and worst seed of accuracy, overall and per category."""
    try:
        from supportrm.evaluate import aggregate as eval_aggregate

        agg = eval_aggregate(per_seed)
        if isinstance(agg, dict):
            return agg
    except Exception:  # evaluation stage absent or its API differs: fall back to the basics
        pass

    def acc(m: dict[str, Any]) -> float:
        return float(m.get("accuracy", m.get("basic", {}).get("accuracy", float("nan"))))

    def cats(m: dict[str, Any]) -> dict[str, Any]:
        return dict(m.get("per_category") or m.get("basic", {}).get("per_category", {}))

    accs = {s: acc(m) for s, m in per_seed.items()}
    out: dict[str, Any] = {
        "seeds": sorted(per_seed),
        "accuracy": {
            "per_seed": accs,
            "mean": float(np.mean(list(accs.values()))),
            "std": float(np.std(list(accs.values()), ddof=1)) if len(accs) > 1 else 0.0,
            "worst": float(min(accs.values())),
            "worst_seed": min(accs, key=lambda s: accs[s]),
        },
        "per_category": {},
    }
    all_cats = sorted({c for m in per_seed.values() for c in cats(m)})
    for c in all_cats:
        vals = {
            s: float(cats(m).get(c, {}).get("accuracy", float("nan"))) for s, m in per_seed.items()
        }
        out["per_category"][c] = {
            "per_seed": vals,
            "mean": float(np.mean(list(vals.values()))),
            "worst": float(min(vals.values())),
        }
    return out


def train_seeds(
    config: TrainConfig,
    train_pairs: Sequence[PreferencePair],
    val_pairs: Sequence[PreferencePair],
    run_dir: Path,
    *,
    extra_run_info: dict[str, Any] | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Train every seed in ``config.seeds`` into ``run_dir``; returns the aggregated metrics."""
    run_dir = Path(run_dir)
    accelerator = make_accelerator()
    if log is None:

        def log(msg: str) -> None:
            if accelerator.is_main_process:
                print(msg, file=sys.stderr, flush=True)

    if not torch.cuda.is_available():
        torch.set_num_threads(config.num_threads or os.cpu_count() or 1)
    t0 = time.perf_counter()
    run_json = run_dir / "run.json"
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        _check_resume(config, run_dir)
    accelerator.wait_for_everyone()
    prep = prepare(config, train_pairs, val_pairs, accelerator=accelerator, log=log)
    t_prepared = time.perf_counter()
    resolved = config.model_copy(update={"max_length": prep.max_length})
    info: dict[str, Any] = {
        "command": " ".join(sys.argv),
        "base_model": str(prep.base_path),
        "kind": prep.kind,
        "render": prep.renderer.settings(),
        "pad": prep.pad_info,
        "freeze_layers": prep.n_frozen if config.freeze_layers >= 0 else -1,
        "data": {
            "train_pairs": len(train_pairs),
            "val_pairs": len(val_pairs),
            "train_hash": pairs_hash(train_pairs),
            "val_hash": pairs_hash(val_pairs),
            "train_used": len(prep.train),
            "val_scored": len(prep.val),
        },
        "dropped": prep.dropped,
        "feature_cache": prep.cache_info,
        "processes": accelerator.num_processes,
        **environment(),
        **(extra_run_info or {}),
    }
    if accelerator.is_main_process:
        atomic_write_text(run_dir / "config.yaml", resolved.to_yaml())
    per_seed: dict[int, dict[str, Any]] = {}
    seed_walls: dict[int, float] = {}
    for seed in config.seeds:
        seed_dir = run_dir / f"seed-{seed}"
        done = seed_dir / "metrics.json"
        if config.resume and done.exists() and (seed_dir / "checkpoint" / "config.json").exists():
            log(f"seed {seed}: already complete, kept")
            per_seed[seed] = json.loads(done.read_text())
            continue
        s0 = time.perf_counter()
        per_seed[seed] = train_one_seed(
            resolved, prep, seed, seed_dir, accelerator=accelerator, log=log
        )
        seed_walls[seed] = time.perf_counter() - s0
    agg = aggregate_seeds(per_seed)
    total = time.perf_counter() - t0
    info["wall_seconds"] = {
        "total": total,
        "prepare_and_cache": t_prepared - t0,
        "per_seed": seed_walls,
        "per_seed_including_shared": total / max(len(config.seeds), 1),
    }
    if accelerator.is_main_process:
        previous = json.loads(run_json.read_text()) if run_json.exists() else {}
        merged = {**previous, **info}
        atomic_write_text(run_json, json.dumps(merged, indent=2, default=str))
        atomic_write_text(run_dir / "metrics.json", json.dumps(agg, indent=2, default=float))
    return agg


def _check_resume(config: TrainConfig, run_dir: Path) -> None:
    cfg_file = run_dir / "config.yaml"
    if not cfg_file.exists():
        return
    if not config.resume:
        if any(run_dir.glob("seed-*/metrics.json")) or any(run_dir.glob(f"seed-*/{STATE_FILE}")):
            raise FileExistsError(
                f"{run_dir} already holds a run; pass --resume to continue it or choose another --out"
            )
        return
    old = TrainConfig.from_yaml(cfg_file)
    a = old.fingerprint_fields()
    b = config.fingerprint_fields()
    if config.max_length is None:
        a.pop("max_length", None)
        b.pop("max_length", None)
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if diff:
        raise ValueError(f"--resume: settings differ from {cfg_file}: {', '.join(diff)}")
