"""Cosines of relation vectors, torch-free: rows scaled to unit length, and the matrix of their dot products.

One definition for every floor: the hybrid vector's two halves (:mod:`relvec.embedding.hybrid`), the
evaluations, the search index, labelling, completion and the service all scale rows here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from relvec.errors import RelvecError, invalid


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1, so that a dot product is a cosine; a zero row stays zero (its cosine with
    anything is 0): float32 (n, dim)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _finite_rows(vectors: object, argument: str, width: int | None = None) -> np.ndarray:
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise invalid(argument, vectors, "a 2-D array of numbers (one vector per row)") from error
    if array.ndim != 2 or (width is not None and array.shape[1] != width):
        expected = f"(n, {width}): as wide as vectors" if width is not None else "a 2-D array (n, dim)"
        raise invalid(argument, f"an array of shape {array.shape}", expected)
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if len(bad):  # unit_rows would silently turn them into zero rows, whose cosines are 0
        raise invalid(argument, f"NaN or inf in {len(bad)} of {len(array)} rows (the first: {int(bad[0])})", "finite")
    return array


def cosine_matrix(vectors: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity of every row of ``vectors`` (n, dim) with every row of ``others`` (m, dim): (n, m).

    NaN or infinite rows and arrays of two widths are refused; a zero row's cosines are 0 (see
    :func:`unit_rows`; the applications refuse zero rows before they get here)."""
    left = unit_rows(_finite_rows(vectors, "vectors"))
    right = left if others is None else unit_rows(_finite_rows(others, "others", left.shape[1]))
    return left @ right.T


def checked_vectors(vectors: Any, argument: str = "vectors", *, width: int | None = None) -> np.ndarray:
    """``vectors`` as float32 (n, dim) if they are finite and no row is zero; ``width``: the dim they must have.

    Every vector relvec hands on (a cosine, a label score, a completion) passes here: a NaN row would turn
    every score it touches into NaN, and a zero row into a silent 0.
    """
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise invalid(argument, vectors, "a 2-D array of numbers (one vector per row)") from error
    if array.ndim != 2 or (width is not None and array.shape[1] != width):
        expected = f"(n, {width}): as wide as the other vectors" if width is not None else "a 2-D array (n, dim)"
        raise invalid(argument, f"an array of shape {array.shape}", expected)
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if len(bad):
        raise RelvecError(
            f"{argument}: NaN or infinite vectors for {len(bad)} of the {len(array)} rows (the first: row "
            f"{int(bad[0])}); relvec needs finite vectors (is the model or its static_weight broken?)"
        )
    zero = np.flatnonzero(~np.any(array, axis=1))
    if len(zero):
        raise RelvecError(
            f"{argument}: {len(zero)} of the {len(array)} vectors are zero (the first: row {int(zero[0])}); a zero "
            "vector has no direction, so its cosine with anything is undefined"
        )
    return array
