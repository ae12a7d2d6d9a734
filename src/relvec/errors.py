"""One error type and one message shape for every bad input.

relvec checks arguments before any model work; each message names the argument, the value it got and what
was expected, so a user can fix the call without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class RelvecError(ValueError):
    """A bad argument, file or model folder, reported before any work is done."""


def invalid(argument: str, value: Any, expected: str) -> RelvecError:
    """Build the standard message: ``<argument> must be <expected>; got <value>.``"""
    shown = repr(value)
    if len(shown) > 200:
        shown = shown[:197] + "..."
    return RelvecError(f"{argument} must be {expected}; got {shown}.")


def check_choice(argument: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a :class:`RelvecError` listing them."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        raise invalid(argument, value, "one of " + ", ".join(repr(c) for c in options))
    return value


def check_positive_int(argument: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(argument, value, "a positive integer")
    return value
