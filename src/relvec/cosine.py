"""Cosines of relation vectors, torch-free: rows scaled to unit length, and the matrix of their dot products.

One definition for every floor: the hybrid vector's two halves (:mod:`relvec.embedding.hybrid`), the
evaluations, the search index, labelling, completion and the service all scale rows here.
"""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1, so that a dot product is a cosine; a zero row stays zero (its cosine with
    anything is 0): float32 (n, dim)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def cosine_matrix(vectors: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity of every row of ``vectors`` (n, dim) with every row of ``others`` (m, dim): (n, m)."""
    left = unit_rows(vectors)
    right = left if others is None else unit_rows(others)
    return left @ right.T
