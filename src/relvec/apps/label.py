"""Zero-shot relation labelling: each pair gets the relation whose prototype pairs it is closest to.

A relation is given by a few prototype pairs; its prototype vector is the mean of their unit relation
vectors. A pair's score for a relation is the cosine of its relation vector with that prototype; its label is
the relation with the highest score.

Relations file (JSONL), one relation per line (lines naming the same relation are merged)::

    {"relation": "capital of", "pairs": [["paris", "france"], ["tokyo", "japan"]]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.apps.queries import checked_vectors
from relvec.cosine import cosine_matrix, unit_rows
from relvec.data.lines import decode_line
from relvec.embedding.batching import encode_stream
from relvec.errors import RelvecError, invalid
from relvec.pairs import Pair, check_pair, check_pairs


@dataclass(frozen=True)
class Label:
    """A pair, the relation it is closest to and the cosine with that relation's prototype."""

    head: str
    tail: str
    relation: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_relations(path: str | os.PathLike[str], argument: str = "--relations") -> dict[str, list[Pair]]:
    """Relation name -> its prototype pairs, from a JSONL file; every line is checked, errors name the line."""
    file = Path(path)
    if not file.is_file():
        raise RelvecError(f"{argument} {str(path)!r}: {'is a folder' if file.is_dir() else 'no such file'}")
    relations: dict[str, list[Pair]] = {}
    for number, raw in enumerate(file.read_bytes().splitlines(), start=1):
        where = f"{argument} {str(path)!r}, line {number}"
        try:
            line = decode_line(raw, number)
        except RelvecError as error:
            raise RelvecError(f"{where}: {error}") from None
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise RelvecError(f"{where}: not valid JSON ({error.msg})") from error
        if not isinstance(item, dict) or not isinstance(item.get("relation"), str) or not item["relation"].strip():
            raise RelvecError(f'{where}: expected {{"relation": NAME, "pairs": [[head, tail], ...]}}')
        pairs = item.get("pairs")
        if not isinstance(pairs, list) or not pairs:
            raise RelvecError(f"{where}: 'pairs' must be a non-empty list of [head, tail]")
        relations.setdefault(item["relation"].strip(), []).extend(
            check_pair(pair, f"{where}, pairs[{i}]") for i, pair in enumerate(pairs)
        )
    if not relations:
        raise RelvecError(f"{argument} {str(path)!r} is empty; expected one relation per line")
    return relations


class RelationLabeller:
    """Label pairs with the nearest of ``relations`` (name -> prototype pairs), embedded with ``encoder``."""

    def __init__(self, encoder: Any, relations: dict[str, Iterable[Any]]) -> None:
        if not callable(getattr(encoder, "encode", None)):
            raise invalid("encoder", encoder, "an object with .encode(pairs) -> (n, dim)")
        if not isinstance(relations, dict) or not relations:
            raise invalid("relations", relations, "a non-empty dict of relation name -> prototype pairs")
        self.encoder = encoder
        self.names = list(relations)
        prototypes = {name: check_pairs(pairs, f"relations[{name!r}]") for name, pairs in relations.items()}
        empty = [name for name, pairs in prototypes.items() if not pairs]
        if empty:
            raise invalid("relations", empty, "at least one prototype pair per relation")
        pairs = [pair for name in self.names for pair in prototypes[name]]
        vectors = unit_rows(checked_vectors(encoder.encode(pairs), "the encoder's vectors of the prototype pairs"))
        sizes = np.cumsum([0] + [len(prototypes[name]) for name in self.names])
        #: (relations, dim): the mean unit vector of each relation's prototype pairs.
        self.prototypes = np.stack(
            [vectors[start:end].mean(axis=0) for start, end in zip(sizes[:-1], sizes[1:], strict=True)]
        )

    def scores(self, pairs: Iterable[Any]) -> np.ndarray:
        """Cosine of each pair with each relation's prototype: (n pairs, n relations)."""
        pairs = check_pairs(pairs)
        if not pairs:
            return np.empty((0, len(self.names)), dtype=np.float32)
        return cosine_matrix(checked_vectors(self.encoder.encode(pairs), "the encoder's vectors"), self.prototypes)

    def label(self, pairs: Iterable[Any]) -> list[Label]:
        """Each pair's nearest relation and its score (ties go to the relation listed first)."""
        pairs = check_pairs(pairs)
        return self._labels(pairs, self.scores(pairs))

    def label_stream(self, pairs: Iterable[Any]) -> Iterator[list[Label]]:
        """:meth:`label` for any iterable of pairs, read lazily: the labels of each chunk the encoder streams
        (:func:`~relvec.embedding.batching.encode_stream`), in order."""
        for chunk, vectors in encode_stream(self.encoder, pairs):
            yield self._labels(chunk, cosine_matrix(checked_vectors(vectors, "the encoder's vectors"), self.prototypes))

    def _labels(self, pairs: list[Pair], scores: np.ndarray) -> list[Label]:
        best = scores.argmax(axis=1) if len(pairs) else np.empty(0, dtype=int)
        return [
            Label(head, tail, self.names[choice], float(row[choice]))
            for (head, tail), row, choice in zip(pairs, scores, best, strict=True)
        ]


__all__ = ["Label", "RelationLabeller", "read_relations"]
