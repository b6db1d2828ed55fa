"""Method: base model, head, loss, what was trained, seeds, hyperparameters, compute, wall time
and the reward-normalisation statistics stored with each checkpoint."""

from __future__ import annotations

from typing import Any

from supportrm.evaluate.normalization import load_reward_normalization
from supportrm.evaluate.runs import seed_dirs
from supportrm.report.format import flatten, num, table
from supportrm.report.run import RunData

HEAD = (
    "a linear score head on the base model's sequence representation "
    "(AutoModelForSequenceClassification, num_labels=1), initialised N(0, 1/sqrt(d+1))"
)


def method_section(run: RunData) -> dict[str, Any]:
    cfg, info = run.config, run.run_info
    loss = "Bradley-Terry: mean of -log sigmoid(r_chosen - r_rejected - margin)"
    if cfg and cfg.center_rewards_coefficient:
        loss += f" + {cfg.center_rewards_coefficient} * mean((r_chosen + r_rejected)^2) (centering)"
    tuning = "not recorded (no config.yaml)"
    if cfg:
        tuning = f"LoRA r={cfg.lora_r}" if cfg.lora_r else "full fine-tuning of the unfrozen layers"
        if cfg.freeze_layers > 0:
            tuning += f", bottom {cfg.freeze_layers} layers + embeddings frozen"
    wall: list[list[str]] = []
    compute: list[list[str]] = []
    if info is not None:
        if info.wall_seconds is not None:
            wall += [
                [f"wall_seconds.{k}", num(v)] for k, v in flatten(info.wall_seconds.model_dump())
            ]
        compute += [[f"machine.{k}", num(v)] for k, v in flatten(info.machine)]
        compute += [["processes", str(info.processes)], ["feature cache", num(info.feature_cache)]]
    for s, t in sorted(run.timings.items()):
        wall += [[f"seed-{s}/timing.json: {k}", num(v)] for k, v in flatten(t)]
    for s, m in sorted(run.seed_metrics.items()):
        if m.get("training"):
            wall += [
                [f"seed-{s} training: {k}", num(v)] for k, v in m["training"].items() if k != "seed"
            ]
    hp = [[k, num(v)] for k, v in flatten(cfg.model_dump(mode="json"))] if cfg else []
    rows = [
        ["base model", num(cfg.model if cfg else info.base_model if info else None)],
        ["head", HEAD],
        ["loss", loss],
        ["tuning", tuning],
        ["seeds", num(run.agg.get("seeds"))],
        ["splits", _splits(run)],
    ]
    return {
        "rows": table(["item", "value"], rows),
        "hyperparameters": table(["config key", "value"], hp) if hp else None,
        "normalization": table(["reward normalisation (for RLHF)", "value"], _normalization(run)),
        "compute": table(["run.json field", "value"], compute) if compute else None,
        "wall": table(["recorded field", "value"], wall) if wall else None,
    }


def _splits(run: RunData) -> str:
    """Which pairs did what: the reader must see that the reported pairs chose nothing."""
    data = run.run_info.data if run.run_info is not None else None
    if data is None:
        return "not recorded (no run.json)"
    trainings = [m.get("training") or {} for m in run.seed_metrics.values()]
    kept = {str(t["selection"]) for t in trainings if t.get("selection")}
    return (
        f"train {data.train_pairs} pairs (learning); dev {data.dev_pairs} pairs carved from "
        f"train, grouped by conversation (checkpoint selection: {', '.join(sorted(kept)) or 'n/a'}); "
        f"held-out {data.val_pairs} pairs, scored once at the end by the kept model "
        "(the held-out figures; second sources are scored the same way)"
    )


def _normalization(run: RunData) -> list[list[str]]:
    rows = []
    for s, d in seed_dirs(run.run_dir).items():
        stats = load_reward_normalization(d / "checkpoint") if (d / "checkpoint").is_dir() else None
        rows.append(
            [
                f"seed {s}",
                f"mean {stats['mean']:.4f}, std {stats['std']:.4f} on the "
                f"{stats.get('split', 'train')} split (n = {stats.get('n_rewards')})"
                if stats
                else "not recorded in checkpoint/supportrm.json",
            ]
        )
    return rows
