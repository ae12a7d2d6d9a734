"""Reading line-oriented data files with errors that point at the file and line.

Every loader in :mod:`relvec.data` parses one record per line. This module owns the shared policy:
blank lines are ignored (the published analogy files have no trailing newline, some have blank tails),
a bad line is an error naming ``<file>, line <n>`` unless the caller asked for ``skip_bad_lines``, and
then the skipped lines are counted and reported with :func:`warnings.warn` -- never dropped silently.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError


class Records(list):
    """A plain list of loaded items that also says how many bad lines were skipped to produce it.

    ``skipped`` is 0 unless the loader was called with ``skip_bad_lines=True``.
    """

    def __init__(self, items: Iterable[Any] = (), skipped: int = 0) -> None:
        super().__init__(items)
        self.skipped = skipped


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, raw_bytes)`` for every non-blank line, numbered from 1 as an editor shows them."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below; open errors get our message
    except FileNotFoundError:
        raise RelvecError(f"{path}: file not found") from None
    except OSError as error:
        raise RelvecError(f"{path}: cannot be read ({error.strerror or error})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, raw


def decode_line(raw: bytes, number: int) -> str:
    """UTF-8 text of one line without its line ending; a UTF-8 byte-order mark on line 1 is dropped."""
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        raise RelvecError(f"not valid UTF-8 text ({error.reason} at byte {error.start})") from None
    return text.rstrip("\r\n")


def parse_json_object(text: str) -> dict[str, Any]:
    """Parse one JSONL line that must hold a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise RelvecError(f"not valid JSON ({error.msg} at column {error.colno}); expected one JSON object") from None
    if not isinstance(value, dict):
        raise RelvecError(f"expected a JSON object {{...}}; got {type(value).__name__}")
    return value


def require(record: dict[str, Any], key: str, expected: str) -> Any:
    """Return ``record[key]``, or raise naming the missing field and what it should hold."""
    if key not in record:
        raise RelvecError(f"missing field {key!r} (expected {expected}); fields present: {sorted(record)}")
    return record[key]


def read_records(
    path: Path,
    parse: Callable[[str], Any],
    *,
    skip_bad_lines: bool = False,
    what: str = "record",
) -> Records:
    """Parse every non-blank line of ``path`` with ``parse``.

    ``parse`` raises :class:`RelvecError` for a bad line; the error is re-raised with ``<file>, line <n>:``
    in front, or, with ``skip_bad_lines``, the line is counted and a warning says how many were skipped.
    """
    records, examples = Records(), []
    for number, raw in iter_lines(path):
        try:
            records.append(parse(decode_line(raw, number)))
        except RelvecError as error:
            if not skip_bad_lines:
                raise RelvecError(f"{path}, line {number}: {error}") from None
            records.skipped += 1
            if len(examples) < 3:
                examples.append(f"line {number}: {error}")
    report_skipped(path, records.skipped, examples, what)
    return records


def report_skipped(path: Path, skipped: int, examples: list[str], what: str = "record") -> None:
    """Warn once per file about skipped lines, with the first reasons, so a skip is never silent."""
    if skipped:
        first = "; ".join(examples)
        warnings.warn(
            f"{path}: skipped {skipped} bad {what} line(s) because skip_bad_lines=True (first: {first})",
            UserWarning,
            stacklevel=4,
        )
