"""Dynamic batching for the HTTP server: concurrent requests share forward passes.

Requests put already-tokenized jobs into a bounded queue and await a future. One asyncio task
takes as many queued jobs as fit a token budget (at least one), hands them to a single inference
thread, and resolves each job's future with its own rows. While that thread computes, new
requests queue up, so batches grow with load and a lone request is never held back waiting for
company. The event loop never runs the model; a full queue is refused (``Overloaded``), never
grown. Each sequence's reward does not depend on what it was batched with (the reward is read
through the attention mask; tests/test_serve.py checks 1e-5).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from supportrm.model.render import Encoded


class Overloaded(RuntimeError):
    """The queue holds ``max_queued_items`` already: the caller should retry later (429)."""


@dataclass
class _Job:
    #: per model, the job's encoded items (one list per served model, same item order)
    seqs: list[list[Encoded]]
    future: asyncio.Future[np.ndarray]
    n_items: int = field(init=False)
    n_tokens: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_items = len(self.seqs[0])
        self.n_tokens = sum(len(s.input_ids) for s in self.seqs[0])


class MicroBatcher:
    """Gathers jobs into micro-batches of at most ``batch_tokens`` tokens for ``scorers``."""

    def __init__(
        self,
        scorers: Sequence[object],
        *,
        batch_tokens: int = 16384,
        max_batch_items: int = 64,
        max_queued_items: int = 4096,
    ) -> None:
        self.scorers = list(scorers)
        self.batch_tokens = batch_tokens
        self.max_batch_items = max_batch_items
        self.max_queued_items = max_queued_items
        self._pending: collections.deque[_Job] = collections.deque()
        self._queued_items = 0
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="supportrm-infer")
        self._task: asyncio.Task[None] | None = None
        #: batches run and items scored since start (``/info`` shows them)
        self.stats = {"batches": 0, "items": 0}

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def score(self, seqs: list[list[Encoded]]) -> np.ndarray:
        """Rewards (models x items) for one request's items, in order."""
        n = len(seqs[0])
        if n == 0:
            return np.zeros((len(self.scorers), 0))
        if self._queued_items + n > self.max_queued_items:
            raise Overloaded(
                f"{self._queued_items} items are queued (limit {self.max_queued_items})"
            )
        job = _Job(seqs, asyncio.get_running_loop().create_future())
        self._pending.append(job)
        self._queued_items += n
        self._wakeup.set()
        return await job.future

    def _take(self) -> list[_Job]:
        jobs = [self._pending.popleft()]
        tokens, items = jobs[0].n_tokens, jobs[0].n_items
        while self._pending:
            nxt = self._pending[0]
            if (
                tokens + nxt.n_tokens > self.batch_tokens
                or items + nxt.n_items > self.max_batch_items
            ):
                break
            jobs.append(self._pending.popleft())
            tokens, items = tokens + nxt.n_tokens, items + nxt.n_items
        self._queued_items -= items
        return jobs

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                jobs = self._take()
                try:
                    rewards = await loop.run_in_executor(self._executor, self._forward, jobs)
                except Exception as exc:  # the model failed: every waiting caller hears why
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    continue
                start = 0
                for job in jobs:
                    if not job.future.done():  # a caller that went away is skipped
                        job.future.set_result(rewards[:, start : start + job.n_items])
                    start += job.n_items

    def _forward(self, jobs: list[_Job]) -> np.ndarray:
        """Runs in the inference thread: one pass per model over all jobs' items."""
        out = []
        for m, scorer in enumerate(self.scorers):
            seqs = [s for job in jobs for s in job.seqs[m]]
            out.append(
                scorer.score_encoded(  # type: ignore[attr-defined]
                    seqs, self.max_batch_items, batch_tokens=self.batch_tokens
                )
            )
        self.stats["batches"] += 1
        self.stats["items"] += sum(job.n_items for job in jobs)
        return np.vstack(out)
