"""Where a default training step's time goes on this CPU: one step of the trained top three
MiniLM layers (batch 32 sequences x 250 tokens from the feature cache, random hidden states),
forward+backward and forward alone, under sdpa and eager attention, and torch.profiler's top
operators for sdpa. Writes ``bench/results/step_profile.json``.

    .venv/bin/python bench/step_profile.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _step_fn(module: Any, opt: Any, mask: Any, hidden: Any) -> Any:
    import torch.nn.functional as F

    def step() -> None:
        r = module(mask, hidden=hidden, start_layer=3)
        (-F.logsigmoid(r[:16] - r[16:]).mean()).backward()
        opt.step()
        opt.zero_grad()

    return step


def main() -> None:
    import torch
    from torch.profiler import ProfilerActivity, profile

    from supportrm.model.backbone import RewardModule, freeze_bottom, load_reward_model
    from supportrm.model.resolve import packaged_minilm_path
    from supportrm.train.runtime import environment

    torch.set_num_threads(2)
    batch, length = 32, 250
    mask = torch.ones(batch, length, dtype=torch.long)
    for i in range(batch):
        mask[i, length - (i % 8) * 5 :] = 0  # some padding, as in a length-grouped batch
    result: dict[str, Any] = {"benchmark": "step_profile", "command": " ".join(sys.argv),
                              "batch": [batch, length], **environment()}  # fmt: skip
    for attn in ("sdpa", "eager"):
        model, _tok, _ = load_reward_model(packaged_minilm_path(), seed=0, attn_implementation=attn)
        freeze_bottom(model, 3)
        module = RewardModule(model).train()
        opt = torch.optim.AdamW([p for p in module.parameters() if p.requires_grad], lr=1e-4)
        torch.manual_seed(0)
        hidden = torch.randn(batch, length, 384)

        step = _step_fn(module, opt, mask, hidden)
        step()  # warm-up
        t0 = time.perf_counter()
        for _ in range(3):
            step()
        train_s = (time.perf_counter() - t0) / 3
        with torch.no_grad():
            t0 = time.perf_counter()
            for _ in range(3):
                module(mask, hidden=hidden, start_layer=3)
            forward_s = (time.perf_counter() - t0) / 3
        result[attn] = {"train_step_seconds": train_s, "forward_seconds": forward_s}
        if attn == "sdpa":
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                step()
            events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
            total = sum(e.self_cpu_time_total for e in events)
            result["sdpa"]["top_ops_share_of_self_cpu"] = {
                e.key: e.self_cpu_time_total / total for e in events[:8]
            }
        print(attn, result[attn].get("train_step_seconds"), file=sys.stderr)
    out = REPO / "bench" / "results" / "step_profile.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
