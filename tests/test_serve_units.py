"""Pieces of `supportrm serve` that a live server cannot show deterministically: loading state,
the micro-batcher's gathering and backpressure, thread safety of RewardScorer, query parsing."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.data.schema import Message
from supportrm.model.render import Encoded
from supportrm.serve.app import ServeSettings, create_app
from supportrm.serve.batcher import MicroBatcher, Overloaded
from supportrm.serve.parse import UNFORMATTED, QueryError, parse_query


def test_health_is_503_until_loaded_then_200() -> None:
    release = threading.Event()

    def loader() -> dict:
        release.wait(30)
        raise RuntimeError("weights missing")

    with TestClient(create_app(loader, ServeSettings())) as client:
        r = client.get("/health")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        assert client.post("/get_reward", json={"query": []}).status_code == 503
        release.set()
        for _ in range(100):
            if client.get("/health").json()["status"] == "error":
                break
            threading.Event().wait(0.05)
        r = client.get("/health")
        assert r.status_code == 503 and "weights missing" in r.json()["detail"]
        assert "weights missing" in client.post("/get_reward", json={"query": []}).json()["detail"]


class _SlowScorer:
    """Records the batches it is given; blocks each forward until released."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.gate = threading.Event()

    def score_encoded(
        self, seqs: list[Encoded], batch_size: int, *, batch_tokens: int
    ) -> np.ndarray:
        self.gate.wait(10)
        self.batches.append(len(seqs))
        return np.array([float(len(s.input_ids)) for s in seqs])


def _seq(n: int) -> Encoded:
    return Encoded(list(range(n)), None, False, n, n)


def test_batcher_gathers_waiting_requests_and_keeps_each_ones_rows() -> None:
    async def main() -> tuple[list[np.ndarray], list[int]]:
        scorer = _SlowScorer()
        b = MicroBatcher(
            [scorer], batch_tokens=1000, max_batch_items=64, max_queued_items=100, max_padding=10.0
        )
        b.start()
        first = asyncio.ensure_future(b.score([[_seq(5)]]))
        await asyncio.sleep(0.05)  # the first job is in the (blocked) inference thread
        rest = [asyncio.ensure_future(b.score([[_seq(10 + k), _seq(20 + k)]])) for k in range(5)]
        await asyncio.sleep(0.05)
        scorer.gate.set()
        out = await asyncio.gather(first, *rest)
        await b.stop()
        return out, scorer.batches

    out, batches = asyncio.run(main())
    assert batches == [1, 10]  # the five waiting requests shared one forward pass
    assert out[0].tolist() == [[5.0]]
    for k, rows in enumerate(out[1:]):
        assert rows.tolist() == [[10.0 + k, 20.0 + k]]


def test_batcher_waits_for_requests_still_being_tokenized_but_not_for_strangers() -> None:
    async def main() -> tuple[list[int], float]:
        scorer = _SlowScorer()
        scorer.gate.set()
        b = MicroBatcher([scorer], max_wait_ms=2000, max_padding=10.0)
        b.start()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await b.score([[_seq(3)]])  # nobody else announced: no wait
        lone = loop.time() - t0
        b.expect()  # a second request has arrived and is tokenizing

        async def late() -> np.ndarray:
            await asyncio.sleep(0.1)
            b.unexpect()
            return await b.score([[_seq(4)]])

        await asyncio.gather(b.score([[_seq(5)]]), late())
        await b.stop()
        return scorer.batches, lone

    batches, lone = asyncio.run(main())
    assert batches == [1, 2]  # the pass waited for the announced request and took both
    assert lone < 1.0


def test_length_groups_bound_the_padding() -> None:
    from supportrm.serve.batcher import length_groups

    lengths = [100, 300, 105, 290, 110, 500]
    groups = length_groups(lengths, 0.1)
    assert sorted(i for g in groups for i in g) == list(range(6))
    assert groups == [[0, 2, 4], [3, 1], [5]]
    for g in groups:  # each group padded to its longest adds at most 10%
        assert len(g) * max(lengths[i] for i in g) <= 1.1 * sum(lengths[i] for i in g)
    assert length_groups(lengths, 10.0) == [[0, 2, 4, 3, 1, 5]]  # loose: one pass
    assert length_groups([], 0.1) == []


def test_batcher_respects_the_token_budget_and_refuses_when_full() -> None:
    async def main() -> tuple[list[int], str]:
        scorer = _SlowScorer()
        b = MicroBatcher([scorer], batch_tokens=25, max_batch_items=64, max_queued_items=4)
        b.start()
        first = asyncio.ensure_future(b.score([[_seq(10)]]))
        await asyncio.sleep(0.05)
        jobs = [asyncio.ensure_future(b.score([[_seq(10)]])) for _ in range(4)]
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded) as exc:  # 4 queued + 1 > limit 4: refused, not queued
            await b.score([[_seq(10)]])
        scorer.gate.set()
        await asyncio.gather(first, *jobs)
        await b.stop()
        return scorer.batches, str(exc.value)

    batches, message = asyncio.run(main())
    assert batches == [1, 2, 2]  # 25-token budget: two 10-token items per pass
    assert "4 items are queued (limit 4)" in message


class _OneThreadAtATime:
    """Wraps a tokenizer and records whether two threads were ever inside it at once (a fast
    tokenizer may then fail with "Already borrowed"); the sleep widens the window."""

    def __init__(self, tok: object) -> None:
        self._tok, self._inside, self.overlaps = tok, 0, 0
        self._count = threading.Lock()

    def _enter(self) -> None:
        with self._count:
            self._inside += 1
            self.overlaps += self._inside > 1
        threading.Event().wait(0.002)
        with self._count:
            self._inside -= 1

    def __call__(self, *a: object, **k: object) -> object:
        self._enter()
        return self._tok(*a, **k)  # type: ignore[operator]

    def pad(self, *a: object, **k: object) -> object:
        self._enter()
        return self._tok.pad(*a, **k)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._tok, name)


def test_reward_scorer_is_thread_safe(tmp_path: Path) -> None:
    """8 threads score different pair sets at once: same rows as one thread, each thread sees
    its own ``last_stats``, and the tokenizer is never entered by two threads together."""
    from supportrm.model.backbone import RewardModule, load_reward_model
    from supportrm.model.render import Renderer
    from supportrm.model.scoring import RewardScorer
    from supportrm.model.testing import tiny_bert, toy_pairs

    model, tok, _ = load_reward_model(str(tiny_bert(tmp_path / "bert")), seed=0)
    guarded = _OneThreadAtATime(tok)
    scorer = RewardScorer(RewardModule(model), guarded, Renderer(guarded, "encoder", 96))
    pairs = toy_pairs(120)
    chunks = [
        pairs[k * (k + 1) // 2 : (k + 1) * (k + 2) // 2 + 1] for k in range(8)
    ]  # sizes differ
    single = [scorer.score_pairs(c) for c in chunks]
    guarded.overlaps = 0
    results: dict[int, list] = {}
    stats: dict[int, list[int]] = {}
    barrier = threading.Barrier(8)

    def work(k: int) -> None:
        barrier.wait()
        seen = []
        for _ in range(5):
            results[k] = scorer.score_pairs(chunks[k])
            threading.Event().wait(0.01)  # other threads finish their calls meanwhile
            seen.append(scorer.last_stats["n_input"])
            scorer.score_conversations([p.prompt for p in chunks[k]], [p.chosen for p in chunks[k]])
        stats[k] = seen

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert guarded.overlaps == 0
    for k in range(8):
        assert [r["id"] for r in results[k]] == [r["id"] for r in single[k]]
        np.testing.assert_allclose(
            [r["chosen_score"] for r in results[k]], [r["chosen_score"] for r in single[k]],
            atol=1e-6, rtol=0,
        )  # fmt: skip
        assert stats[k] == [len(chunks[k])] * 5  # each thread sees its own stats


@pytest.mark.parametrize(
    ("text", "fmt", "n_turns", "reply"),
    [
        ("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
         "December 2023\nToday Date: 26 Jul 2024\n\nBe kind.<|eot_id|><|start_header_id|>user"
         "<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
         "Hello!<|eot_id|>", "llama3", 2, "Hello!"),
        ("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
         "<|im_start|>assistant\nHello, cut by max_tokens", "chatml", 2, "Hello, cut by max_tokens"),
        ("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>",
         "gemma", 1, "Hello!"),
        ("\n\nHuman: Hi\n\nAssistant: Hello!", "hh", 1, "Hello!"),
        ("System: Be kind.\nUser: Hi\nAssistant: Hello!\nSecond line.</s>", "plain", 2,
         "Hello!\nSecond line."),
        ("Just a reply with no template.", UNFORMATTED, 0, "Just a reply with no template."),
    ],
)  # fmt: skip
def test_parse_query(text: str, fmt: str, n_turns: int, reply: str) -> None:
    q = parse_query(text)
    assert (q.format, len(q.prompt), q.reply) == (fmt, n_turns, reply)
    if fmt == "llama3":  # the template's own date preamble is not part of the policy
        assert q.prompt[0] == Message("system", "Be kind.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty string"),
        ("<|im_start|>user\nHi<|im_end|>", "ends with a user turn"),
        ("<|im_start|>user\nHi<|im_end|><|im_start|>assistant\n<|im_end|>", "reply is empty"),
        ("<|im_start|>tool\nx<|im_end|>", "unknown role 'tool'"),
    ],
)
def test_parse_query_refuses(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)
