"""A stand-in encoder for the application tests: hand-made vectors looked up by pair, so that every search
order and score is known exactly."""

from __future__ import annotations

import numpy as np


class TableEncoder:
    """``encode(pairs)`` returns the rows of ``table`` for each pair; unknown pairs are a KeyError."""

    def __init__(self, table: dict[tuple[str, str], list[float]], *, source: str = "table", pooling: str = "mask"):
        self.table = {pair: np.asarray(vector, dtype=np.float32) for pair, vector in table.items()}
        self.dim = len(next(iter(self.table.values())))
        self.source = source
        self.template = None
        self.pooling = pooling
        self.normalize = False
        self.calls = 0

    def encode(self, pairs, **_options) -> np.ndarray:
        self.calls += 1
        pairs = [(head.lower(), tail.lower()) for head, tail in pairs]
        if not pairs:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([self.table[pair] for pair in pairs])


#: Cosines with ("berlin", "germany") = [1, 0, 0] are 1.0, 0.96, 0.8, 0.6, 0.0 in this order.
CAPITALS = {
    ("paris", "france"): [2, 0, 0],
    ("paris", "city"): [0.96, 0.28, 0],
    ("tokyo", "japan"): [4, 3, 0],
    ("rome", "italy"): [0.6, 0.8, 0],
    ("cat", "animal"): [0, 0, 5],
    ("berlin", "germany"): [1, 0, 0],
    ("paris", "capital"): [1, 0, 0],
}
INDEXED = [("paris", "france"), ("paris", "city"), ("tokyo", "japan"), ("rome", "italy"), ("cat", "animal")]
