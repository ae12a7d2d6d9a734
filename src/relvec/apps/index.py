"""RelationIndex: word pairs and their relation vectors in a FAISS index, searched by cosine similarity.

Vectors are scaled to unit length before they enter the index, so an inner-product index ranks by cosine.
``kind`` picks the index: ``flat`` (exact, the default), ``hnsw`` (a graph, approximate, fast to query,
no training) or ``ivf`` (inverted lists, approximate; trained on the first ``ivf_train_size`` vectors).

An index folder holds::

    manifest.json   format name and version, the model's identity and settings, the index options, the count
    index.faiss     the FAISS index (FAISS's own binary format; nothing is unpickled)
    pairs.jsonl     one ``["head", "tail"]`` per line, in index order

and is written into a temporary folder beside the target and renamed into place when complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.apps.queries import check_same_model, model_identity, parse_pair_text, unit_rows
from relvec.errors import RelvecError, check_choice, check_positive_int, invalid
from relvec.io.pairfiles import DEFAULT_CHUNK_SIZE, chunks
from relvec.pairs import Pair, check_pair, check_pairs

FORMAT_NAME = "relvec-index"
#: Bumped when a folder written by this version cannot be read by an older relvec.
FORMAT_VERSION = 1
KINDS = ("flat", "hnsw", "ivf")
MANIFEST, INDEX_FILE, PAIRS_FILE = "manifest.json", "index.faiss", "pairs.jsonl"


def _faiss():
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


@dataclass(frozen=True)
class Hit:
    """One search result: the pair, its cosine with the query, and its row in the index."""

    head: str
    tail: str
    score: float
    id: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RelationIndex:
    """Pairs and their unit-length relation vectors, searchable by cosine.

    Build one with :meth:`build` (from an encoder and pairs) or load one with :meth:`load`. ``model`` is the
    identity of the model that embedded the vectors (see :func:`~relvec.apps.queries.model_identity`); an
    encoder attached for queries must match it.
    """

    def __init__(self, model: dict[str, Any], options: IndexOptions | None = None, encoder: Any = None) -> None:
        self.model = dict(model)
        self.options = options or IndexOptions()
        self.dim = check_positive_int("model dim", self.model.get("dim"))
        self.pairs: list[Pair] = []
        self._index: Any = None if self.options.kind == "ivf" else self._new_index()
        self._untrained: list[np.ndarray] = []  # IVF: vectors waiting for the lists to be trained
        self.encoder = None
        if encoder is not None:
            self.attach(encoder)

    # building

    @classmethod
    def build(
        cls,
        encoder: Any,
        pairs: Iterable[Any],
        options: IndexOptions | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Any = None,
    ) -> RelationIndex:
        """Embed ``pairs`` (any iterable, read ``chunk_size`` at a time) with ``encoder`` and index them.

        ``progress``: an optional tqdm-like bar, updated with the pairs done.
        """
        check_positive_int("chunk_size", chunk_size)
        index = cls(model_identity(encoder), options, encoder)
        checked = (check_pair(pair, f"pairs[{i}]") for i, pair in enumerate(pairs))
        for chunk in chunks(iter(checked), chunk_size):
            index.add(chunk)
            if progress is not None:
                progress.update(len(chunk))
        index._train_if_waiting()
        return index

    def attach(self, encoder: Any) -> None:
        """Use ``encoder`` to embed pair queries; refused if its model or settings differ from the index's."""
        check_same_model(self.model, model_identity(encoder))
        self.encoder = encoder

    def add(self, pairs: Iterable[Any], vectors: np.ndarray | None = None) -> None:
        """Add ``pairs``, embedded by the attached encoder unless their ``vectors`` (n, dim) are given."""
        pairs = check_pairs(pairs)
        if vectors is None:
            vectors = self._encoder().encode(pairs)
        vectors = self._check_vectors(vectors, "vectors")
        if len(vectors) != len(pairs):
            raise invalid("vectors", vectors.shape, f"({len(pairs)}, {self.dim}): one row per pair")
        if not pairs:
            return
        self.pairs.extend(pairs)
        if self._index is None:
            self._untrained.append(vectors)
            if sum(len(v) for v in self._untrained) >= self.options.ivf_train_size:
                self._train_if_waiting()
        else:
            self._index.add(vectors)

    def _new_index(self, training: np.ndarray | None = None) -> Any:
        faiss = _faiss()
        options = self.options
        if options.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        if options.kind == "hnsw":
            index = faiss.IndexHNSWFlat(self.dim, options.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = options.ef_construction
            index.hnsw.efSearch = options.ef_search
            return index
        nlist = options.nlist or max(1, min(len(training), 65536, int(4 * np.sqrt(len(training)))))
        if nlist > len(training):
            raise invalid("nlist", nlist, f"at most the {len(training)} vectors the IVF lists are trained on")
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(training)
        index.nprobe = min(options.nprobe, nlist)
        return index

    def _train_if_waiting(self) -> None:
        """IVF: train the lists on the vectors held back so far and add them (no-op otherwise)."""
        if self._index is not None or not self._untrained:
            return
        waiting = np.concatenate(self._untrained)
        self._index = self._new_index(waiting)
        self._index.add(waiting)
        self._untrained = []

    def _check_vectors(self, vectors: Any, argument: str) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32)
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != self.dim:
            raise invalid(argument, array.shape, f"an array of shape (n, {self.dim}) (the index's dimension)")
        if not np.isfinite(array).all():
            raise invalid(argument, "a row with NaN or inf", "finite numbers")
        return np.ascontiguousarray(unit_rows(array))

    def _encoder(self) -> Any:
        if self.encoder is None:
            raise RelvecError(
                "this index has no encoder attached to embed pairs; pass vectors, or load it with "
                "RelationIndex.load(folder, encoder=...)"
            )
        return self.encoder

    # searching

    def __len__(self) -> int:
        return len(self.pairs)

    def search(self, queries: Any, k: int = 10, *, exclude_shared_words: bool = False) -> list[list[Hit]]:
        """The ``k`` nearest pairs of each query, best first, with their cosine scores.

        ``queries``: pairs (``("paris", "france")`` or ``"paris:france"``, one or a list), embedded with the
        attached encoder, or vectors (dim,) or (n, dim). ``exclude_shared_words`` drops pairs that share a
        word with their query (pair queries only); fewer than ``k`` hits come back if too few remain.
        """
        self._train_if_waiting()
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(self):
            raise invalid("k", k, f"an integer from 1 to the index size {len(self)}")
        if isinstance(queries, np.ndarray):
            if exclude_shared_words:
                raise invalid("exclude_shared_words", True, "False for vector queries (they have no words)")
            return self._search_vectors(self._check_vectors(queries, "queries"), k)
        pairs = _query_pairs(queries)
        vectors = self._check_vectors(self._encoder().encode(pairs), "the encoder's vectors")
        if not exclude_shared_words:
            return self._search_vectors(vectors, k)
        return [self._search_excluding(vector, pair, k) for vector, pair in zip(vectors, pairs, strict=True)]

    def _search_vectors(self, vectors: np.ndarray, k: int) -> list[list[Hit]]:
        scores, ids = self._index.search(vectors, k)
        return [
            [Hit(*self.pairs[i], float(score), int(i)) for score, i in zip(row_scores, row_ids, strict=True) if i >= 0]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def _search_excluding(self, vector: np.ndarray, query: Pair, k: int) -> list[Hit]:
        words = {word.lower() for word in query}
        wanted = min(len(self), 4 * k + 16)
        while True:  # ask for more neighbours until k remain after the filter, or the index is exhausted
            hits = self._search_vectors(vector[None, :], wanted)[0]
            kept = [hit for hit in hits if hit.head.lower() not in words and hit.tail.lower() not in words]
            if len(kept) >= k or wanted >= len(self):
                return kept[:k]
            wanted = min(len(self), wanted * 4)

    def vectors(self) -> np.ndarray:
        """The stored unit vectors, in index order: float32 (n, dim)."""
        self._train_if_waiting()
        if self.options.kind == "ivf":
            self._index.make_direct_map()
        return self._index.reconstruct_n(0, len(self)) if len(self) else np.empty((0, self.dim), np.float32)

    # saving and loading

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "model": self.model,
            "options": asdict(self.options),
            "count": len(self),
            "metric": "cosine",
        }

    def save(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the index folder atomically (temporary folder, then one rename); refuse to replace one unless
        ``overwrite``."""
        faiss = _faiss()
        self._train_if_waiting()
        if self._index is None:
            raise RelvecError("an empty IVF index cannot be saved: add pairs first (the lists need training)")

        def write(work: Path) -> None:
            faiss.write_index(self._index, str(work / INDEX_FILE))
            with (work / PAIRS_FILE).open("w", encoding="utf-8") as handle:
                for pair in self.pairs:
                    handle.write(json.dumps(list(pair), ensure_ascii=False) + "\n")
            (work / MANIFEST).write_text(json.dumps(self.manifest(), indent=2) + "\n", encoding="utf-8")

        return write_folder_atomically(folder, write, overwrite=overwrite, argument="index folder")

    @classmethod
    def load(cls, folder: str | os.PathLike[str], encoder: Any = None) -> RelationIndex:
        """Read an index folder; ``encoder`` (checked against the index's model) embeds pair queries."""
        folder = Path(folder)
        manifest = read_manifest(folder)
        faiss = _faiss()
        try:
            faiss_index = faiss.read_index(str(folder / INDEX_FILE))
        except RuntimeError as error:
            raise RelvecError(f"index folder {str(folder)!r}: {INDEX_FILE} is missing or corrupt") from error
        index = cls(manifest["model"], IndexOptions(**manifest["options"]))
        index._index = faiss_index
        index.pairs = list(_read_pairs(folder / PAIRS_FILE, folder))
        if not len(index.pairs) == faiss_index.ntotal == manifest["count"]:
            raise RelvecError(
                f"index folder {str(folder)!r} is corrupt: {len(index.pairs)} pairs, {faiss_index.ntotal} vectors, "
                f"manifest count {manifest['count']}"
            )
        if faiss_index.d != index.dim:
            raise RelvecError(
                f"index folder {str(folder)!r} is corrupt: vectors of dim {faiss_index.d}, not {index.dim}"
            )
        if encoder is not None:
            index.attach(encoder)
        return index


def _query_pairs(queries: Any) -> list[Pair]:
    """One query or a list of them, each ``"head:tail"`` or a ``(head, tail)`` pair."""
    if isinstance(queries, str):
        return [parse_pair_text(queries)]
    if isinstance(queries, tuple) and len(queries) == 2 and all(isinstance(word, str) for word in queries):
        return [check_pair(queries, "query")]
    if not isinstance(queries, Iterable):
        raise invalid("queries", queries, "pairs ('head:tail' or (head, tail)) or an array of vectors")
    pairs = [
        parse_pair_text(query, f"queries[{i}]") if isinstance(query, str) else check_pair(query, f"queries[{i}]")
        for i, query in enumerate(queries)
    ]
    if not pairs:
        raise invalid("queries", queries, "at least one query")
    return pairs


def read_manifest(folder: Path) -> dict[str, Any]:
    """The checked manifest of an index folder, read before anything heavy is."""
    where = f"index folder {str(folder)!r}"
    if not folder.is_dir():
        raise RelvecError(f"{where} does not exist")
    path = folder / MANIFEST
    if not path.is_file():
        raise RelvecError(f"{where} has no {MANIFEST}: not a relvec index (build one with relvec index build)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RelvecError(f"{where}: {MANIFEST} is corrupt ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise RelvecError(f"{where}: {MANIFEST} is not a relvec index manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise RelvecError(f"{where}: {MANIFEST} has no valid format_version; got {version!r}")
    if version > FORMAT_VERSION:
        raise RelvecError(
            f"{where} has format version {version}, newer than this relvec reads ({FORMAT_VERSION}); upgrade relvec"
        )
    if not isinstance(manifest.get("model"), dict) or not isinstance(manifest.get("count"), int):
        raise RelvecError(f"{where}: {MANIFEST} is corrupt (no model or count)")
    try:
        IndexOptions(**manifest.get("options", {}))
    except (TypeError, RelvecError) as error:
        raise RelvecError(f"{where}: {MANIFEST} has bad options ({error})") from error
    return manifest


def _read_pairs(path: Path, folder: Path) -> Iterator[Pair]:
    if not path.is_file():
        raise RelvecError(f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE} is missing")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield check_pair(json.loads(line), f"{PAIRS_FILE}, line {number}")
            except (json.JSONDecodeError, RelvecError) as error:
                raise RelvecError(f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE}, line {number}") from error


def write_folder_atomically(
    folder: str | os.PathLike[str], write: Any, *, overwrite: bool = False, argument: str = "output folder"
) -> Path:
    """Call ``write(work)`` on a fresh temporary folder beside ``folder``, then rename it into place.

    An error or interruption leaves no half-written ``folder``; an existing one is replaced only with
    ``overwrite`` (moved aside, then deleted once the new one is in place).
    """
    target = Path(folder)
    if target.exists() and not overwrite:
        raise RelvecError(f"{argument} {str(target)!r} already exists; choose another or allow overwriting")
    if target.exists() and not target.is_dir():
        raise RelvecError(f"{argument} {str(target)!r} is a file, not a folder")
    if not target.resolve().parent.is_dir():
        raise RelvecError(f"{argument} {str(target)!r}: its parent folder does not exist")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.resolve().parent))
    try:
        write(work)
        if target.exists():
            old = work.with_name(work.name + "-old")
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


__all__ = ["Hit", "IndexOptions", "KINDS", "FORMAT_VERSION", "RelationIndex", "read_manifest"]
