"""Reward functions for TRL's ``GRPOTrainer`` (``reward_funcs=[...]``): remote or in-process.

TRL calls ``f(prompts=..., completions=..., completion_ids=..., **columns)`` and expects one float
per completion. Prompts and completions are strings (standard datasets) or lists of messages
(conversational: ``[{"role": "assistant", "content": ...}]``); both are handled.

    from supportrm.client import reward_fn
    trainer = GRPOTrainer(..., reward_funcs=[reward_fn("http://127.0.0.1:8000")])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RewardFunc = Callable[..., list[float]]


def to_messages(prompt: Any, completion: Any) -> list[dict[str, str]]:
    """One conversation ending with the reply to score, from TRL's prompt/completion shapes."""
    if isinstance(prompt, str):
        head = [{"role": "user", "content": prompt}]
    else:
        head = [{"role": m["role"], "content": m["content"]} for m in prompt]
    if isinstance(completion, str):
        tail = [{"role": "assistant", "content": completion}]
    else:
        tail = [{"role": m["role"], "content": m["content"] or ""} for m in completion]
    if not tail or tail[-1]["role"] != "assistant":
        raise ValueError("a completion must end with an assistant message")
    return head + tail


def reward_fn(
    url: str,
    *,
    api_key: str | None = None,
    normalize: bool = False,
    truncate: str = "left",
    batch_size: int = 256,
    timeout: float = 120.0,
    retries: int = 5,
) -> RewardFunc:
    """A TRL reward function that asks a ``supportrm serve`` at ``url`` (its ``/score`` route).

    ``truncate="left"`` cuts over-long conversations from the oldest turn, as in training (a
    policy's rollout should not crash on one long prompt). 429/503 answers are retried with
    back-off; any other error is raised with the server's message.
    """
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def post(items: list[dict[str, Any]]) -> list[float]:
        body = {"items": items, "normalize": normalize, "truncate": truncate}
        for attempt in range(retries + 1):
            resp = client.post("/score", json=body)
            if resp.status_code in (429, 503) and attempt < retries:
                time.sleep(min(2.0**attempt * 0.25, 5.0))
                continue
            if resp.status_code != 200:
                raise RuntimeError(f"supportrm serve {url}: {resp.status_code} {resp.text}")
            return [float(x) for x in resp.json()["rewards"]]
        raise AssertionError("unreachable")

    def supportrm_reward(
        prompts: Sequence[Any], completions: Sequence[Any], **_: Any
    ) -> list[float]:
        items = [{"messages": to_messages(p, c)} for p, c in zip(prompts, completions, strict=True)]
        out: list[float] = []
        for start in range(0, len(items), batch_size):
            out += post(items[start : start + batch_size])
        return out

    return supportrm_reward


def local_reward_fn(
    model: str | Path, *, normalize: bool = False, device: str | None = None
) -> RewardFunc:
    """The same reward function, in-process: a checkpoint or a run folder (seed ensemble),
    scored exactly as ``supportrm score`` does (rendering and truncation as in training)."""
    from supportrm.data.schema import Message
    from supportrm.serve.score import load_scorers, model_rewards

    models = load_scorers(model, device=device)
    if normalize and any(not m.normalization for m in models.values()):
        raise ValueError(f"{model}: normalize asked but no reward_normalization is stored")

    def supportrm_reward(
        prompts: Sequence[Any], completions: Sequence[Any], **_: Any
    ) -> list[float]:
        convs = [to_messages(p, c) for p, c in zip(prompts, completions, strict=True)]
        items = [(tuple(Message(**m) for m in c[:-1]), c[-1]["content"]) for c in convs]
        rewards = model_rewards(models, items, normalize, 16384, None).mean(0)
        return [float(x) for x in rewards]

    return supportrm_reward
