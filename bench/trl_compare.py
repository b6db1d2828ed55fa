"""supportrm vs TRL's RewardTrainer: same base model, split, epochs, lr, batch and max length.

Datasets: (a) ``embedded`` — the packaged support pairs, split as ``supportrm train`` does
(val 1000, split seed 0); (b) ``hh`` — the real Anthropic HH harmless pairs in
``../shared/data/real/`` with a grouped 80/20 split (split seed 0).

TRL is run as its documentation shows: ``RewardTrainer`` on the pretrained MiniLM with
``num_labels=1``, full fine-tuning (``--trl-freeze-layers`` freezes the same bottom layers as
supportrm for an ablation). TRL takes plain-text ``chosen``/``rejected`` (the same plain
conversation template as supportrm, the reply appended, ``[SEP]`` as end token) and *drops*
training pairs longer than ``max_length``; at scoring time we truncate from the left instead, so
both models are scored on every held-out pair.

Wall time: supportrm's covers everything ``train_seeds`` does (model load, feature-cache build,
training, the per-epoch held-out evaluations, the final scoring and checkpoint writes); TRL's
covers ``RewardTrainer`` construction (tokenization) and ``train()`` only, not its held-out
scoring (reported separately). The comparison is therefore tilted against supportrm. CPU seconds
(all threads of the process) are recorded too: they are less disturbed by other load than wall.
Run it on a quiet machine.

    .venv/bin/python bench/trl_compare.py --dataset embedded --n-train 300 --n-val 200   # smoke
    # the measured comparison (docs/benchmarks.md): same frozen layers, same hyperparameters
    .venv/bin/python bench/trl_compare.py --dataset embedded --trl-freeze-layers 5 --tag v1
    .venv/bin/python bench/trl_compare.py --dataset hh --max-length 384 --trl-freeze-layers 5 --tag v1
    # TRL's own recipe (full fine-tuning at RewardConfig's default lr) for reference
    .venv/bin/python bench/trl_compare.py --dataset hh --max-length 384 --skip-supportrm \
        --trl-lr 1e-4 --tag trl-fullft

Writes ``bench/results/trl_compare-<dataset>-<tag>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HH = REPO.parent / "shared" / "data" / "real" / "hh-rlhf-harmless-base-test.jsonl.gz"


def load_split(
    name: str, n_train: int | None, n_val: int | None
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    from supportrm.data.load import load_pairs
    from supportrm.data.split import split_pairs
    from supportrm.train.pipeline import default_data_path

    if name == "embedded":
        path = default_data_path()
        pairs = load_pairs(path, categories=None).pairs
        split = split_pairs(pairs, 1000, 0)
    else:
        if not HH.exists():
            raise SystemExit(f"{HH} is absent: the HH comparison needs it")
        path = HH
        pairs = load_pairs(path, categories=None, allow_empty_response=True).pairs
        split = split_pairs(pairs, 0.2, 0)
    train = split.train[:n_train] if n_train else split.train
    val = split.val[:n_val] if n_val else split.val
    return (
        train,
        val,
        {"path": str(path), "n_loaded": len(pairs), "manifest_hashes": _hashes(split.manifest)},
    )


def _hashes(manifest: dict[str, Any]) -> Any:
    return {k: v for k, v in manifest.items() if "hash" in k}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from supportrm.evaluate.metrics import compute_metrics

    m = compute_metrics(rows)
    cats = {
        c: {
            "n": v["accuracy"]["n"],
            "strict": v["accuracy"]["strict"],
            "ci": v["accuracy"]["strict_ci"],
        }
        for c, v in (m.get("per_category") or {}).items()
    }
    acc = m["accuracy"]
    return {"n": acc["n"], "strict": acc["strict"], "ci": acc["strict_ci"], "per_category": cats}


def run_supportrm(
    train: list[Any], val: list[Any], args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    from supportrm.train.config import TrainConfig
    from supportrm.train.seeds import train_seeds

    cfg = TrainConfig(
        model="minilm",
        seeds=[args.seed],
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        max_length=args.max_length,
        progress=not args.no_progress,
        cache_dir=work / "cache",  # fresh: the cache build is part of the measured wall time
        out=work / "supportrm-run",
        **({"freeze_layers": args.freeze_layers} if args.freeze_layers is not None else {}),
    )
    t0, c0 = time.perf_counter(), time.process_time()
    train_seeds(cfg, train, val, cfg.out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sd = cfg.out / f"seed-{args.seed}"
    rows = [json.loads(x) for x in (sd / "val_scores.jsonl").read_text().splitlines()]
    run = json.loads((cfg.out / "run.json").read_text())
    return {
        "wall_seconds": wall,
        # CPU seconds of this process (all threads): less sensitive than wall to other load.
        "cpu_seconds": cpu,
        "config": cfg.model_dump(mode="json"),
        "dropped": run["dropped"],
        "feature_cache": run["feature_cache"],
        **summarise(rows),
    }


def _text(prompt: Any) -> str:
    from supportrm.model.render import plain_conversation

    return plain_conversation(prompt) + "\nAssistant: "


def run_trl(
    train: list[Any], val: list[Any], args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    from supportrm.model.backbone import freeze_bottom
    from supportrm.model.resolve import packaged_minilm_path

    base = str(packaged_minilm_path())
    tok = AutoTokenizer.from_pretrained(base)
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    if args.trl_freeze_layers:
        freeze_bottom(model, args.trl_freeze_layers)
    ds = Dataset.from_list(
        [
            {"chosen": _text(p.prompt) + p.chosen, "rejected": _text(p.prompt) + p.rejected}
            for p in train
        ]
    )
    max_length = args.max_length or 352
    cfg = RewardConfig(
        output_dir=str(work / "trl-out"),
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.trl_lr,
        num_train_epochs=args.epochs,
        max_length=max_length,
        eos_token="[SEP]",
        lr_scheduler_type="linear",
        warmup_steps=0.05,  # a float below 1 is a ratio of the total steps (transformers 5)
        logging_steps=10,
        save_strategy="no",
        eval_strategy="no",
        report_to=[],
        use_cpu=not torch.cuda.is_available(),
        seed=args.seed,
        dataloader_num_workers=0,
        disable_tqdm=args.no_progress,
        # RewardConfig defaults to bf16 autocast and gradient checkpointing. supportrm trains in
        # float32 without checkpointing, and this CPU has no bf16 units: bf16 made a step ~25x
        # slower (84 s instead of ~3 s, 2026-11-30). Pin both so the sides do the same work.
        bf16=False,
        gradient_checkpointing=False,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    trainer = RewardTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok)
    n_used = len(trainer.train_dataset)
    trainer.train()
    train_wall, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    # Score every held-out pair (left truncation, like supportrm) with the trained model.
    model = trainer.model.eval()
    tok.truncation_side = "left"
    rows = []
    t1 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(val), 32):
            chunk = val[i : i + 32]
            texts = []
            for p in chunk:
                texts += [
                    _text(p.prompt) + p.chosen + "[SEP]",
                    _text(p.prompt) + p.rejected + "[SEP]",
                ]
            enc = tok(
                texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            r = model(**enc.to(model.device)).logits[:, 0].float().cpu().numpy()
            for k, p in enumerate(chunk):
                rows.append(
                    {
                        "id": p.id,
                        "category": p.category,
                        "conversation_id": p.conversation_id,
                        "chosen_score": float(r[2 * k]),
                        "rejected_score": float(r[2 * k + 1]),
                        "chosen_tokens": len(tok(p.chosen, add_special_tokens=False)["input_ids"]),
                        "rejected_tokens": len(
                            tok(p.rejected, add_special_tokens=False)["input_ids"]
                        ),
                        "chosen_chars": len(p.chosen),
                        "rejected_chars": len(p.rejected),
                        "truncated": False,
                        "agreement": None,
                    }
                )
    del np
    return {
        "wall_seconds": train_wall,
        "cpu_seconds": train_cpu,
        "scoring_seconds": time.perf_counter() - t1,
        "train_pairs_used": n_used,
        "train_pairs_dropped_longer_than_max_length": len(train) - n_used,
        "freeze_layers": args.trl_freeze_layers,
        "lr": args.trl_lr,
        **summarise(rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", choices=["embedded", "hh", "both"], default="both")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--n-val", type=int, default=None)
    ap.add_argument("--epochs", type=float, default=None, help="default: supportrm's default")
    ap.add_argument("--lr", type=float, default=None, help="default: supportrm's default")
    ap.add_argument("--batch-size", type=int, default=None, help="default: supportrm's default")
    ap.add_argument(
        "--max-length", type=int, default=None, help="default: supportrm's automatic choice"
    )
    ap.add_argument(
        "--freeze-layers", type=int, default=None, help="supportrm's (default: its default)"
    )
    ap.add_argument(
        "--trl-freeze-layers", type=int, default=0, help="freeze layers for TRL too (ablation)"
    )
    ap.add_argument(
        "--trl-lr",
        type=float,
        default=None,
        help="TRL's learning rate if it must differ from supportrm's (e.g. 1e-4, RewardConfig's "
        "default, for TRL's own full fine-tuning recipe); default: the same as supportrm",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-trl", action="store_true")
    ap.add_argument("--skip-supportrm", action="store_true")
    ap.add_argument("--tag", default=None)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args()

    from supportrm.train.config import TrainConfig
    from supportrm.train.runtime import environment

    defaults = TrainConfig()
    args.epochs = args.epochs or defaults.epochs
    args.lr = args.lr or defaults.lr
    args.batch_size = args.batch_size or defaults.batch_size
    args.trl_lr = args.trl_lr or args.lr
    names = ["embedded", "hh"] if args.dataset == "both" else [args.dataset]
    for name in names:
        train, val, data_info = load_split(name, args.n_train, args.n_val)
        work = Path(tempfile.mkdtemp(prefix=f"supportrm-trl-{name}-"))
        if args.max_length is None:
            # One max length for both sides: supportrm's automatic choice on this training split.
            from supportrm.model.backbone import load_reward_model
            from supportrm.model.render import Renderer
            from supportrm.model.resolve import packaged_minilm_path
            from supportrm.train.batching import auto_max_length
            from supportrm.train.prepare import pair_items

            _m, tok, _ = load_reward_model(packaged_minilm_path())
            probe = Renderer(tok, "encoder", defaults.max_length_cap)
            lens = [
                len(e.input_ids) for e in probe.encode_many(pair_items(train)) if not e.truncated
            ]
            args.max_length = auto_max_length(
                lens, defaults.max_length_quantile, defaults.max_length_cap
            )
        print(
            f"[{name}] train {len(train)} val {len(val)} max_length {args.max_length}",
            file=sys.stderr,
        )
        result: dict[str, Any] = {
            "benchmark": "trl_compare",
            "dataset": name,
            "data": data_info,
            "n_train": len(train),
            "n_val": len(val),
            "settings": {
                "epochs": args.epochs,
                "lr": args.lr,
                "batch_size": args.batch_size,
                "max_length": args.max_length,
                "seed": args.seed,
            },
            "command": " ".join([sys.executable, *sys.argv]),
            **environment(),
        }
        if not args.skip_supportrm:
            result["supportrm"] = run_supportrm(train, val, args, work)
            print(
                f"[{name}] supportrm: {json.dumps({k: result['supportrm'][k] for k in ('strict', 'ci', 'wall_seconds')})}",
                file=sys.stderr,
            )
        if not args.skip_trl:
            result["trl"] = run_trl(train, val, args, work)
            print(
                f"[{name}] trl: {json.dumps({k: result['trl'][k] for k in ('strict', 'ci', 'wall_seconds')})}",
                file=sys.stderr,
            )
        if "supportrm" in result and "trl" in result:
            s, t = result["supportrm"], result["trl"]
            result["comparison"] = {
                "accuracy_difference": s["strict"] - t["strict"],
                # "no lower than TRL's beyond the 95% CI": TRL's point estimate lies inside or
                # below supportrm's bootstrap interval.
                "supportrm_not_worse_beyond_ci": s["ci"][1] >= t["strict"],
                "wall_ratio_supportrm_over_trl": s["wall_seconds"] / t["wall_seconds"],
                "cpu_ratio_supportrm_over_trl": s["cpu_seconds"] / t["cpu_seconds"],
            }
        result["load_average_at_end"] = os.getloadavg()
        out_dir = REPO / "bench" / "results"
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"trl_compare-{name}-{args.tag or time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(result, indent=2, default=str))
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
