"""pairs -> vectors for the evaluations: every distinct pair embedded once, in one ``encode`` call, and
once per run across tasks and directions (:class:`PairTable`).

Any object with ``encode(pairs) -> float32 (n, dim)`` is an embedder (RelationEncoder, the baselines, a test
fake). An embedder that can tell which pairs it cannot embed (``known(pairs) -> bool (n,)``, the GloVe
baseline) gets them counted, so that a zero-vector fallback is reported rather than silent.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from relvec.errors import RelvecError, invalid
from relvec.pairs import Pair


@dataclass(frozen=True)
class PairVectors:
    """Vectors of distinct pairs: ``vectors[index[pair]]`` is the (dim,) vector of ``pair``."""

    index: dict[Pair, int]
    vectors: np.ndarray  # (distinct pairs, dim) float32
    unembedded: int  # distinct pairs the embedder could not embed (given zero vectors)
    static_missing: int | None = None  # hybrid vectors: distinct pairs whose static part is zero (unknown words)

    def __getitem__(self, pairs: list[Pair]) -> np.ndarray:
        """Vectors of ``pairs`` in order: (len(pairs), dim)."""
        return self.vectors[[self.index[pair] for pair in pairs]]

    def coverage(self) -> dict[str, Any]:
        """Counts for the results file: distinct pairs, how many were embedded, and the percentage."""
        total = len(self.index)
        counts = {
            "distinct_pairs": total,
            "unembedded_pairs": self.unembedded,
            "coverage": percent(total - self.unembedded, total),
        }
        if self.static_missing is not None:
            counts["static_missing_pairs"] = self.static_missing
        return counts


def percent(part: float, whole: float, digits: int = 2) -> float:
    """``100 * part / whole`` rounded for a results file; 0.0 for an empty whole."""
    return round(100.0 * part / whole, digits) if whole else 0.0


def embed_pairs(embedder: Any, pairs: Iterable[Pair], *, progress: bool = False, what: str = "dataset") -> PairVectors:
    """Embed the distinct pairs of ``pairs`` (first-seen order) in one ``encode`` call.

    Raises RelvecError, before any model work, when the embedder can embed none of them: an accuracy
    computed from zero vectors alone would be a silent wrong number.
    """
    check_embedder(embedder)
    index: dict[Pair, int] = {}
    for pair in pairs:
        index.setdefault(pair, len(index))
    distinct = list(index)
    if not distinct:
        raise RelvecError(f"{what} has no word pairs to embed")
    known = getattr(embedder, "known", None)
    unembedded = 0
    if callable(known):
        unembedded = int(len(distinct) - np.count_nonzero(known(distinct)))
        if unembedded == len(distinct):
            raise RelvecError(
                f"{type(embedder).__name__} cannot embed any of the {len(distinct)} pairs of {what} "
                f"(e.g. {distinct[0]!r}): none of their words is in its vocabulary"
            )
    static_missing = None
    if getattr(embedder, "static_weight", 0) and callable(getattr(embedder, "static_known", None)):
        static_missing = int(len(distinct) - np.count_nonzero(embedder.static_known(distinct)))
    vectors = np.asarray(_encode(embedder, distinct, progress), dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(distinct):
        raise RelvecError(
            f"{type(embedder).__name__}.encode returned shape {vectors.shape} for {len(distinct)} pairs; "
            "expected (pairs, dim)"
        )
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        # A NaN scores as a tie or a miss without a word; the number would look real.
        bad = np.flatnonzero(~finite)
        raise RelvecError(
            f"{type(embedder).__name__}.encode returned NaN or infinite vectors for {len(bad)} of the "
            f"{len(distinct)} pairs of {what} (first: {distinct[bad[0]]!r}); no score is computed from them"
        )
    return PairVectors(index, vectors, unembedded, static_missing)


class PairTable:
    """A per-run pair -> vector table in front of an embedder: each distinct pair is encoded once, however
    many tasks and directions ask for it. ``encode(pairs)`` embeds only the pairs the table lacks, in chunks of
    ``chunk_size`` with one progress bar, and answers the rest from the table; every other attribute
    (``known``, ``static_known``, ``static_weight``, ``dim``, ``template``, ...) is the embedder's own.

    ``encoded`` counts the distinct pairs given to the embedder, ``requested`` the pairs asked for and
    ``encode_seconds`` the time spent in the embedder, so a run can report what the table saved and what
    share of its time the embedding was.
    """

    def __init__(self, embedder: Any, *, chunk_size: int = 8192) -> None:
        check_embedder(embedder)
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise invalid("chunk_size", chunk_size, "a positive int")
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.index: dict[Pair, int] = {}
        self._blocks: list[np.ndarray] = []
        self._vectors: np.ndarray | None = None
        self.requested = 0
        self.encode_seconds = 0.0

    @property
    def encoded(self) -> int:
        return len(self.index)

    def __getattr__(self, name: str) -> Any:
        if name == "embedder":  # not yet set (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.embedder, name)

    def __repr__(self) -> str:
        return f"PairTable({self.embedder!r}, pairs={len(self.index)})"

    def fill(self, pairs: Iterable[Pair], *, progress: bool = False) -> int:
        """Embed the pairs of ``pairs`` the table lacks (first-seen order); returns how many were new."""
        missing = list(dict.fromkeys(pair for pair in pairs if pair not in self.index))
        if not missing:
            return 0
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(missing), desc="embedding pairs", unit="pair", leave=False)
        try:
            for start in range(0, len(missing), self.chunk_size):
                chunk = missing[start : start + self.chunk_size]
                started = time.perf_counter()
                vectors = np.asarray(_encode(self.embedder, chunk, False), dtype=np.float32)
                self.encode_seconds += time.perf_counter() - started
                if vectors.ndim != 2 or len(vectors) != len(chunk):
                    raise RelvecError(
                        f"{type(self.embedder).__name__}.encode returned shape {vectors.shape} for {len(chunk)} "
                        "pairs; expected (pairs, dim)"
                    )
                if self._blocks and vectors.shape[1] != self._blocks[0].shape[1]:
                    raise RelvecError(
                        f"{type(self.embedder).__name__}.encode returned {vectors.shape[1]}-dim vectors after "
                        f"{self._blocks[0].shape[1]}-dim ones"
                    )
                for pair in chunk:
                    self.index[pair] = len(self.index)
                self._blocks.append(vectors)
                self._vectors = None
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return len(missing)

    def encode(self, pairs: Iterable[Any], *, progress: bool = False) -> np.ndarray:
        """The vectors of ``pairs`` in order, embedding only those not yet in the table: float32 (n, dim)."""
        pairs = [tuple(pair) for pair in pairs]
        self.requested += len(pairs)
        self.fill(pairs, progress=progress)
        if self._vectors is None:
            self._vectors = np.concatenate(self._blocks) if self._blocks else np.zeros((0, 0), np.float32)
            self._blocks = [self._vectors]
        return self._vectors[[self.index[pair] for pair in pairs]]

    def __call__(self, pairs: Iterable[Any], **kwargs: Any) -> np.ndarray:
        return self.encode(pairs, **kwargs)


def check_embedder(embedder: Any) -> None:
    """Refuse an object without an ``encode`` method before any data is embedded."""
    if not callable(getattr(embedder, "encode", None)):
        raise invalid("embedder", embedder, "an object with encode(pairs) -> float32 array (n, dim)")


def _encode(embedder: Any, pairs: list[Pair], progress: bool) -> np.ndarray:
    # A minimal embedder (a test fake, a user's own class) need not take ``progress``.
    if progress and "progress" in inspect.signature(embedder.encode).parameters:
        return embedder.encode(pairs, progress=True)
    return embedder.encode(pairs)
