"""Hybrid relation vectors: the encoder's contextual vector joined with a static word-vector offset.

For a pair (head, tail) with contextual relation vector ``r`` and static offset ``s = glove(tail) -
glove(head)`` (GloVe 6B 50d), the hybrid vector is::

    [unit(r), sqrt(w) * unit(s)]

so that the dot product of two hybrid vectors is ``cos(r1, r2) + w * cos(s1, s2)``: one vector that a
FAISS inner-product index, the analogy scorer and the service all use as they are. Static offsets are strong
where contextual ones are weak (morphology, geography: Google and BATS), and ``w`` is chosen on validation
data per model (docs/training.md). A pair with a word that GloVe does not know gets a zero static part (its
dot product is then the contextual cosine alone); :meth:`StaticOffset.known` says which pairs those are, and
the evaluation reports how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from relvec.cosine import unit_rows
from relvec.errors import check_number
from relvec.pairs import Pair


def check_static_weight(weight: Any) -> float:
    """``0 <= w <= 1000`` as a float; 0 means no static part. Past 1000 the contextual part no longer counts
    (and float32 vectors overflow long before a weight such as 1e300)."""
    expected = "a number in [0, 1000] (0: no static part)"
    return check_number("static_weight", weight, low=0, high=1000, expected=expected)


class StaticOffset:
    """The static half of a hybrid vector: ``sqrt(w) * unit(vector(tail) - vector(head))``.

    Args:
        weight: ``w > 0``, as the encoder's options record checked it (:func:`check_static_weight`).
        words: the word-vector table, anything with ``encode(pairs) -> (n, dim)`` and ``known(pairs) -> bool
            (n,)`` (default: :class:`relvec.embedding.glove.GloveDifference` on GloVe 6B 50d).
    """

    def __init__(self, weight: float, words: Any) -> None:
        self.weight = float(weight)
        self.words = words

    @classmethod
    def load(cls, weight: float, words: Any = None) -> StaticOffset | None:
        """The static part for a checked ``weight`` over ``words`` (default GloVe 6B 50d); None for 0."""
        if weight == 0:
            return None
        if words is None:
            from relvec.embedding.glove import GloveDifference

            words = GloveDifference()
        return cls(weight, words)

    @property
    def dim(self) -> int:
        return int(self.words.dim)

    def known(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Whether both words of each pair have a static vector: bool (n,)."""
        return self.words.known(pairs)

    def join(self, contextual: np.ndarray, pairs: Sequence[Pair]) -> np.ndarray:
        """Hybrid vectors of ``pairs`` from their contextual vectors (n, d): float32 (n, d + static dim)."""
        static = unit_rows(np.asarray(self.words.encode(pairs), dtype=np.float32))
        joined = np.concatenate([unit_rows(contextual), np.float32(np.sqrt(self.weight)) * static], axis=1)
        return joined.astype(np.float32, copy=False)


__all__ = ["StaticOffset", "check_static_weight"]
