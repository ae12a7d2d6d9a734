"""What the application subcommands (index, search, similarity, complete, label, map, export) share: the
encoder options an index names, reading pair files, checking output paths, writing output files atomically."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from relvec.errors import RelvecError
from relvec.files.outputs import replaced_atomically
from relvec.io.pairfiles import INPUT_FORMATS, count_lines, guess_format, iter_pairs, open_input, read_ahead_pairs
from relvec.pairs import Pair


def check_options_against_index(args: argparse.Namespace, model: dict[str, Any]) -> None:
    """Fill the encoder options the user left out from the index's model, and refuse those that contradict it,
    before any model is loaded (the loaded encoder is checked again in full by RelationIndex.attach)."""
    from relvec.apps.queries import identity_differences
    from relvec.embedding.prompt import Template

    given: dict[str, Any] = {}
    if args.template is not None:
        given["template"] = Template.from_name_or_text(args.template).text
    if args.pooling is not None:
        given["pooling"] = args.pooling
    if args.normalize:
        given["normalize"] = True
    differences = identity_differences(model, {**model, **given})
    if differences:
        raise RelvecError(
            "the encoder options differ from the model the index was built with: " + "; ".join(differences)
        )
    if args.model is None:
        args.model = model["source"]
    if model["source"] == "glove":
        return
    args.template, args.pooling, args.normalize = model["template"], model["pooling"], model["normalize"]


def check_output_file(path: str, argument: str = "--output") -> Path:
    target = Path(path)
    if not target.resolve().parent.is_dir():
        raise RelvecError(f"{argument} {path!r}: its folder does not exist")
    if target.is_dir():
        raise RelvecError(f"{argument} {path!r} is a folder; expected a file name")
    return target


def add_pairs_input(parser: argparse.ArgumentParser) -> None:
    """The PAIRS argument and its --input-format."""
    parser.add_argument("pairs", metavar="PAIRS", help="pairs file (.tsv or .jsonl), or '-' for stdin")
    parser.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help="the format of PAIRS: tsv or jsonl (default: from the suffix, or sniffed)",
    )


def pairs_format(args: argparse.Namespace) -> str | None:
    """``--input-format``, else the format PAIRS's suffix names; ``None`` for stdin (sniffed from its first line)."""
    return args.input_format or (None if args.pairs == "-" else guess_format(args.pairs, INPUT_FORMATS, "PAIRS"))


@contextmanager
def input_pairs(args: argparse.Namespace, read_ahead: int) -> Iterator[tuple[int | None, Iterator[Pair]]]:
    """Open PAIRS and yield a progress total (its line count; ``None`` for stdin) and its pairs, one by one.

    The first ``read_ahead`` pairs are parsed before the block runs, that is before any model loads, so a bad
    or empty file fails fast.
    """
    fmt = pairs_format(args)
    with open_input(args.pairs) as (stream, name):
        total = None if args.pairs == "-" else count_lines(Path(args.pairs))
        first, pairs = read_ahead_pairs(iter_pairs(stream, fmt, name), read_ahead)
        if not first:
            raise RelvecError(f"PAIRS {args.pairs!r} holds no pairs")
        yield total, pairs


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


@contextmanager
def text_output(path: str | None) -> Iterator[IO[str]]:
    """stdout for None; else a temporary file beside ``path``, renamed to it only when the block succeeds."""
    if path is None:
        yield sys.stdout
        return
    with replaced_atomically(check_output_file(path)) as temporary, temporary.open("w", encoding="utf-8") as handle:
        yield handle
