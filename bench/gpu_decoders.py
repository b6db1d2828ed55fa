"""Decoder reward models on one GPU (issue 14), all measurements in one script (~10 minutes on an
H200). Needs no network. Parts, each a key of the result JSON:

1. ``embedded``: SmolLM2-135M-Instruct (real weights, ``--smollm2``: the GGUF or its dequantised
   folder) and MiniLM-L6 (packaged), both fully fine-tuned with ``configs/gpu-small.yaml`` on the
   embedded split (1,000 held out, 5% dev), seeds 0 1 2: held-out strict accuracy with 95% CI,
   per category, wall time per model.
2. ``hh``: the same two recipes on HH harmless (``../shared``; grouped 80/20 as in
   ``bench/trl_compare.py``), one seed, scored on the held-out 20% (reference: 64.3% for
   SmolLM2 on that split with plain torch).
3. ``lora8b``: a random-init Llama-3.1-8B-shaped reward model, LoRA r16 on every linear layer,
   gradient checkpointing, bf16, batches of 16 pairs at the embedded data's lengths: pairs/s and
   minutes per 7,000-pair epoch (extrapolated from ``--steps`` timed steps) for padded-to-512
   HF+peft, supportrm's length-grouped dynamic padding, and supportrm's packed batches (with
   ``flash_attention_2`` when flash-attn is installed, else sdpa); peak memory. Goal: <= 6 min.
4. ``fsdp1``: FSDP2 with world size 1 on the GPU: SmolLM2 (or the tiny model) trained with
   ``--fsdp`` on a 400-pair slice; the consolidated checkpoint reloaded with plain transformers
   must reproduce the training-time held-out rewards (max |difference| reported).

    .venv/bin/python bench/gpu_decoders.py --smollm2 /tmp/smollm2.gguf        # everything
    .venv/bin/python bench/gpu_decoders.py --parts lora8b --steps 20
    .venv/bin/python bench/gpu_decoders.py --tiny                              # CPU smoke test

``--tiny`` replaces SmolLM2 by a tiny random Llama, trains on small slices and times a tiny
LoRA model: it checks the script, not the numbers. Writes ``bench/results/gpu_decoders-<tag>.json``
(and a copy under ``$OUT`` when set, for the device runner). DeepSpeed ZeRO-3 is not measured:
deepspeed is not installed on the device image and cannot be fetched there.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))


def _preset(model: str, work: Path, seeds: list[int], **extra: Any) -> Any:
    from supportrm.config import resolve_config
    from supportrm.train.config import TrainConfig

    values = {"model": model, "out": work / "run", "cache_dir": work / "cache", "seeds": seeds}
    values |= {"progress": False, **extra}
    return resolve_config(TrainConfig, REPO / "configs" / "gpu-small.yaml", values)


def _seed_results(out: Path, seeds: list[int]) -> dict[int, Any]:
    res = {}
    for s in seeds:
        m = json.loads((out / f"seed-{s}" / "metrics.json").read_text())
        res[s] = {
            "strict": m["accuracy"]["strict"],
            "ci": m["accuracy"].get("strict_ci"),
            "per_category": {c: v["accuracy"]["strict"] for c, v in m["per_category"].items()},
        }
    return res


def part_embedded(models: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    from supportrm.train.pipeline import train_from_config

    out: dict[str, Any] = {}
    for name, spec in models.items():
        work = Path(tempfile.mkdtemp(prefix=f"gpu-dec-{name}-"))
        extra: dict[str, Any] = {}
        if args.tiny:
            extra = {"data": _slice(work, 240), "val_size": 60, "max_length": 128}
        cfg = _preset(spec, work, args.seeds, **extra)
        t0 = time.perf_counter()
        agg = train_from_config(cfg)
        out[name] = {
            "wall_seconds": time.perf_counter() - t0,
            "per_seed": _seed_results(cfg.out, args.seeds),
            "aggregate_strict": agg.get("overall", {}).get("strict"),
            "ensemble": agg.get("ensemble", {}).get("accuracy"),
            "config": cfg.model_dump(mode="json"),
        }
        print(name, json.dumps(out[name]["per_seed"]), file=sys.stderr)
    return out


def part_hh(models: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    from supportrm.train.seeds import train_seeds
    from trl_compare import HH, load_split

    if not HH.exists():
        return {"skipped": f"{HH} is absent"}
    n = 200 if args.tiny else None
    train, val, info = load_split("hh", n, 60 if args.tiny else None)
    out: dict[str, Any] = {"data": info, "n_train": len(train), "n_val": len(val)}
    for name, spec in models.items():
        work = Path(tempfile.mkdtemp(prefix=f"gpu-hh-{name}-"))
        extra = {"max_length": 128 if args.tiny else 384, "dev_size": 0}
        cfg = _preset(spec, work, [0], **extra)
        t0 = time.perf_counter()
        train_seeds(cfg, train, val, cfg.out, log=lambda *_: None)
        out[name] = {"wall_seconds": time.perf_counter() - t0, **_seed_results(cfg.out, [0])[0]}
        print("hh", name, out[name]["strict"], file=sys.stderr)
    out["reference_smollm2_plain_torch"] = 0.643
    return out


def part_lora8b(args: argparse.Namespace) -> dict[str, Any]:
    import gpu_bench

    attn = "flash_attention_2" if importlib.util.find_spec("flash_attn") else "sdpa"
    ns = argparse.Namespace(tiny=args.tiny, pairs_per_step=16, steps=args.steps, warmup=args.warmup)
    result: dict[str, Any] = gpu_bench.part_lora8b(ns, packed=True, attn_implementation=attn)
    for key in ("hf_peft_padded_512", "supportrm_dynamic", "packed"):
        pps = result[key]["pairs_per_s"]
        result[key]["minutes_per_7000_pair_epoch"] = 7000 / pps / 60
    result["attn_implementation_packed"] = attn
    return result


def part_fsdp1(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from supportrm.model.scoring import RewardScorer
    from supportrm.train.pipeline import train_from_config

    work = Path(tempfile.mkdtemp(prefix="gpu-fsdp1-"))
    cfg = _preset(spec, work, [0], data=_slice(work, 400), val_size=80, max_length=256, fsdp=True)
    t0 = time.perf_counter()
    train_from_config(cfg)
    wall = time.perf_counter() - t0
    seed_dir = cfg.out / "seed-0"
    rows = [json.loads(x) for x in (seed_dir / "val_scores.jsonl").read_text().splitlines()]
    from supportrm.data.load import load_pairs

    val = load_pairs(cfg.out / "split" / "val.jsonl.gz", categories=None).pairs
    again = RewardScorer.from_pretrained(seed_dir / "checkpoint").score_pairs(val)
    a = np.array([[r["chosen_score"], r["rejected_score"]] for r in rows])
    b = np.array([[r["chosen_score"], r["rejected_score"]] for r in again])
    return {
        "wall_seconds": wall,
        "n_val": len(rows),
        "max_abs_difference_reloaded_vs_training": float(np.abs(a - b).max()),
        "strict": json.loads((seed_dir / "metrics.json").read_text())["accuracy"]["strict"],
    }


def _slice(work: Path, n: int) -> Path:
    from supportrm.data.io import write_pairs
    from supportrm.data.load import load_pairs
    from supportrm.train.pipeline import default_data_path

    pairs = load_pairs(default_data_path(), categories=None).pairs
    step = max(1, len(pairs) // n)
    path = work / f"slice-{n}.jsonl"
    write_pairs(pairs[::step][:n], path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--parts", nargs="+", default=["embedded", "hh", "lora8b", "fsdp1"])
    ap.add_argument("--smollm2", default="smollm2", help="GGUF file, folder, or 'smollm2'")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=12, help="timed 8B LoRA steps per variant")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--tiny", action="store_true", help="CPU smoke test of this script")
    ap.add_argument("--tag", default=None)
    args = ap.parse_args()

    import torch

    from supportrm.train.runtime import environment

    work = Path(tempfile.mkdtemp(prefix="gpu-dec-"))
    if args.tiny:
        from supportrm.model.testing import tiny_llama

        args.seeds = args.seeds[:1]
        decoder = str(tiny_llama(work / "tiny-llama", layers=2, hidden=64))
    else:
        decoder = args.smollm2
    models = {"smollm2" if not args.tiny else "tiny-llama": decoder, "minilm": "minilm"}
    result: dict[str, Any] = {
        "benchmark": "gpu_decoders",
        "command": " ".join([sys.executable, *sys.argv]),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "tiny": args.tiny,
        **environment(),
    }
    t0 = time.perf_counter()
    for part in args.parts:
        p0 = time.perf_counter()
        if part == "embedded":
            result[part] = part_embedded(models, args)
        elif part == "hh":
            result[part] = part_hh(models, args)
        elif part == "lora8b":
            result[part] = part_lora8b(args)
        elif part == "fsdp1":
            result[part] = part_fsdp1(decoder, args)
        else:
            raise SystemExit(f"unknown part {part!r}")
        result[part + "_seconds"] = time.perf_counter() - p0
    result["wall_seconds"] = time.perf_counter() - t0
    name = (
        f"gpu_decoders-{args.tag or ('tiny' if args.tiny else time.strftime('%Y%m%d-%H%M%S'))}.json"
    )
    text = json.dumps(result, indent=2, default=str)
    if os.environ.get("OUT"):  # the device runner collects files from $OUT
        Path(os.environ["OUT"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["OUT"]) / name).write_text(text)
    out = REPO / "bench" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
