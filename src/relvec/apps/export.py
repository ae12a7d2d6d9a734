"""Export an index's relation vectors in word2vec format, which gensim's ``KeyedVectors.load_word2vec_format``
reads: one key ``head__tail`` per pair (whitespace inside a word becomes ``_``), with its unit vector.

A key that repeats (the same pair twice, or ``new york`` beside ``new_york``) is written once, for its first
pair, since word2vec files map each key to one vector.
"""

from __future__ import annotations

import os
import re
from typing import Any

from relvec.errors import check_choice
from relvec.files.outputs import replaced_atomically

FORMATS = ("word2vec", "word2vec-binary")
_SPACE = re.compile(r"\s+")


def word2vec_key(head: str, tail: str) -> str:
    """``("new york", "usa")`` -> ``"new_york__usa"``."""
    return f"{_SPACE.sub('_', head)}__{_SPACE.sub('_', tail)}"


def export_word2vec(index: Any, path: str | os.PathLike[str], *, fmt: str = "word2vec") -> tuple[int, int]:
    """Write the pairs of ``index`` (a :class:`~relvec.apps.index.RelationIndex`) and their vectors to ``path``,
    text (``word2vec``) or binary (``word2vec-binary``); returns (keys written, repeated keys skipped).

    Written under a temporary name beside ``path`` and renamed when complete.
    """
    check_choice("format", fmt, FORMATS)
    vectors = index.vectors()
    keys: dict[str, int] = {}
    for row, (head, tail) in enumerate(index.pairs):
        keys.setdefault(word2vec_key(head, tail), row)
    with replaced_atomically(path) as temporary, temporary.open("wb") as handle:
        handle.write(f"{len(keys)} {index.dim}\n".encode())
        for key, row in keys.items():
            if fmt == "word2vec":
                # Python's shortest repr of each float32 value reads back to the same float32.
                handle.write((key + " " + " ".join(map(repr, vectors[row].tolist())) + "\n").encode())
            else:  # gensim's binary layout: key, a space, the float32 bytes
                handle.write(key.encode() + b" " + vectors[row].astype("<f4").tobytes())
    return len(keys), len(index) - len(keys)


__all__ = ["FORMATS", "export_word2vec", "word2vec_key"]
