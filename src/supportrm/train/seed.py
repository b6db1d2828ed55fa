"""One seed's model: set up, the training loop, the kept checkpoint.

The step (:func:`_step`) is the whole algorithm: chosen and rejected sequences of a batch go
through the model in one forward pass, the Bradley-Terry loss compares their rewards, then
backward, clip, step, schedule. Everything else here is bookkeeping: resume, evaluation on the
held-out pairs, logs, the checkpoint.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from supportrm.evaluate.accuracy import accuracy_three_ways
from supportrm.evaluate.degenerate import history_until
from supportrm.evaluate.metrics import compute_metrics
from supportrm.evaluate.temperature import fit_temperature, tempered_calibration
from supportrm.files import atomic_write_text
from supportrm.model.backbone import (
    RewardModule,
    apply_lora,
    freeze_bottom,
    load_reward_model,
    structure_of,
    unwrap,
)
from supportrm.model.checkpoint import save_checkpoint
from supportrm.model.scoring import real_tokens, score_row
from supportrm.run_files import CheckpointMeta, SeedMetrics
from supportrm.train import sharding
from supportrm.train import state as train_state
from supportrm.train.batching import length_grouped_batches, shard
from supportrm.train.config import TrainConfig
from supportrm.train.loss import bradley_terry_loss
from supportrm.train.prepare import Prepared, model_inputs, pair_eval, score_sequences
from supportrm.train.runtime import make_accelerator, progress_bar, tensorboard_writer, version

STATE_FILE = train_state.STATE_FILE


@dataclass
class SeedRun:
    """Everything one seed's loop reads and updates."""

    config: TrainConfig
    prep: Prepared
    seed: int
    seed_dir: Path
    accelerator: Any
    module: RewardModule
    model: Any  # what accelerate prepared (DDP-wrapped under several processes)
    optimizer: Any
    scheduler: Any
    params: list[torch.nn.Parameter]
    steps_per_epoch: int
    total_steps: int
    step: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] = field(default_factory=dict)
    sharded: bool = False  # FSDP2 (train/sharding.py)

    @property
    def deepspeed(self) -> bool:
        return getattr(self.accelerator.state, "deepspeed_plugin", None) is not None

    def snapshot(self) -> dict[str, torch.Tensor]:
        """A copy of the trainable weights (shards under FSDP)."""
        if self.sharded:  # the root stays gathered after a forward pass: shard it again first
            sharding.reshard(self.module)
        return train_state.trainable_state(self.module)

    def restore(self, state: dict[str, torch.Tensor]) -> None:
        if self.sharded:
            sharding.reshard(self.module)
        train_state.load_trainable(self.module, state)

    @property
    def use_cache(self) -> bool:
        return self.prep.cache is not None

    def save_state(self) -> None:
        if self.deepspeed:  # its optimizer state is partitioned; see docs/training.md
            return
        best = self.best
        if self.sharded:  # weights and optimizer go to per-process shards; the rest below
            sharding.save_sharded(
                self.seed_dir, self.step, self.module, self.optimizer, self.best["state"]
            )
            best = {k: v for k, v in self.best.items() if k != "state"}
        if self.accelerator.is_main_process:
            train_state.save(
                self.seed_dir / STATE_FILE,
                step=self.step,
                trainable=None if self.sharded else train_state.trainable_state(self.module),
                optimizer=None if self.sharded else self.optimizer.state_dict(),
                scheduler=self.scheduler.state_dict(),
                rng=train_state.rng_state(),
                history=self.history,
                best=best,
                config=self.config.fingerprint_fields(),
            )
        self.accelerator.wait_for_everyone()


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
    t_start = time.perf_counter()
    run = _setup(config, prep, seed, seed_dir, accelerator or make_accelerator(), log)
    if stop_at_step == 0 and run.step == 0:
        run.save_state()  # interruption before the first step (tests compare against this state)
        return {"interrupted": True, "step": 0}
    interrupted = _train(run, stop_at_step, log)
    if interrupted:
        return {"interrupted": True, "step": run.step}
    return _finish(run, time.perf_counter() - t_start, log)


# -- set up ------------------------------------------------------------------------------------


def _setup(
    config: TrainConfig, prep: Prepared, seed: int, seed_dir: Path, accelerator: Any, log: Any
) -> SeedRun:
    seed_dir.mkdir(parents=True, exist_ok=True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    module = RewardModule(_build_model(config, prep, seed)).to(accelerator.device)
    module.train()
    sharded = sharding.fsdp_requested(config, accelerator)
    if sharded:
        sharding.ensure_process_group()
        sharding.shard_module(module)
    params = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(prep.train) / config.batch_size)
    total_steps = math.ceil(steps_per_epoch * config.epochs)
    scheduler = _warmup_linear_decay(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    ds_plugin = getattr(accelerator.state, "deepspeed_plugin", None)
    if ds_plugin is not None:
        # We prepare no DataLoader (batches are built and sharded here), so DeepSpeed cannot
        # infer its "auto" micro batch; give it ours. Not exercised on CPU (no deepspeed here).
        ds_plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = max(
            1, config.batch_size // accelerator.num_processes
        )
    # FSDP: the module is already sharded; accelerate must not wrap it (nor its optimizer).
    model, optimizer = (module, optimizer) if sharded else accelerator.prepare(module, optimizer)
    run = SeedRun(
        config, prep, seed, seed_dir, accelerator, module, model, optimizer, scheduler, params,
        steps_per_epoch, total_steps,
        best={"dev_loss": math.inf, "step": -1, "state": train_state.trainable_state(module)},
        sharded=sharded,
    )  # fmt: skip
    _resume_or_reset(run, log)
    return run


def _build_model(config: TrainConfig, prep: Prepared, seed: int) -> Any:
    model, _tok, _ = load_reward_model(
        prep.base_path,
        dropout=config.dropout,
        seed=seed,
        attn_implementation=config.attn_implementation,
        load_in_4bit=config.load_in_4bit,
    )
    if config.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.gradient_checkpointing
        )
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
    return model


def _warmup_linear_decay(optimizer: Any, warmup: int, total: int) -> Any:
    """Linear warm-up from lr/warmup at the first step, then linear decay to 0.

    transformers' ``get_linear_schedule_with_warmup`` does the same but starts at lr 0 (a
    wasted first step); switching would change every trained model and metric, so we keep ours.
    """

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(warmup, 1)
        return max(0.0, (total - step) / max(total - warmup, 1))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _resume_or_reset(run: SeedRun, log: Any) -> None:
    steps_path, state_path = run.seed_dir / "steps.jsonl", run.seed_dir / STATE_FILE
    main = run.accelerator.is_main_process
    if run.config.resume and state_path.exists():
        st = train_state.load(state_path)
        now = run.config.fingerprint_fields()
        # A setting added after the state was saved counts as its default then.
        stored = {k: v for k, v in TrainConfig.default_values().items() if k in now}
        stored.update(st.get("config") or {})
        diff = sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))
        if diff:  # L9: the state must come from the settings being resumed
            raise ValueError(f"--resume: {state_path} was saved with other settings: {diff}")
        if run.sharded:
            best_state = sharding.load_sharded(
                run.seed_dir, st["step"], run.module, run.optimizer, run.best["state"]
            )
            st["best"]["state"] = best_state
        else:
            train_state.load_trainable(run.module, st["trainable"])
            run.optimizer.load_state_dict(st["optimizer"])
        run.scheduler.load_state_dict(st["scheduler"])
        train_state.set_rng_state(st["rng"])
        run.step, run.history, run.best = st["step"], st["history"], st["best"]
        log(f"seed {run.seed}: resumed at step {run.step}/{run.total_steps}")
        if main:
            kept = []
            if steps_path.exists():
                kept = [json.loads(x) for x in steps_path.read_text().splitlines() if x.strip()]
            _write_jsonl(steps_path, [r for r in kept if r["step"] <= run.step])
            _write_jsonl(run.seed_dir / "history.jsonl", run.history)
    elif main:
        for name in ("steps.jsonl", "history.jsonl"):
            (run.seed_dir / name).unlink(missing_ok=True)


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in rows))


# -- the loop ----------------------------------------------------------------------------------


def _step(run: SeedRun, batch: list[int]) -> dict[str, Any]:
    """One optimisation step on a global batch of pairs; returns the step's log record."""
    acc, prep, config = run.accelerator, run.prep, run.config
    world = acc.num_processes
    local = shard(batch, acc.process_index, world)
    # DDP: a final batch smaller than the world leaves a rank nothing, but every rank must run
    # forward and backward for the gradient all-reduce; it runs one pair with weight 0.
    weight = 1.0 if local else 0.0
    local = local or batch[:1]
    k = len(local)
    idx = [prep.train[i][0] for i in local] + [prep.train[i][1] for i in local]
    inputs = model_inputs(prep, idx, acc.device, run.use_cache)
    margin = torch.tensor([prep.train_margin[i] for i in local], device=acc.device)
    with acc.autocast():
        rewards = run.model(**inputs).float()  # chosen and rejected in one forward pass
    loss = (
        bradley_terry_loss(
            rewards[:k],
            rewards[k:],
            margin if config.use_margin else None,
            config.center_rewards_coefficient,
            denominator=len(batch),
        )
        * world
        * weight
    )
    acc.backward(loss)
    if config.max_grad_norm > 0:
        acc.clip_grad_norm_(run.params, config.max_grad_norm)
    lr = run.scheduler.get_last_lr()[0]
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    run.step += 1
    with torch.no_grad():
        correct = (rewards[:k] > rewards[k:]).float().sum() * weight
        tot = acc.reduce(torch.stack([loss.detach() / world, correct]), "sum")
    return {
        "step": run.step,
        "loss": float(tot[0]),
        "batch_accuracy": float(tot[1]) / len(batch),
        "lr": lr,
        "pairs": len(batch),
        "tokens": int(real_tokens(inputs) * world * weight),
    }


def _train(run: SeedRun, stop_at_step: int | None, log: Any) -> bool:
    """Run the remaining steps; True if stopped early at ``stop_at_step``."""
    config, main = run.config, run.accelerator.is_main_process
    # Evaluation only serves checkpoint selection, on dev: without dev pairs there is none.
    eval_every = (config.eval_every_steps or run.steps_per_epoch) if run.prep.dev else 0
    tb = tensorboard_writer(config, run.seed_dir, run.step) if main else None
    bar = progress_bar(
        config, run.total_steps, f"seed {run.seed}", unit="step", initial=run.step,
        accelerator=run.accelerator,
    )  # fmt: skip
    steps_file = (run.seed_dir / "steps.jsonl").open("a", encoding="utf-8") if main else None
    try:
        for epoch in range(run.step // run.steps_per_epoch, math.ceil(config.epochs)):
            batches = length_grouped_batches(
                run.prep.train_lengths, config.batch_size, run.seed, epoch
            )
            for b_i in range(run.step - epoch * run.steps_per_epoch, len(batches)):
                if run.step >= run.total_steps:  # a fractional last epoch ends early
                    break
                t0 = time.perf_counter()
                rec = _step(run, batches[b_i])
                dt = time.perf_counter() - t0
                rec = {
                    "step": rec["step"],
                    "epoch": round(epoch + (b_i + 1) / len(batches), 4),
                    **{k: rec[k] for k in ("loss", "batch_accuracy", "lr", "pairs")},
                    "seconds": dt,
                    "pairs_per_s": rec["pairs"] / dt,
                    "tokens": rec["tokens"],
                }
                _log_step(rec, steps_file, tb, bar)
                is_eval = is_eval_step(run.step, run.total_steps, eval_every)
                if is_eval:
                    _evaluate(run, rec["epoch"], tb, log)
                if is_eval or run.step % config.save_every_steps == 0 or run.step == stop_at_step:
                    run.save_state()
                if stop_at_step is not None and run.step >= stop_at_step:
                    return True
    finally:
        bar.close()
        if steps_file is not None:
            steps_file.close()
        if tb is not None:
            tb.close()
    return False


def is_eval_step(step: int, total: int, every: int) -> bool:
    """Dev is evaluated every ``every`` steps and at the last step, except a periodic evaluation
    less than half an interval before the last one: two dev passes a few steps apart spend a
    pass on nearly the same model (0.75 epoch of the default: steps 150 and 312, not 300)."""
    if not every:
        return False
    if step == total:
        return True
    return step % every == 0 and total - step >= every / 2


def _log_step(rec: dict[str, Any], steps_file: Any, tb: Any, bar: Any) -> None:
    if steps_file is not None:
        steps_file.write(json.dumps(rec) + "\n")
        steps_file.flush()
    if tb is not None:
        for key in ("loss", "batch_accuracy", "lr", "pairs_per_s"):
            tb.add_scalar(f"train/{key}", rec[key], rec["step"])
    bar.update(1)
    bar.set_postfix(loss=f"{rec['loss']:.3f}", pairs_s=f"{rec['pairs_per_s']:.1f}")


def _evaluate(run: SeedRun, epoch: float, tb: Any, log: Any) -> None:
    """Dev loss and accuracy; the state with the lowest dev loss is kept. The held-out pairs are
    not looked at before the end."""
    stats, rc, rr = pair_eval(
        run.module, run.prep, run.prep.dev, run.config, run.use_cache, run.accelerator.device
    )
    run.history.append(
        {
            "step": run.step,
            "epoch": epoch,
            "dev_loss": stats["loss"],
            "dev_accuracy": stats["accuracy"],
            "score_std": stats["score_std"],
        }
    )
    if run.accelerator.is_main_process:
        _write_jsonl(run.seed_dir / "history.jsonl", run.history)
        log(
            f"seed {run.seed} step {run.step}: dev_loss {stats['loss']:.4f} "
            f"dev_accuracy {stats['accuracy']:.4f}"
        )
    if tb is not None:
        tb.add_scalar("dev/loss", stats["loss"], run.step)
        tb.add_scalar("dev/accuracy", stats["accuracy"], run.step)
    if stats["loss"] < run.best["dev_loss"]:
        run.best = {
            "dev_loss": stats["loss"],
            "step": run.step,
            "state": run.snapshot(),
            # The kept model's dev rewards: temperature and reward normalisation reuse them
            # instead of scoring dev again at the end (identical numbers, one pass fewer).
            "dev_chosen": torch.from_numpy(rc.copy()),
            "dev_rejected": torch.from_numpy(rr.copy()),
        }


# -- the kept model ----------------------------------------------------------------------------


def _finish(run: SeedRun, wall_so_far: float, log: Any) -> dict[str, Any]:
    """Keep the state chosen on dev (or the last one without dev pairs), score the held-out
    pairs once with it, write checkpoint and metrics."""
    t0 = time.perf_counter()
    config, prep, best = run.config, run.prep, run.best
    selected = prep.dev and best["step"] >= 0
    if selected:
        run.restore(best["state"])
    _stats, rc, rr = pair_eval(
        run.module, prep, prep.val, config, run.use_cache, run.accelerator.device
    )
    rows = [
        score_row(pair, ep.chosen, ep.rejected, rc[k], rr[k])
        for k, (pair, ep) in enumerate(zip(prep.val_pairs, prep.val_encoded.pairs, strict=True))
    ]
    norm = _train_reward_stats(run)
    temperature = _fit_temperature(run, log)
    wall = wall_so_far + time.perf_counter() - t0
    to_save = _consolidated(run)  # every process takes part under FSDP
    if run.accelerator.is_main_process:
        _write_jsonl(run.seed_dir / "val_scores.jsonl", rows)
        save_checkpoint(
            to_save,
            prep.tokenizer,
            run.seed_dir / "checkpoint",
            _checkpoint_meta(
                run, norm, temperature, np.concatenate([rc, rr]) if len(rc) else np.zeros(0)
            ),
        )
    # The checkpoint is on disk before any metric is computed: a metrics failure loses no model.
    kept_step = best["step"] if selected else run.total_steps
    metrics = _seed_metrics(rows, history_until(run.history, kept_step))
    if temperature is not None:
        metrics["calibration_tempered"] = tempered_calibration(rc - rr, temperature["value"])
    metrics["training"] = {
        "kept_step": kept_step,
        "selection": "lowest dev loss" if selected else "last step (no dev pairs)",
        "best_dev_loss": best["dev_loss"] if selected else None,
        "total_steps": run.total_steps,
        "seed": run.seed,
    }
    SeedMetrics.model_validate(metrics)  # the file's contract (supportrm.run_files)
    if run.accelerator.is_main_process:
        atomic_write_text(
            run.seed_dir / "metrics.json", json.dumps(metrics, indent=2, default=float)
        )
        atomic_write_text(
            run.seed_dir / "timing.json",
            json.dumps({"wall_seconds": wall, "steps": run.total_steps}),
        )
        (run.seed_dir / STATE_FILE).unlink(missing_ok=True)
        sharding.remove_sharded(run.seed_dir)
    run.accelerator.wait_for_everyone()
    return metrics


def _consolidated(run: SeedRun) -> Any:
    """The kept model as one plain module for saving (main process; None elsewhere). Sharded
    weights are gathered on rank 0 and loaded into a freshly built model of the same shape."""
    if run.config.load_in_4bit:
        # Merging into 4-bit weights would round the result; build the model again from the
        # original (unquantised) base and give it the trained adapters and head.
        if not run.accelerator.is_main_process:
            return None
        unquantised = run.config.model_copy(update={"load_in_4bit": False})
        plain = RewardModule(_build_model(unquantised, run.prep, run.seed))
        train_state.load_trainable(plain, train_state.trainable_state(run.module))
        return plain
    if run.deepspeed:  # ZeRO-3 partitions the weights: accelerate gathers them (every process)
        full = run.accelerator.get_state_dict(run.model)
    elif run.sharded:
        full = sharding.full_state_dict(run.module)
    else:
        return run.accelerator.unwrap_model(run.model)
    if not run.accelerator.is_main_process:
        return None
    plain = RewardModule(_build_model(run.config, run.prep, run.seed))
    plain.load_state_dict(full)
    return plain


def _fit_temperature(run: SeedRun, log: Any) -> dict[str, Any] | None:
    """One temperature for P(a beats b) = sigmoid(delta / T), fitted on dev with the kept model
    (never on the held-out pairs it is judged on). None without dev pairs."""
    if not run.prep.dev:
        return None
    dc, dr = _kept_dev_rewards(run)
    try:
        return fit_temperature(dc - dr)
    except ValueError as exc:  # e.g. a one-pair dev split: say so, keep raw probabilities
        log(f"seed {run.seed}: no temperature fitted ({exc})")
        return None


def _checkpoint_meta(
    run: SeedRun, norm: dict[str, Any], temperature: dict[str, Any] | None, scores: np.ndarray
) -> dict[str, Any]:
    config, prep = run.config, run.prep
    meta = {
        "supportrm_version": version(),
        "base_model": str(prep.base_path),
        "model_spec": config.model,
        "render": prep.renderer.settings(),
        "pad": prep.pad_info,
        "seed": run.seed,
        "kept_step": run.best["step"] if run.prep.dev else run.total_steps,
        "freeze_layers": config.freeze_layers,
        "lora_r": config.lora_r,
        "reward_normalization": norm,
        "temperature": temperature,
        "val_reward_mean": float(scores.mean()) if len(scores) else None,
        "val_reward_std": float(scores.std()) if len(scores) else None,
        "config": config.model_dump(mode="json"),
    }
    CheckpointMeta.model_validate(meta)  # the contract of supportrm.json (supportrm.run_files)
    return meta


def _kept_dev_rewards(run: SeedRun) -> tuple[np.ndarray, np.ndarray]:
    """Chosen and rejected rewards of the dev pairs under the kept model (the kept model is
    loaded by now): recorded when it was evaluated, or scored again for states saved before
    they were recorded."""
    if "dev_chosen" in run.best:
        return run.best["dev_chosen"].numpy(), run.best["dev_rejected"].numpy()
    _stats, dc, dr = pair_eval(
        run.module, run.prep, run.prep.dev, run.config, run.use_cache, run.accelerator.device
    )
    return dc, dr


def _train_reward_stats(run: SeedRun) -> dict[str, Any]:
    """Reward mean/std for RLHF to whiten rewards with: on the dev pairs (unseen in training,
    like a policy's samples; their rewards are already computed) when there are any and
    ``normalization_split`` is "dev", else on a seeded sample of the training split."""
    config, prep = run.config, run.prep
    if config.normalization_split == "dev" and prep.dev:
        dc, dr = _kept_dev_rewards(run)
        scores = np.concatenate([dc, dr])
        return {
            "mean": float(scores.mean()),
            "std": float(scores.std()),
            "n_rewards": len(scores),
            "split": "dev",
            "usage": "normalised_reward = (reward - mean) / std",
        }
    n = len(prep.train)
    k = n if config.normalization_pairs <= 0 else min(n, config.normalization_pairs)
    rng = np.random.default_rng([run.seed, 104729])
    chosen = sorted(rng.choice(n, size=k, replace=False).tolist()) if k < n else list(range(n))
    flat = [i for j in chosen for i in prep.train[j]]
    scores = score_sequences(
        run.module, prep, flat, config.eval_batch_size, run.use_cache, run.accelerator.device
    )
    split = "train" if k == n else f"train (seeded sample of {k} of {n} pairs)"
    return {
        "mean": float(scores.mean()) if len(scores) else None,
        "std": float(scores.std()) if len(scores) else None,
        "n_rewards": len(scores),
        "split": split,
        "usage": "normalised_reward = (reward - mean) / std",
    }


def basic_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Loss and accuracy overall and per category (kept under ``basic`` in metrics.json)."""

    def summary(sub: list[dict[str, Any]]) -> dict[str, Any]:
        d = np.array([r["chosen_score"] - r["rejected_score"] for r in sub], dtype=np.float64)
        if len(d) == 0:
            return {"n": 0}
        acc = accuracy_three_ways(d)
        return {
            "n": len(d),
            "accuracy": acc["strict"],
            "accuracy_ties_half": acc["ties_half"],
            "tie_rate": acc["tie_rate"],
            "loss": float(np.mean(np.logaddexp(0.0, -d))),
        }

    cats = sorted({str(r["category"]) for r in rows if r["category"] is not None})
    out = summary(rows)
    out["per_category"] = {c: summary([r for r in rows if r["category"] == c]) for c in cats}
    return out


def _seed_metrics(rows: list[dict[str, Any]], history: list[dict[str, Any]]) -> dict[str, Any]:
    full = compute_metrics(rows, history=history)
    full.setdefault("basic", basic_metrics(rows))
    return full
