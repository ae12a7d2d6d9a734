"""What the application subcommands (index, search, similarity, complete, label, map, export) share: the
encoder options an index names, reading pair files, writing output files atomically (their paths are checked by
:func:`relvec.files.outputs.check_output_file`, the one output check of every subcommand)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from relvec.errors import RelvecError
from relvec.files.outputs import check_output_file, replaced_atomically
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
        args.model = _named_model(model["source"])
    if model["source"] == "glove":
        return
    args.template, args.pooling, args.normalize = model["template"], model["pooling"], model["normalize"]


def _named_model(source: Any) -> str:
    """The model an index's manifest names, to load without ``-m``: a name (relvec's models, the embedded
    encoders, glove, a Hugging Face name), never a folder. A manifest may come from someone else, and a folder it
    names (``/home/x/model``, or a Hub-like ``owner/name`` that exists here) is loaded only when the user
    names it with ``-m``."""
    text = str(source)
    folder = os.path.isabs(text) or text.startswith((".", "~")) or Path(text).expanduser().exists()
    if not isinstance(source, str) or folder:
        raise RelvecError(
            f"the index was built with the model folder {text!r}; relvec loads no folder an index names on its "
            f"own: pass -m {text} if you trust that folder (or the folder you embedded it with)"
        )
    return text


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
def text_output(path: str | None, inputs: tuple[str | None, ...] = ()) -> Iterator[IO[str]]:
    """stdout for None; else a temporary file beside ``path`` (checked against ``inputs``), renamed to it only
    when the block succeeds."""
    if path is None:
        yield sys.stdout
        return
    target = check_output_file("--output", path, inputs=inputs)
    with replaced_atomically(target) as temporary, temporary.open("w", encoding="utf-8") as handle:
        yield handle
