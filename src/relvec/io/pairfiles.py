"""Reading pairs from TSV or JSONL files (or stdin) and writing vectors to ``.npy`` or JSONL, streaming.

Pairs are read lazily and streamed through the encoder a chunk at a time
(:func:`relvec.embedding.batching.encode_stream`), and the rows written as they come, so embedding a million
pairs never holds a million rows in memory.
"""

from __future__ import annotations

import itertools
import json
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from relvec.data.lines import decode_line
from relvec.errors import RelvecError, check_choice
from relvec.pairs import Pair, check_pair

INPUT_FORMATS = ("tsv", "jsonl")
OUTPUT_FORMATS = ("npy", "jsonl")
_SUFFIX_FORMATS = {".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".npy": "npy"}


def guess_format(path: str, choices: tuple[str, ...], argument: str) -> str:
    """The format named by a file's suffix, or a clear error asking for the format option."""
    found = _SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if found not in choices:
        raise RelvecError(
            f"{argument} {path!r}: cannot tell its format from the suffix; expected one of "
            + ", ".join("." + c for c in choices)
            + " or name the format"
        )
    return found


def parse_pair_line(line: str, fmt: str, where: str) -> Pair:
    """One pair from one line of a ``tsv`` (``head<TAB>tail``, any further columns ignored) or ``jsonl`` pair
    file (``["head", "tail"]`` or an object with ``head`` and ``tail``, other keys ignored); ``where`` names the
    file and line in the error a bad line raises."""
    if fmt == "tsv":
        fields = line.split("\t")
        if len(fields) < 2:
            raise RelvecError(f"{where}: expected 'head<TAB>tail'; got {line!r}")
        # Columns after the second (a label, a score) are ignored, so one file serves every subcommand
        # (relvec map reads a label column from the same file); a word never holds a tab.
        return check_pair(fields[:2], where)
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise RelvecError(f"{where}: not valid JSON ({error.msg}); got {line[:80]!r}") from error
    if isinstance(item, dict):
        if "head" not in item or "tail" not in item:
            raise RelvecError(f"{where}: a JSON object needs 'head' and 'tail'; got keys {sorted(item)}")
        item = [item["head"], item["tail"]]
    return check_pair(item, where)


def line_text(raw: bytes | str, number: int, where: str) -> str:
    """One line as text without its ending: UTF-8 checked, a byte-order mark on line 1 dropped."""
    if isinstance(raw, bytes):
        try:
            return decode_line(raw, number)
        except RelvecError as error:
            raise RelvecError(f"{where}: {error}") from None
    return (raw.removeprefix("\ufeff") if number == 1 else raw).rstrip("\r\n")


def iter_pairs(stream: IO[bytes] | IO[str], fmt: str | None = None, name: str = "<stdin>") -> Iterator[Pair]:
    """Yield the pairs in ``stream`` (bytes, decoded as UTF-8, or text), one per non-empty line; errors name
    the file and line.

    With ``fmt=None`` the format is sniffed from the first non-empty line (``[`` or ``{`` means JSONL).
    """
    if fmt is not None:
        check_choice("input format", fmt, INPUT_FORMATS)
    for number, raw in enumerate(stream, start=1):
        where = f"{name}, line {number}"
        line = line_text(raw, number, where)
        if not line.strip():
            continue
        if fmt is None:
            fmt = "jsonl" if line.lstrip().startswith(("[", "{")) else "tsv"
        yield parse_pair_line(line, fmt, where)


def read_ahead_pairs(pairs: Iterator[Pair], count: int) -> tuple[list[Pair], Iterator[Pair]]:
    """The first ``count`` pairs, read now (a bad line fails before any model loads), and every pair, those
    first ones included, as one iterator."""
    first = list(itertools.islice(pairs, count))
    return first, itertools.chain(first, pairs)


def count_lines(path: Path) -> int:
    """Non-empty-line upper bound for a progress bar's total, read in binary blocks (fast)."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


@contextmanager
def open_input(path: str | None) -> Iterator[tuple[IO[bytes] | IO[str], str]]:
    """Open ``path`` (``None`` or ``-`` for stdin) for :func:`iter_pairs`, with a clear error if it is missing.

    Files and stdin are read as bytes so that :func:`iter_pairs` can name a line that is not UTF-8.
    """
    if path in (None, "-"):
        yield getattr(sys.stdin, "buffer", sys.stdin), "<stdin>"
        return
    file = Path(path)
    if file.is_dir():
        raise RelvecError(f"input file {path!r} is a folder; give a pairs file (.tsv or .jsonl)")
    if not file.is_file():
        raise RelvecError(f"input file {path!r} does not exist")
    try:
        handle = file.open("rb")
    except OSError as error:
        raise RelvecError(f"input file {path!r} cannot be read ({error.strerror or error})") from None
    with handle:
        yield handle, path


class NpyWriter:
    """Append float32 rows to a ``.npy`` file whose row count is only known at the end.

    The header is written first with room to spare and rewritten with the current shape at each
    :meth:`commit` and on close; numpy reads the padded header as usual, so a partial file loads as the
    rows committed so far. ``rows`` > 0 continues a file that holds that many committed rows (a resume).
    """

    _HEADER_BYTES = 128  # magic (6) + version (2) + length (2) + dict padded with spaces; a multiple of 64

    def __init__(self, path: str | Path, dim: int, rows: int = 0) -> None:
        self.path = Path(path)
        self.dim = dim
        self.rows = rows
        if rows:
            # Cut anything written after the last commit, and check that the file holds what we expect.
            self._handle: IO[bytes] = self.path.open("r+b")
            try:
                np.lib.format.read_magic(self._handle)
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(self._handle)
            except ValueError:
                shape, fortran, dtype = (), True, None
            if len(shape) != 2 or shape[1] != dim or shape[0] < rows or fortran or dtype != np.dtype("<f4"):
                self._handle.close()
                raise RelvecError(f"{self.path} is not a partial output of at least {rows} rows of dimension {dim}")
            self._handle.truncate(self._HEADER_BYTES + rows * dim * 4)
            self._handle.seek(0)
            self._handle.write(self._header())
            self._handle.seek(0, 2)
        else:
            self._handle = self.path.open("wb")
            self._handle.write(self._header())

    def _header(self) -> bytes:
        fields = {"descr": "<f4", "fortran_order": False, "shape": (self.rows, self.dim)}
        text = repr(fields)
        body = text.ljust(self._HEADER_BYTES - 10 - 1) + "\n"
        if len(body) + 10 != self._HEADER_BYTES:
            raise RelvecError(f"too many rows for an .npy header: {self.rows}")
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin1")

    def write(self, pairs: list[Pair], rows: np.ndarray) -> None:
        if rows.ndim != 2 or rows.shape[1] != self.dim:
            raise ValueError(f"rows must have shape (n, {self.dim}); got {rows.shape}")
        self._handle.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())
        self.rows += rows.shape[0]

    def commit(self) -> int:
        """Make the rows written so far part of the file (header updated); return the file's length in bytes."""
        self._handle.flush()  # the rows first, so the header never counts rows that are not there
        end = self._handle.tell()
        self._handle.seek(0)
        self._handle.write(self._header())
        self._handle.seek(end)
        self._handle.flush()
        return end

    def close(self) -> None:
        if not self._handle.closed:  # closing twice is harmless (the error path closes early)
            self.commit()
            self._handle.close()


class JsonlWriter:
    """Write one ``{"head", "tail", "embedding"}`` object per pair, to a file or stdout.

    ``size`` > 0 continues a file whose first ``size`` bytes are committed lines (a resume).
    """

    def __init__(self, path: str | Path | None, size: int = 0) -> None:
        self._file: IO[bytes] | None = None
        if path is not None:
            # The writer owns its file until close(), like the NpyWriter; bytes, so that commit() can count them.
            self._file = Path(path).open("r+b" if size else "wb")  # noqa: SIM115
            self._file.truncate(size)
            self._file.seek(size)

    def write(self, pairs: list[Pair], rows: np.ndarray) -> None:
        lines = (
            json.dumps({"head": head, "tail": tail, "embedding": row}, ensure_ascii=False)
            for (head, tail), row in zip(pairs, rows.tolist(), strict=True)
        )
        text = "\n".join(lines) + "\n"
        if self._file is None:
            sys.stdout.write(text)
        else:
            self._file.write(text.encode("utf-8"))

    def commit(self) -> int:
        """Flush; return the bytes written to the file so far (0 on stdout)."""
        if self._file is None:
            sys.stdout.flush()
            return 0
        self._file.flush()
        return self._file.tell()

    def close(self) -> None:
        if self._file is not None and self._file.closed:
            return
        self.commit()
        if self._file is not None:
            self._file.close()


def open_writer(
    path: str | Path | None, fmt: str, dim: int, *, rows: int = 0, size: int = 0
) -> NpyWriter | JsonlWriter:
    """A writer for ``fmt`` (``npy`` or ``jsonl``) at ``path``; ``None`` means JSONL on stdout.

    ``rows`` and ``size`` continue a partial file holding that many committed rows and bytes.
    """
    check_choice("output format", fmt, OUTPUT_FORMATS)
    if fmt == "npy":
        if path is None:
            raise RelvecError("output format npy needs an output file; stdout takes JSONL")
        return NpyWriter(path, dim, rows)
    return JsonlWriter(path, size)
