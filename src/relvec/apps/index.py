"""RelationIndex: word pairs and their relation vectors in a FAISS index, searched by cosine similarity.

Vectors are scaled to unit length before they enter the index, so an inner-product index ranks by cosine.
The index kinds and their options live in :mod:`relvec.apps.index_options`, the folder format (manifest,
FAISS file, pairs file, atomic writes) in :mod:`relvec.apps.index_folder`; both are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.apps.index_folder import (
    FORMAT_VERSION,
    build_manifest,
    check_checksums,
    check_contents,
    read_faiss_index,
    read_manifest,
    read_pairs,
    save_index_folder,
)
from relvec.apps.index_options import KINDS, IndexOptions, load_faiss, new_faiss_index
from relvec.apps.queries import check_same_model, model_identity, parse_pair_text
from relvec.cosine import unit_rows
from relvec.embedding.batching import encode_stream
from relvec.errors import RelvecError, check_bool, check_int, check_positive_int, invalid
from relvec.pairs import Pair, check_pair, check_pairs


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
        self._index: Any = None if self.options.kind == "ivf" else new_faiss_index(self.dim, self.options)
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
        progress: Any = None,
    ) -> RelationIndex:
        """Embed ``pairs`` (any iterable, streamed a chunk at a time through
        :func:`~relvec.embedding.batching.encode_stream`, the encoder's ``chunk_size``) and index them.

        ``progress``: an optional tqdm-like bar, updated with the pairs done.
        """
        index = cls(model_identity(encoder), options, encoder)
        for chunk, vectors in encode_stream(encoder, pairs):
            index.add(chunk, vectors)
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
        vectors = self._check_vectors(vectors, "vectors", pairs)
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

    def _train_if_waiting(self) -> None:
        """IVF: train the lists on the vectors held back so far and add them (no-op otherwise)."""
        if self._index is not None or not self._untrained:
            return
        waiting = np.concatenate(self._untrained)
        self._index = new_faiss_index(self.dim, self.options, waiting)
        self._index.add(waiting)
        self._untrained = []

    def _check_vectors(self, vectors: Any, argument: str, pairs: list[Pair] | None = None) -> np.ndarray:
        """Float32 unit rows (n, dim) of finite, non-zero ``vectors``; ``pairs`` name the rows in an error."""
        try:
            array = np.asarray(vectors, dtype=np.float32)
        except (TypeError, ValueError) as error:
            raise invalid(argument, vectors, f"an array of numbers of shape (n, {self.dim})") from error
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != self.dim:
            raise invalid(argument, array.shape, f"an array of shape (n, {self.dim}) (the index's dimension)")
        if not np.isfinite(array).all():
            raise invalid(argument, "a row with NaN or inf", "finite numbers")
        zero = np.flatnonzero(~np.any(array, axis=1))
        if len(zero):
            # A zero vector has no direction: its cosine with everything would be a silent 0.
            first = int(zero[0])
            named = f" ({':'.join(pairs[first])})" if pairs is not None and first < len(pairs) else ""
            shown = f"{len(zero)} zero row(s), the first row {first}{named}"
            raise invalid(argument, shown, "non-zero vectors (a zero vector has no direction to compare)")
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
        check_int("k", k, minimum=1, maximum=len(self), expected=f"an integer from 1 to the index size {len(self)}")
        check_bool("exclude_shared_words", exclude_shared_words)
        if isinstance(queries, np.ndarray):
            if exclude_shared_words:
                raise invalid("exclude_shared_words", True, "False for vector queries (they have no words)")
            return self._search_vectors(self._check_vectors(queries, "queries"), k)
        pairs = _query_pairs(queries)
        vectors = self._check_vectors(self._encoder().encode(pairs), "the encoder's vectors", pairs)
        if not exclude_shared_words:
            return self._search_vectors(vectors, k)
        return [self._search_excluding(vector, pair, k) for vector, pair in zip(vectors, pairs, strict=True)]

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int = 10,
        restrict: int | None = None,
    ) -> list[Hit]:
        """Relation arithmetic as gensim's ``KeyedVectors.most_similar``: the ``topn`` pairs nearest (by cosine)
        to the mean of the unit vectors of ``positive`` and of the negated unit vectors of ``negative``, best
        first.

        Each of ``positive`` and ``negative`` is one item or a list of them: a pair (``("paris", "france")``
        or ``"paris:france"``, embedded with the attached encoder) or a vector (dim,). Pairs given as queries
        never come back (compared without letter case). ``restrict``: search only the first ``restrict``
        pairs of the index (gensim's ``restrict_vocab``). Fewer than ``topn`` hits come back if too few remain.
        """
        self._train_if_waiting()
        positive, negative = _arithmetic_terms(positive, "positive"), _arithmetic_terms(negative, "negative")
        if not positive and not negative:
            raise invalid("positive", [], "at least one pair or vector in positive or negative")
        check_positive_int("topn", topn)
        if restrict is not None:
            restrict = check_int(
                "restrict",
                restrict,
                minimum=1,
                maximum=len(self),
                expected=f"an integer from 1 to the index size {len(self)}",
            )
        rows = [self._term_vector(term, argument) for argument, term in positive + negative]
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        mean = (weights[:, None] * np.stack(rows)).mean(axis=0)
        if not np.any(mean):
            raise RelvecError("most_similar: the positive and negative vectors cancel out (their mean is zero)")
        query = unit_rows(mean[None, :])
        excluded = {
            (h.lower(), t.lower()) for _, term in positive + negative if isinstance(term, tuple) for h, t in [term]
        }
        if restrict is not None:
            scores = self.vectors()[:restrict] @ query[0]
            order = np.argsort(-scores, kind="stable")
            hits = [Hit(*self.pairs[i], float(scores[i]), int(i)) for i in order]
        else:
            hits = self._search_vectors(query, min(len(self), topn + len(excluded)))[0]
        return [hit for hit in hits if (hit.head.lower(), hit.tail.lower()) not in excluded][:topn]

    def _term_vector(self, term: Pair | np.ndarray, argument: str) -> np.ndarray:
        if isinstance(term, tuple):
            return self._check_vectors(self._encoder().encode([term]), f"the encoder's vector of {argument}", [term])[0]
        return self._check_vectors(term, argument)[0]

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
        """What the folder's manifest.json records about this index."""
        return build_manifest(self.model, self.options, len(self))

    def save(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the index folder atomically (temporary folder, then one rename); refuse to replace one unless
        ``overwrite``."""
        load_faiss()
        self._train_if_waiting()
        if self._index is None:
            raise RelvecError("an empty IVF index cannot be saved: add pairs first (the lists need training)")
        return save_index_folder(folder, self._index, self.pairs, self.manifest(), overwrite=overwrite)

    @classmethod
    def load(cls, folder: str | os.PathLike[str], encoder: Any = None) -> RelationIndex:
        """Read an index folder; ``encoder`` (checked against the index's model) embeds pair queries."""
        if not isinstance(folder, (str, os.PathLike)):
            raise invalid("folder", folder, "the path of an index folder (relvec index build)")
        folder = Path(folder).expanduser()
        manifest = read_manifest(folder)
        check_checksums(folder, manifest)
        faiss_index = read_faiss_index(folder, manifest["options"].get("kind", "flat"))
        index = cls(manifest["model"], IndexOptions(**manifest["options"]))
        index._index = faiss_index
        index.pairs = read_pairs(folder)
        check_contents(folder, manifest, index.pairs, faiss_index, index.dim)
        if encoder is not None:
            index.attach(encoder)
        return index


def _arithmetic_terms(terms: Any, argument: str) -> list[tuple[str, Pair | np.ndarray]]:
    """most_similar's ``positive`` or ``negative``: each term a checked pair or a vector (dim,), with its name."""
    if terms is None:
        return []
    if (
        isinstance(terms, str)
        or _is_vector(terms)
        or (isinstance(terms, tuple) and len(terms) == 2 and all(isinstance(w, str) for w in terms))
    ):
        terms = [terms]
    if not isinstance(terms, Iterable):
        raise invalid(argument, terms, "pairs ('head:tail' or (head, tail)) or vectors, one or a list")
    out: list[tuple[str, Pair | np.ndarray]] = []
    for i, term in enumerate(terms):
        name = f"{argument}[{i}]"
        if isinstance(term, str):
            out.append((name, parse_pair_text(term, name)))
        elif _is_vector(term):
            out.append((name, np.asarray(term.detach().cpu() if hasattr(term, "detach") else term, dtype=np.float32)))
        else:
            out.append((name, check_pair(term, name)))
    return out


def _is_vector(term: Any) -> bool:
    """A 1-D numpy array or torch tensor (a vector term, not a pair)."""
    return hasattr(term, "ndim") and hasattr(term, "shape") and term.ndim == 1


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


__all__ = ["Hit", "IndexOptions", "KINDS", "FORMAT_VERSION", "RelationIndex", "read_manifest"]
