"""POST /map's picture: pairs' relation vectors as a t-SNE map drawn by :mod:`relvec.apps.relmap`, as PNG bytes.

A map of the index draws a fixed random sample of its pairs (the same sample every time for one index), each
embedded again by the service's encoder, so any index that lists its pairs can be drawn, whatever its kind.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from relvec.pairs import Pair
from relvec.serve.http_errors import RequestError

#: matplotlib's pyplot keeps global state: one figure is drawn at a time.
_DRAWING = threading.Lock()


def map_png(vectors: np.ndarray, pairs: Sequence[Pair], labels: Sequence[str] | None, title: str) -> bytes:
    """t-SNE of ``vectors`` (n, dim), n >= 4, drawn with each point's pair (up to 60) and colour by label."""
    from relvec.apps.relmap import draw_map, project

    points = project(vectors)
    with _DRAWING, tempfile.TemporaryDirectory(prefix="relvec-map-") as folder:
        return draw_map(points, pairs, labels, Path(folder) / "map.png", title=title).read_bytes()


def index_sample(index: Any, size: int) -> tuple[list[Pair], int]:
    """Up to ``size`` of the index's pairs, in index order, and the index's size."""
    pairs = getattr(index, "pairs", None)
    if not isinstance(pairs, Sequence):
        raise RequestError(409, "index", None, "an index that lists its pairs (relvec's RelationIndex)")
    if len(pairs) < 4:
        raise RequestError(409, "index", f"{len(pairs)} pairs", "an index of at least 4 pairs to draw a map")
    if len(pairs) <= size:
        return [tuple(pair) for pair in pairs], len(pairs)
    rows = np.sort(np.random.default_rng(0).choice(len(pairs), size, replace=False))
    return [tuple(pairs[row]) for row in rows], len(pairs)


__all__ = ["index_sample", "map_png"]
