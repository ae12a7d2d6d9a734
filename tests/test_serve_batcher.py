"""The request batcher, on a fake model: gathering, limits, isolation of failures, stopping, threads."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from relvec.errors import RelvecError
from relvec.serve.batcher import Batcher


class FakeModel:
    """encode: each pair's vector is (len(head), len(tail)); a head 'bad' fails the whole call."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []
        self.threads: set[int] = set()

    def encode(self, pairs):
        self.calls.append(list(pairs))
        self.threads.add(threading.get_ident())
        if any(head == "bad" for head, _ in pairs):
            raise RelvecError("pairs[0] must be good; got 'bad'.")
        return np.array([[len(head), len(tail)] for head, tail in pairs], dtype=np.float32)


def requests(*sizes: int) -> list[list[tuple[str, str]]]:
    return [[("h" * (r + 1), "t" * (i + 1)) for i in range(size)] for r, size in enumerate(sizes)]


async def run(batcher: Batcher, pair_lists, **gather) -> list:
    await batcher.start()
    try:
        return await asyncio.gather(*(batcher.encode(pairs) for pairs in pair_lists), **gather)
    finally:
        await batcher.stop()


def expected(pairs) -> np.ndarray:
    return np.array([[len(h), len(t)] for h, t in pairs], dtype=np.float32)


def test_concurrent_requests_share_one_call_and_each_gets_its_own_rows():
    model, lists = FakeModel(), requests(1, 3, 2)
    results = asyncio.run(run(Batcher(model.encode, max_wait=0.5), lists))
    assert model.calls == [lists[0] + lists[1] + lists[2]]
    for pairs, vectors in zip(lists, results, strict=True):
        np.testing.assert_array_equal(vectors, expected(pairs))


def test_max_batch_carries_a_request_that_does_not_fit_to_the_next_call():
    model, lists = FakeModel(), requests(2, 2, 3, 5)
    results = asyncio.run(run(Batcher(model.encode, max_batch=4, max_wait=0.5), lists))
    # 2 + 2 fill the first call; 3 would overflow the next with 5, and 5 > max_batch runs alone.
    assert [len(call) for call in model.calls] == [4, 3, 5]
    for pairs, vectors in zip(lists, results, strict=True):
        np.testing.assert_array_equal(vectors, expected(pairs))


def test_without_batching_every_request_is_its_own_call():
    model, lists = FakeModel(), requests(1, 2, 1)
    batcher = Batcher(model.encode, enabled=False)
    asyncio.run(run(batcher, lists))
    assert sorted(map(len, model.calls)) == [1, 1, 2] and batcher.calls == 3


def test_a_failing_request_is_retried_alone_and_fails_alone():
    model = FakeModel()
    lists = [[("good", "x")], [("ok", "y"), ("bad", "z")], [("fine", "w")]]
    results = asyncio.run(run(Batcher(model.encode, max_wait=0.5), lists, return_exceptions=True))
    np.testing.assert_array_equal(results[0], expected(lists[0]))
    assert isinstance(results[1], RelvecError)
    np.testing.assert_array_equal(results[2], expected(lists[2]))
    assert len(model.calls) == 4  # the spoiled call, then each request on its own


def test_the_model_runs_on_one_thread_and_the_event_loop_stays_free():
    release = threading.Event()
    model = FakeModel()

    def blocking_encode(pairs):
        # Returns only once the event loop has run the coroutine below: a blocked loop would time out.
        if not release.wait(10):
            raise TimeoutError("the event loop was blocked")
        return model.encode(pairs)

    async def scenario():
        batcher = Batcher(blocking_encode, max_wait=0.0)
        await batcher.start()
        pending = asyncio.ensure_future(batcher.encode(requests(1)[0]))
        await asyncio.sleep(0.05)  # the loop runs while the model thread waits
        release.set()
        result = await pending
        await batcher.stop()
        return result

    np.testing.assert_array_equal(asyncio.run(scenario()), expected(requests(1)[0]))
    assert len(model.threads) == 1 and threading.get_ident() not in model.threads


def test_stop_finishes_every_queued_request():
    model = FakeModel()

    async def scenario():
        batcher = Batcher(model.encode, max_batch=1, max_wait=0.0)
        await batcher.start()
        waiting = [asyncio.ensure_future(batcher.encode(pairs)) for pairs in requests(1, 1, 1)]
        await asyncio.sleep(0)  # queued, not yet run
        await batcher.stop()
        return [future.done() and not future.cancelled() for future in waiting]

    assert asyncio.run(scenario()) == [True, True, True]
    assert len(model.calls) == 3


def test_a_request_whose_client_left_is_skipped():
    model = FakeModel()

    async def scenario():
        batcher = Batcher(model.encode, max_wait=0.2)
        await batcher.start()
        leaving = asyncio.ensure_future(batcher.encode([("gone", "x")]))
        staying = asyncio.ensure_future(batcher.encode([("here", "y")]))
        await asyncio.sleep(0.01)
        leaving.cancel()
        result = await staying
        await batcher.stop()
        return result

    np.testing.assert_array_equal(asyncio.run(scenario()), expected([("here", "y")]))
    assert model.calls == [[("here", "y")]]


def test_call_runs_other_work_on_the_model_thread():
    model = FakeModel()

    async def scenario():
        batcher = Batcher(model.encode)
        await batcher.start()
        thread = await batcher.call(threading.get_ident)
        await batcher.encode([("a", "b")])
        await batcher.stop()
        return thread

    assert asyncio.run(scenario()) in model.threads


@pytest.mark.parametrize("enabled", [True, False])
def test_an_error_outside_relvec_reaches_the_caller(enabled):
    def broken(pairs):
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        asyncio.run(run(Batcher(broken, enabled=enabled), [[("a", "b")]]))


def test_a_stopped_batcher_starts_again():
    model = FakeModel()
    batcher = Batcher(model.encode)
    asyncio.run(run(batcher, requests(1)))
    asyncio.run(run(batcher, requests(2)))
    assert [len(call) for call in model.calls] == [1, 2]
