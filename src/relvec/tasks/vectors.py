"""pairs -> vectors for the evaluations: every distinct pair embedded once, in one ``encode`` call.

Any object with ``encode(pairs) -> float32 (n, dim)`` is an embedder (RelationEncoder, the baselines, a test
fake). An embedder that can tell which pairs it cannot embed (``known(pairs) -> bool (n,)``, the GloVe
baseline) gets them counted, so that a zero-vector fallback is reported rather than silent.
"""

from __future__ import annotations

import inspect
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


def check_embedder(embedder: Any) -> None:
    """Refuse an object without an ``encode`` method before any data is embedded."""
    if not callable(getattr(embedder, "encode", None)):
        raise invalid("embedder", embedder, "an object with encode(pairs) -> float32 array (n, dim)")


def _encode(embedder: Any, pairs: list[Pair], progress: bool) -> np.ndarray:
    # A minimal embedder (a test fake, a user's own class) need not take ``progress``.
    if progress and "progress" in inspect.signature(embedder.encode).parameters:
        return embedder.encode(pairs, progress=True)
    return embedder.encode(pairs)
