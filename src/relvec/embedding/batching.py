"""The batch plan: which pairs are encoded together. torch-free, so that it is also the unit of sharding.

Pairs are taken in consecutive chunks of ``chunk_size`` input pairs; within a chunk each distinct pair is
encoded once, in batches of length-sorted prompts. A pair's vector therefore depends only on its chunk, never
on what else a call holds: streaming a file chunk by chunk (:func:`encode_stream`: ``relvec embed``, an index
build, labelling, Ray workers each given whole chunks) gives bit-identical output to one ``encode`` call on the
whole list. (Matrix-product kernels may sum in a different order for a different batch shape, so this is by
construction rather than by luck.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from relvec.pairs import Pair, check_pair

#: Input pairs planned together; also the chunk :func:`encode_stream` reads and a Ray worker receives.
DEFAULT_CHUNK_SIZE = 8192


@dataclass(frozen=True)
class Chunk:
    """The distinct pairs of one chunk in first-seen order. ``start``: the chunk's first input index;
    ``inverse[i]``: input pair ``start + i``'s distinct index; ``first[j]``: the input index where distinct
    pair j first appears (for error messages)."""

    start: int
    pairs: list[Pair]
    inverse: np.ndarray
    first: list[int]

    @classmethod
    def of(cls, pairs: Sequence[Pair], start: int = 0) -> Chunk:
        index: dict[Pair, int] = {}
        first: list[int] = []
        inverse = np.empty(len(pairs), dtype=np.int64)
        for position, pair in enumerate(pairs):
            found = index.setdefault(pair, len(index))
            if found == len(first):
                first.append(start + position)
            inverse[position] = found
        return cls(start, list(index), inverse, first)

    @property
    def stop(self) -> int:
        return self.start + len(self.inverse)


def plan_chunks(pairs: Sequence[Pair], chunk_size: int) -> list[Chunk]:
    """``pairs`` cut into consecutive chunks of ``chunk_size``, each deduplicated."""
    return [Chunk.of(pairs[start : start + chunk_size], start) for start in range(0, len(pairs), chunk_size)]


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices into ``lengths`` grouped into batches of similar length, so that padding is minimal.

    Longest first: the largest batch shows its memory (and rate) at once rather than at the end.
    """
    by_length = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [by_length[start : start + batch_size] for start in range(0, len(by_length), batch_size)]


def consecutive_chunks(pairs: Iterable[Any], size: int) -> Iterator[list[Pair]]:
    """``pairs`` (any iterable, read lazily) as consecutive lists of ``size`` checked pairs (the last may be
    shorter); a bad pair is named by its place in the whole stream."""
    chunk: list[Pair] = []
    for position, pair in enumerate(pairs):
        chunk.append(check_pair(pair, f"pairs[{position}]"))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def encode_stream(embedder: Any, pairs: Iterable[Any]) -> Iterator[tuple[list[Pair], np.ndarray]]:
    """Each chunk of ``pairs`` with its vectors, float32 (len(chunk), dim): one ``embedder.encode`` call per
    chunk of the embedder's ``chunk_size`` (:data:`DEFAULT_CHUNK_SIZE` for one without it, the baseline say),
    so the rows are those of one ``encode`` call on all the pairs, while only a chunk is held at a time.

    This is the one streaming path (``RelationEncoder.encode_stream``): ``relvec embed``, an index build,
    labelling and the Ray workers all read their pairs through it.
    """
    for chunk in consecutive_chunks(pairs, getattr(embedder, "chunk_size", DEFAULT_CHUNK_SIZE)):
        yield chunk, embedder.encode(chunk)
