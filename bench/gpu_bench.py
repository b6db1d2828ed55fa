"""GPU benchmark (run on a CUDA machine; needs no network). Two parts, results in one JSON file:

1. ``train``: ``supportrm train`` on the embedded data on the GPU (bf16 autocast), defaults except
   where flags say otherwise; wall time and held-out accuracy per category.
2. ``lora8b``: one LoRA training step of a *randomly initialised* Llama-3.1-8B-shaped reward model
   (r=16 on every linear layer of every block, gradient checkpointing, bf16), pairs/s with
   supportrm's path (dynamic padding, length-grouped batches, reward at the last real token) against
   plain HF + peft padded to 512 tokens (the reference figure: 6.8 pairs/s on an H200).
   Sequence lengths follow the embedded data's rendered lengths; token ids are random (no Llama
   tokenizer offline) -- the compute depends only on the lengths.

    .venv/bin/python bench/gpu_bench.py                 # both parts
    .venv/bin/python bench/gpu_bench.py --part lora8b --steps 10
    .venv/bin/python bench/gpu_bench.py --tiny --part lora8b   # CPU smoke test of the script

Writes ``bench/results/gpu_bench-<tag>.json``.
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


def data_lengths(n: int) -> list[int]:
    """Rendered lengths (MiniLM tokens, a proxy for Llama tokens) of embedded training pairs."""
    from supportrm.data.load import load_pairs
    from supportrm.model.backbone import load_reward_model
    from supportrm.model.render import Renderer
    from supportrm.model.resolve import packaged_minilm_path
    from supportrm.train.pipeline import default_data_path

    pairs = load_pairs(default_data_path(), categories=None).pairs[:n]
    _m, tok, _ = load_reward_model(packaged_minilm_path())
    enc = Renderer(tok, "encoder", 512).encode_pairs(pairs)
    return [ep.max_len for ep in enc.pairs]


def part_train(args: argparse.Namespace) -> dict[str, Any]:
    from supportrm.train.config import TrainConfig
    from supportrm.train.pipeline import train_from_config

    work = Path(tempfile.mkdtemp(prefix="supportrm-gpu-train-"))
    overrides: dict[str, Any] = {
        "out": work / "run",
        "cache_dir": work / "cache",
        "seeds": args.seeds,
    }
    if args.freeze_layers is not None:
        overrides["freeze_layers"] = args.freeze_layers
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    cfg = TrainConfig(**overrides)
    t0 = time.perf_counter()
    agg = train_from_config(cfg)
    wall = time.perf_counter() - t0
    per_seed = {}
    for s in args.seeds:
        m = json.loads((cfg.out / f"seed-{s}" / "metrics.json").read_text())
        acc = m.get("accuracy", {})
        per_seed[s] = {
            "strict": acc.get("strict"),
            "ci": acc.get("strict_ci"),
            "per_category": {
                c: v["accuracy"]["strict"] for c, v in (m.get("per_category") or {}).items()
            },
        }
    return {
        "config": cfg.model_dump(mode="json"),
        "wall_seconds": wall,
        "run": json.loads((cfg.out / "run.json").read_text())["wall_seconds"],
        "per_seed": per_seed,
        "aggregate": agg,
    }


def build_model(tiny: bool) -> Any:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForSequenceClassification

    if tiny:
        cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, vocab_size=1000, num_labels=1, pad_token_id=0)  # fmt: skip
    else:  # Llama-3.1-8B shapes
        cfg = LlamaConfig(
            hidden_size=4096,
            intermediate_size=14336,
            num_hidden_layers=32,
            num_attention_heads=32,
            num_key_value_heads=8,
            vocab_size=128256,
            max_position_embeddings=8192,
            rope_theta=500000.0,
            num_labels=1,
            pad_token_id=128004,
        )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForSequenceClassification(cfg).to(dtype)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    lora = LoraConfig(
        r=16, lora_alpha=32, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        modules_to_save=["score"],
    )  # fmt: skip
    return get_peft_model(model, lora), cfg, device


def part_lora8b(
    args: argparse.Namespace, *, packed: bool = False, attn_implementation: str | None = None
) -> dict[str, Any]:
    """Timed steps of HF+peft padded to 512 and of supportrm's dynamic padding; with ``packed``
    also supportrm's padding-free batches (one row, position ids restarting per sequence), run
    last and under ``attn_implementation`` when given (the padded variants keep the default)."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from supportrm.model.backbone import RewardModule
    from supportrm.train.batching import length_grouped_batches

    model, cfg, device = build_model(args.tiny)
    module = RewardModule(model).train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    lengths = data_lengths(2000)
    pairs_per_step = args.pairs_per_step
    rng = np.random.default_rng(0)
    vocab = cfg.vocab_size

    def inputs(seq_lens: list[int], mode: str) -> dict[str, Any]:
        if mode == "packed":
            pos = torch.cat([torch.arange(k, device=device) for k in seq_lens])[None]
            ids = torch.randint(1, vocab - 1, (1, sum(seq_lens)), device=device)
            last = torch.cumsum(torch.tensor(seq_lens, device=device), 0) - 1
            return {"input_ids": ids, "position_ids": pos, "last_index": last}
        n = 512 if mode == "padded512" else max(seq_lens)
        ids = torch.randint(1, vocab - 1, (len(seq_lens), n), device=device)
        mask = torch.zeros_like(ids)
        for i, k in enumerate(seq_lens):
            mask[i, : min(k, n)] = 1
        return {"input_ids": ids.masked_fill(mask == 0, cfg.pad_token_id), "attention_mask": mask}

    def step(seq_lens: list[int], mode: str) -> float:
        batch = inputs(seq_lens, mode)
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            if mode == "padded512":
                r = model(**batch).logits[:, 0].float()
            else:
                r = module(**batch).float()
        k = len(seq_lens) // 2
        loss = -F.logsigmoid(r[:k] - r[k:]).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    batches = length_grouped_batches(lengths, pairs_per_step, seed=0, epoch=0)
    results: dict[str, Any] = {}
    variants = {"hf_peft_padded_512": "padded512", "supportrm_dynamic": "dynamic"}
    if packed:
        variants["packed"] = "packed"
    for name, mode in variants.items():
        if mode == "packed" and attn_implementation is not None:
            model.set_attn_implementation(attn_implementation)
        times = []
        for s in range(args.warmup + args.steps):
            b = batches[s % len(batches)]
            seq = [min(lengths[i], 512) for i in b] * 2  # chosen + rejected of similar length
            seq = [max(8, int(x * rng.uniform(0.9, 1.0))) for x in seq]
            dt = step(seq, mode)
            if s >= args.warmup:
                times.append(dt)
        results[name] = {
            "median_step_seconds": float(np.median(times)),
            "pairs_per_s": pairs_per_step / float(np.median(times)),
            "steps_measured": len(times),
        }
        print(name, results[name], file=sys.stderr)
    results["speedup"] = (
        results["supportrm_dynamic"]["pairs_per_s"] / results["hf_peft_padded_512"]["pairs_per_s"]
    )
    results["reference_hf_peft_h200_pairs_per_s"] = 6.8
    results["pairs_per_step"] = pairs_per_step
    if device == "cuda":
        results["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
    results["model"] = (
        "tiny"
        if args.tiny
        else "Llama-3.1-8B shape, random init, LoRA r16, grad checkpointing, bf16"
    )
    return results


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--part", choices=["train", "lora8b", "both"], default="both")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--freeze-layers", type=int, default=None)
    ap.add_argument("--pairs-per-step", type=int, default=16)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument(
        "--tiny", action="store_true", help="tiny model (CPU smoke test of this script)"
    )
    ap.add_argument("--tag", default=None)
    args = ap.parse_args()

    import torch

    from supportrm.train.runtime import environment

    result: dict[str, Any] = {
        "benchmark": "gpu_bench",
        "command": " ".join([sys.executable, *sys.argv]),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        **environment(),
    }
    if args.part in ("train", "both"):
        result["train"] = part_train(args)
    if args.part in ("lora8b", "both"):
        result["lora8b"] = part_lora8b(args)
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"gpu_bench-{args.tag or time.strftime('%Y%m%d-%H%M%S')}.json"
    if os.environ.get("OUT"):  # the device runner collects files from $OUT
        Path(os.environ["OUT"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["OUT"]) / out.name).write_text(json.dumps(result, indent=2, default=str))
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
