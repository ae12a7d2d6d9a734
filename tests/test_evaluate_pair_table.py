"""One evaluation run embeds each distinct pair once across datasets, tasks and directions (PairTable)."""

from __future__ import annotations

import zlib
from collections import Counter

import numpy as np
import pytest

from relvec.data import AnalogyQuestion, LexicalSplit, MappingProblem
from relvec.errors import RelvecError
from relvec.tasks.benchmarks import Benchmark, evaluate, pair_table, run_benchmark
from relvec.tasks.vectors import PairTable


class CountingEmbedder:
    """A deterministic vector per pair; counts how often each pair reaches ``encode`` and how many calls."""

    def __init__(self, dim: int = 6) -> None:
        self.dim = dim
        self.seen: Counter = Counter()
        self.calls = 0

    def encode(self, pairs, progress: bool = False):
        self.calls += 1
        self.seen.update(tuple(pair) for pair in pairs)
        out = np.empty((len(pairs), self.dim), dtype=np.float32)
        for i, pair in enumerate(pairs):
            out[i] = np.random.default_rng(zlib.crc32(repr(tuple(pair)).encode())).standard_normal(self.dim)
        return out


def test_table_encodes_missing_pairs_only_in_chunks():
    stub = CountingEmbedder()
    table = PairTable(stub, chunk_size=2)
    first = table.encode([("a", "b"), ("c", "d"), ("a", "b"), ("e", "f")])
    assert stub.calls == 2 and sum(stub.seen.values()) == 3  # 3 distinct pairs in chunks of 2
    again = table.encode([("e", "f"), ["a", "b"], ("g", "h")])
    assert stub.calls == 3 and stub.seen == Counter({("a", "b"): 1, ("c", "d"): 1, ("e", "f"): 1, ("g", "h"): 1})
    np.testing.assert_array_equal(again[:2], first[[3, 0]])
    np.testing.assert_array_equal(again, stub.encode([("e", "f"), ("a", "b"), ("g", "h")]))
    assert (table.encoded, table.requested) == (4, 7) and table.dim == stub.dim  # attributes pass through
    assert pair_table(table) is table


def test_table_counts_the_time_spent_in_the_embedder_only(monkeypatch):
    import relvec.tasks.vectors as vectors

    clock = iter(range(0, 100, 5))  # every reading of the clock is 5 s after the last
    monkeypatch.setattr(vectors.time, "perf_counter", lambda: float(next(clock)))
    table = PairTable(CountingEmbedder(), chunk_size=2)
    table.encode([("a", "b"), ("c", "d"), ("e", "f")])  # two chunks: two embedder calls of 5 s each
    table.encode([("a", "b")])  # answered from the table: no embedder call, no time
    assert table.encode_seconds == 10.0


def test_table_refuses_a_bad_encoder_and_chunk_size():
    class Short(CountingEmbedder):
        def encode(self, pairs, progress=False):
            return super().encode(pairs)[:-1]

    with pytest.raises(RelvecError, match="expected \\(pairs, dim\\)"):
        PairTable(Short()).encode([("a", "b"), ("c", "d")])
    with pytest.raises(RelvecError, match="chunk_size"):
        PairTable(CountingEmbedder(), chunk_size=0)
    with pytest.raises(RelvecError, match="embedder"):
        PairTable(object())


def test_tasks_and_directions_share_one_table():
    # The same pairs appear in an analogy set (both directions), a lexical set (both directions, every split)
    # and a mapping problem (its ordered pairs): each reaches the encoder once.
    words = ["sun", "planet", "nucleus", "electron", "gravity"]
    questions = [
        AnalogyQuestion(stem=("sun", "planet"), choices=(("nucleus", "electron"), ("planet", "sun")), answer=0),
        AnalogyQuestion(stem=("nucleus", "electron"), choices=(("sun", "planet"), ("gravity", "sun")), answer=0),
    ]
    pairs = [("sun", "planet"), ("planet", "sun"), ("nucleus", "electron"), ("electron", "nucleus")] * 5
    labels = ["a", "b"] * 10
    train = LexicalSplit(pairs=pairs, labels=labels)
    val = LexicalSplit(pairs=pairs[:8], labels=labels[:8])
    test = LexicalSplit(pairs=[("gravity", "sun"), ("sun", "gravity")], labels=["a", "b"])
    problem = MappingProblem(
        id="m", source=("sun", "planet", "gravity"), target=("nucleus", "electron", "gravity"),
        target_random=("electron", "gravity", "nucleus"),
    )  # fmt: skip
    benchmarks = [
        Benchmark("q", "analogy", "test", questions),
        Benchmark("q-again", "analogy", "test", questions),
        Benchmark("lex", "lexical", "test", (train, val, test)),
        Benchmark("map", "mapping", "test", [problem]),
    ]
    stub = CountingEmbedder()
    table = PairTable(stub)
    results = {b.name: run_benchmark(table, b, direction="both") for b in benchmarks}
    assert set(stub.seen.values()) == {1}  # no pair embedded twice
    ordered = {(h, t) for h in words for t in words if h != t}
    assert set(stub.seen) <= ordered and table.encoded == len(stub.seen)
    assert stub.calls <= len(benchmarks)  # each task's new pairs in one call (one chunk here)
    assert table.requested > table.encoded
    # The scores are those of the bare embedder: the table changes what is embedded, not the numbers.
    for benchmark in benchmarks:
        alone = run_benchmark(CountingEmbedder(), benchmark, direction="both")
        got = results[benchmark.name]
        assert {k: v for k, v in got.items() if k != "seconds"} == {k: v for k, v in alone.items() if k != "seconds"}


@pytest.mark.integration
def test_evaluate_embeds_each_distinct_pair_once(shared_data):
    stub = CountingEmbedder()
    results = evaluate(stub, ["u2", "u4", "bless"], direction="both", data_dir=shared_data)
    assert set(results) == {"u2", "u4", "bless"}
    assert set(stub.seen.values()) == {1}
    looked_up = sum(r["distinct_pairs"] for r in results.values())
    assert len(stub.seen) < looked_up  # u2 and u4 share pairs: the table embedded fewer than the tasks asked
