"""One error type and one message shape for every bad input.

relvec checks arguments before any model work; each message names the argument, the value it got and what
was expected, so a user can fix the call without reading a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
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
    """Return ``value`` if it is an integer >= 1 (a bool or a float is refused)."""
    return check_int(argument, value, minimum=1, expected="a positive integer")


def check_int(
    argument: str, value: Any, *, minimum: int | None = None, maximum: int | None = None, expected: str | None = None
) -> int:
    """Return ``value`` if it is an integer (not a bool, not a float) within ``[minimum, maximum]``."""
    if expected is None:
        bounds = [f">= {minimum}" if minimum is not None else "", f"<= {maximum}" if maximum is not None else ""]
        expected = " and ".join(["an integer " + bounds[0] if bounds[0] else "an integer", *filter(None, bounds[1:])])
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(argument, value, expected)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise invalid(argument, value, expected)
    return value


def check_number(
    argument: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    expected: str | None = None,
    finite: bool = True,
) -> float:
    """Return ``value`` as a float if it is a real number (not a bool, not NaN) within the given interval.

    ``low_open``/``high_open`` exclude the bound itself: ``low=0, low_open=True`` means ``> 0``. An infinity
    is refused unless ``finite=False``: as a weight, a timeout or a rate it only ever gives inf or NaN later.
    """
    if expected is None:
        if low is not None and high is not None:
            expected = f"a number in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        elif low is not None:
            expected = f"a {'finite ' if finite else ''}number {'>' if low_open else '>='} {low}"
        elif high is not None:
            expected = f"a {'finite ' if finite else ''}number {'<' if high_open else '<='} {high}"
        else:
            expected = "a finite number" if finite else "a number"
    # Real: numpy's float32 and int64 count too (they are not Python floats and ints).
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise invalid(argument, value, expected)
    if finite and math.isinf(value):
        raise invalid(argument, value, expected)
    if low is not None and (value < low or (low_open and value == low)):
        raise invalid(argument, value, expected)
    if high is not None and (value > high or (high_open and value == high)):
        raise invalid(argument, value, expected)
    return float(value)


def check_bool(argument: str, value: Any, *, expected: str = "True or False") -> bool:
    """Return ``value`` if it is True or False; a string such as ``"no"`` would otherwise count as true.
    ``expected`` words the error for where the value came from (``"true or false"`` for JSON)."""
    if not isinstance(value, bool):
        raise invalid(argument, value, expected)
    return value
