"""Request batching: concurrent encode requests gathered into one call on a single model thread.

Each request puts its pairs on an asyncio queue and awaits a future. One collector task takes the first
waiting request, lets others join for up to ``max_wait`` seconds or until ``max_batch`` pairs, and hands the
whole batch to the model thread (a single-thread executor), so the event loop never blocks on the model and
the model never runs two calls at once. While a batch runs, new requests queue up and form the next batch,
so under load batches fill without waiting at all.

A batch that fails (a pair whose prompt is too long for the encoder, say) is retried request by request, so
that a bad request gets its own error and never harms the ones beside it.

Other model work (an index search, a completion) goes through :meth:`Batcher.call`, on the same thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from relvec.pairs import Pair

T = TypeVar("T")
Encode = Callable[[list[Pair]], np.ndarray]
_TIMED_OUT = object()


@dataclass
class _Request:
    pairs: list[Pair]
    future: asyncio.Future[np.ndarray] = field(repr=False)


class Batcher:
    """Gathers :meth:`encode` calls into batches run by ``encode`` (pairs -> float32 (n, dim)) on one thread.

    Args:
        encode: the model call, e.g. ``RelationEncoder.encode``.
        enabled: batch concurrent requests; off, every request is its own call (still on the one thread).
        max_batch: pairs in one gathered call; a larger request runs alone.
        max_wait: seconds the first request of a batch waits for others to join.
    """

    def __init__(self, encode: Encode, *, enabled: bool = True, max_batch: int = 256, max_wait: float = 0.002):
        self._encode = encode
        self.enabled = enabled
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._executor: ThreadPoolExecutor | None = None
        self._queue: asyncio.Queue[_Request | None] = asyncio.Queue()
        self._collector: asyncio.Task[None] | None = None
        #: encode calls made (the tests read it).
        self.calls = 0

    async def start(self) -> None:
        """Start the model thread and the collector (again after :meth:`stop`, e.g. a second lifespan)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relvec-model")
            self._queue = asyncio.Queue()
        if self.enabled and self._collector is None:
            self._collector = asyncio.get_running_loop().create_task(self._collect(), name="relvec-batcher")

    async def stop(self) -> None:
        """Finish every queued request, then release the model thread."""
        if self._collector is not None:
            await self._queue.put(None)
            await self._collector
            self._collector = None
        if self._executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)
            self._executor = None

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the model thread (for work that is not a plain encode)."""
        if self._executor is None:
            raise RuntimeError("the batcher is not started (await Batcher.start() first)")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def encode(self, pairs: list[Pair]) -> np.ndarray:
        """Vectors of ``pairs``: float32 (len(pairs), dim), computed alone or within a batch."""
        if not self.enabled:
            return await self.call(self._count_and_encode, pairs)
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Request(pairs, future))
        return await future

    def _count_and_encode(self, pairs: list[Pair]) -> np.ndarray:
        self.calls += 1
        return self._encode(pairs)

    async def _collect(self) -> None:
        carried: _Request | None = None  # a request that did not fit the last batch starts the next
        stopping = False
        while not stopping:
            first = carried or await self._queue.get()
            carried = None
            if first is None:  # the stop marker
                return
            batch, size = [first], len(first.pairs)
            deadline = asyncio.get_running_loop().time() + self.max_wait
            while size < self.max_batch:
                request = await self._next(deadline)
                if request is _TIMED_OUT:
                    break
                if request is None:
                    stopping = True  # nothing can be queued behind the stop marker
                    break
                if size + len(request.pairs) > self.max_batch:
                    carried = request
                    break
                batch.append(request)
                size += len(request.pairs)
            await self._run(batch)

    async def _next(self, deadline: float) -> _Request | None | object:
        """The next queued request (``None``: the stop marker), or ``_TIMED_OUT`` once ``deadline`` passes."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return _TIMED_OUT
            try:
                return await asyncio.wait_for(self._queue.get(), remaining)
            except TimeoutError:
                return _TIMED_OUT

    async def _run(self, batch: list[_Request]) -> None:
        live = [request for request in batch if not request.future.done()]  # a cancelled client is skipped
        if not live:
            return
        pairs = [pair for request in live for pair in request.pairs]
        try:
            vectors = await self.call(self._count_and_encode, pairs)
        except Exception as error:
            if len(live) == 1:
                _settle(live[0].future, error=error)
                return
            # One request spoiled the batch: each request alone, so each gets its own answer.
            for request in live:
                try:
                    _settle(request.future, await self.call(self._count_and_encode, request.pairs))
                except Exception as alone:
                    _settle(request.future, error=alone)
            return
        start = 0
        for request in live:
            _settle(request.future, vectors[start : start + len(request.pairs)])
            start += len(request.pairs)


def _settle(future: asyncio.Future[np.ndarray], result: np.ndarray | None = None, error: BaseException | None = None):
    if future.done():  # the client went away while its batch ran
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
