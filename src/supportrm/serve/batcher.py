"""Dynamic batching for the HTTP server: concurrent requests share forward passes.

Requests put already-tokenized jobs into a bounded queue and await a future. One asyncio task
takes as many queued jobs as fit a token budget (at least one), hands them to a single inference
thread, and resolves each job's future with its own rows. While that thread computes, new
requests queue up, so batches grow with load. Before a pass the task also waits (at most
``max_wait_ms``) for requests that have *already arrived* and are still being tokenized
(``expect``/``unexpect``): a lone request is never held back waiting for company that may never
come. The event loop never runs the model; a full queue is refused (``Overloaded``), never
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
        max_wait_ms: float = 10.0,
        max_padding: float = 0.1,
    ) -> None:
        self.scorers = list(scorers)
        self.batch_tokens = batch_tokens
        self.max_batch_items = max_batch_items
        self.max_queued_items = max_queued_items
        self._pending: collections.deque[_Job] = collections.deque()
        self._queued_items = 0
        self.max_wait_s = max_wait_ms / 1000
        #: a gathered batch is cut into length groups whose padding is at most this share of
        #: their tokens: on a CPU one sequence already fills the matrix units, so padding is pure
        #: loss; on a GPU per-pass overhead dominates and a larger share pays (``--max-padding``)
        self.max_padding = max_padding
        #: requests that have arrived and are being tokenized (they will queue a job shortly)
        self._preparing = 0
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

    def expect(self) -> None:
        """A request has arrived and will call :meth:`score` after tokenizing."""
        self._preparing += 1

    def unexpect(self) -> None:
        """It has queued its job, or failed before it could."""
        self._preparing = max(0, self._preparing - 1)

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
                deadline = loop.time() + self.max_wait_s
                while self._preparing > 0 and loop.time() < deadline:
                    await asyncio.sleep(0.001)  # requests already here, still tokenizing
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
        """Runs in the inference thread: per model, the jobs' items in low-padding groups."""
        out = []
        for m, scorer in enumerate(self.scorers):
            seqs = [s for job in jobs for s in job.seqs[m]]
            rewards = np.zeros(len(seqs))
            for group in length_groups([len(s.input_ids) for s in seqs], self.max_padding):
                rewards[group] = scorer.score_encoded(  # type: ignore[attr-defined]
                    [seqs[i] for i in group], self.max_batch_items, batch_tokens=self.batch_tokens
                )
            out.append(rewards)
        self.stats["batches"] += 1
        self.stats["items"] += sum(job.n_items for job in jobs)
        return np.vstack(out)


def length_groups(lengths: Sequence[int], max_padding: float) -> list[list[int]]:
    """Indices grouped by length (shortest first) so that padding each group to its longest
    member adds at most ``max_padding`` of the group's real tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    groups: list[list[int]] = []
    real = 0
    for i in order:
        if groups:
            n, longest = len(groups[-1]) + 1, lengths[i]  # sorted: the newcomer is the longest
            if n * longest <= (1 + max_padding) * (real + lengths[i]):
                groups[-1].append(i)
                real += lengths[i]
                continue
        groups.append([i])
        real = lengths[i]
    return groups
