"""Word pairs: the input of everything in relvec, checked once at the door."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from relvec.errors import RelvecError, invalid

Pair = tuple[str, str]
#: C0 and C1 control characters (tab and newline included: no word holds them).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_word(argument: str, word: Any) -> str:
    """Return ``word`` stripped of surrounding whitespace; reject non-strings and empty words."""
    if not isinstance(word, str):
        raise invalid(argument, word, "a string")
    stripped = word.strip()
    if not stripped:
        raise invalid(argument, word, "a non-empty word")
    if _CONTROL.search(stripped):
        # A NUL or an escape inside a word is a broken file, not a word; the encoder would read it silently.
        raise invalid(argument, word, "a word without control characters")
    if _SURROGATE.search(stripped):
        # A lone surrogate is no character: JSON's "\ud800", or bytes that were not UTF-8 (a command-line
        # argument decoded with surrogateescape). Tokenizers cannot read it.
        raise invalid(argument, word, "valid Unicode text (a lone surrogate is not; was it UTF-8?)")
    return stripped


def check_pair(pair: Any, argument: str = "pair") -> Pair:
    """Return ``pair`` as a ``(head, tail)`` tuple of clean words, or raise naming ``argument``."""
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise invalid(argument, pair, "a (head, tail) pair of two words")
    return check_word(f"{argument}[0] (head)", pair[0]), check_word(f"{argument}[1] (tail)", pair[1])


def check_pairs(pairs: Iterable[Any], argument: str = "pairs", *, text: bool = False) -> list[Pair]:
    """Validate every pair up front so that no model work starts on a list that will fail halfway.

    ``text``: also take ``"head:tail"`` strings (:func:`parse_pair_text`) among the pairs.
    """
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
        expected = "a list of (head, tail) pairs or 'head:tail' strings" if text else "a list of (head, tail) pairs"
        raise invalid(argument, pairs, expected)
    return [
        parse_pair_text(pair, f"{argument}[{i}]")
        if text and isinstance(pair, str)
        else check_pair(pair, f"{argument}[{i}]")
        for i, pair in enumerate(pairs)
    ]


def parse_pair_text(text: Any, argument: str = "query") -> Pair:
    """``"head:tail"`` -> ``("head", "tail")``; words may hold spaces but not a colon."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise invalid(argument, text, "'head:tail' (two words joined by one colon), e.g. 'paris:france'")
    head, tail = text.split(":")
    try:
        return check_word(f"{argument} head", head), check_word(f"{argument} tail", tail)
    except RelvecError as error:  # name the whole string too: "got ''" alone does not say which query
        raise RelvecError(f"{error} (in {argument} {text!r})") from None
