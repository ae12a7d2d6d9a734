"""Export an index's relation vectors in word2vec format, which gensim's ``KeyedVectors.load_word2vec_format``
reads: one key ``head__tail`` per pair, with its unit vector.

Keys are injective: two different pairs never share a key, so no vector is dropped for another pair's. A
single space inside a word becomes ``_`` (``new york:usa`` -> ``new_york__usa``); a literal ``_`` or ``%``, any
other whitespace and a space at a word's edge or beside another space are percent-escaped (``new_york:usa``
-> ``new%5Fyork__usa``), so a key holds no whitespace, ``__`` appears in it only between head and tail, and
:func:`word2vec_pair` reads the pair back. The same pair twice is written once, for its first row, and counted
as a repeat.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from relvec.errors import RelvecError, check_choice, invalid
from relvec.files.outputs import check_output_file, replaced_atomically

FORMATS = ("word2vec", "word2vec-binary")
SEPARATOR = "__"


def _escaped(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def word2vec_word(word: str) -> str:
    """One word as it appears in a key: ``"new york"`` -> ``"new_york"``, ``"new_york"`` -> ``"new%5Fyork"``."""
    out = []
    for i, char in enumerate(word):
        if char == " " and 0 < i < len(word) - 1 and word[i - 1] != " " and word[i + 1] != " ":
            out.append("_")
        elif char in "_%" or char.isspace() or not char.isprintable():
            out.append(_escaped(char))
        else:
            out.append(char)
    return "".join(out)


def word2vec_key(head: str, tail: str) -> str:
    """``("new york", "usa")`` -> ``"new_york__usa"``; different pairs always get different keys."""
    return f"{word2vec_word(head)}{SEPARATOR}{word2vec_word(tail)}"


def _unescaped(text: str) -> str:
    raw, i = bytearray(), 0
    while i < len(text):
        if text[i] == "%":
            raw.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            raw.extend((" " if text[i] == "_" else text[i]).encode("utf-8"))
            i += 1
    return raw.decode("utf-8")


def word2vec_pair(key: str) -> tuple[str, str]:
    """The pair a key was made from: ``word2vec_pair(word2vec_key(head, tail)) == (head, tail)``."""
    head, separator, tail = key.partition(SEPARATOR)
    if not separator:
        raise invalid("key", key, f"a key 'head{SEPARATOR}tail' written by relvec export")
    try:
        return _unescaped(head), _unescaped(tail)
    except (ValueError, UnicodeDecodeError) as error:
        raise invalid("key", key, "a key written by relvec export (its % escapes are broken)") from error


def export_word2vec(index: Any, path: str | os.PathLike[str], *, fmt: str = "word2vec") -> tuple[int, int]:
    """Write the pairs of ``index`` (a :class:`~relvec.apps.index.RelationIndex`) and their vectors to ``path``,
    text (``word2vec``) or binary (``word2vec-binary``); returns (keys written, repeated pairs skipped).

    Written under a temporary name beside ``path`` and renamed when complete.
    """
    check_choice("format", fmt, FORMATS)
    if not callable(getattr(index, "vectors", None)) or not hasattr(index, "pairs") or not hasattr(index, "dim"):
        raise invalid("index", index, "a RelationIndex (RelationIndex.build or RelationIndex.load)")
    target = check_output_file("path", path)
    vectors = np.asarray(index.vectors(), dtype=np.float32)
    if not np.isfinite(vectors).all():
        raise RelvecError("the index holds NaN or infinite vectors; relvec exports finite vectors only")
    keys: dict[str, int] = {}
    for row, (head, tail) in enumerate(index.pairs):
        keys.setdefault(word2vec_key(head, tail), row)
    with replaced_atomically(target) as temporary, temporary.open("wb") as handle:
        handle.write(f"{len(keys)} {index.dim}\n".encode())
        for key, row in keys.items():
            if fmt == "word2vec":
                # Python's shortest repr of each float32 value reads back to the same float32.
                handle.write((key + " " + " ".join(map(repr, vectors[row].tolist())) + "\n").encode())
            else:  # gensim's binary layout: key, a space, the float32 bytes
                handle.write(key.encode() + b" " + vectors[row].astype("<f4").tobytes())
    return len(keys), len(index.pairs) - len(keys)


__all__ = ["FORMATS", "export_word2vec", "word2vec_key", "word2vec_pair", "word2vec_word"]
