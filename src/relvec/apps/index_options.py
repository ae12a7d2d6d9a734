"""How a RelationIndex stores its vectors: the FAISS index kinds and their options.

Every kind ranks by inner product over unit vectors, that is by cosine: ``flat`` (exact, the default),
``hnsw`` (a graph, approximate, fast to query, no training) or ``ivf`` (inverted lists, approximate; trained
on the first ``ivf_train_size`` vectors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from relvec.errors import RelvecError, check_choice, check_positive_int, invalid

KINDS = ("flat", "hnsw", "ivf")


def load_faiss() -> Any:
    """The faiss module, or a :class:`RelvecError` naming the extra that installs it."""
    try:
        import faiss
    except ImportError as error:
        raise RelvecError("relation search needs faiss; run: pip install 'relvec[apps]'") from error
    return faiss


@dataclass(frozen=True)
class IndexOptions:
    """How the vectors are indexed.

    Args:
        kind: ``flat`` (exact), ``hnsw`` or ``ivf``.
        hnsw_m: HNSW links per node (more: better recall, more memory).
        ef_construction: HNSW candidate list while building.
        ef_search: HNSW candidate list while searching (more: better recall, slower queries).
        nlist: IVF lists; default ``4 * sqrt(training vectors)``.
        nprobe: IVF lists visited per query.
        ivf_train_size: IVF: vectors held back to train the lists before any is added.
    """

    kind: str = "flat"
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    nlist: int | None = None
    nprobe: int = 16
    ivf_train_size: int = 65536

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        for name in ("hnsw_m", "ef_construction", "ef_search", "nprobe", "ivf_train_size"):
            check_positive_int(name, getattr(self, name))
        if self.nlist is not None:
            check_positive_int("nlist", self.nlist)


def new_faiss_index(dim: int, options: IndexOptions, training: np.ndarray | None = None) -> Any:
    """An empty inner-product FAISS index of ``options.kind`` for vectors of ``dim``.

    ``training``: float32 (n, dim) unit vectors, needed by ``ivf`` only, which trains its lists on them
    (they are not added).
    """
    faiss = load_faiss()
    if options.kind == "flat":
        return faiss.IndexFlatIP(dim)
    if options.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, options.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = options.ef_construction
        index.hnsw.efSearch = options.ef_search
        return index
    nlist = options.nlist or max(1, min(len(training), 65536, int(4 * np.sqrt(len(training)))))
    if nlist > len(training):
        raise invalid("nlist", nlist, f"at most the {len(training)} vectors the IVF lists are trained on")
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(training)
    index.nprobe = min(options.nprobe, nlist)
    return index


__all__ = ["IndexOptions", "KINDS", "load_faiss", "new_faiss_index"]
