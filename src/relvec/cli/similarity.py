"""``relvec similarity "paris:france" "tokyo:japan" ...``: the cosine matrix of the pairs' relation vectors."""

from __future__ import annotations

import argparse
import json
import os

from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import RelvecError


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "similarity",
        help="cosine similarity matrix of pairs' relations",
        description="Embed each PAIR ('head:tail') and print the matrix of cosine similarities of their relation "
        "vectors (1 = the same relation).",
    )
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="'head:tail', e.g. paris:france")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON object (the pairs and the matrix) instead of a table"
    )
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from relvec.apps.queries import checked_vectors, parse_pair_text
    from relvec.cosine import cosine_matrix

    pairs = [parse_pair_text(text, "PAIR") for text in args.pairs]
    if len(pairs) < 2:
        raise RelvecError(f"PAIR: give at least two pairs to compare; got {len(pairs)}")
    _one_thread_for_few(len(pairs))
    matrix = cosine_matrix(checked_vectors(load_model(args).encode(pairs), "the vectors of PAIR"))
    names = [f"{head}:{tail}" for head, tail in pairs]
    if args.json:
        print(json.dumps({"pairs": [list(p) for p in pairs], "cosine": matrix.round(6).tolist()}, ensure_ascii=False))
        return 0
    print(format_matrix(names, matrix))
    return 0


#: Up to this many pairs, torch runs on one thread (unless OMP_NUM_THREADS says otherwise).
FEW_PAIRS = 64


def _one_thread_for_few(count: int) -> None:
    """A handful of short prompts gains nothing from torch's intra-op threads, and on a busy machine each op
    waits for its second thread: measured on the 2-core EPYC beside a training job, encoding 2 pairs took
    550 ms with 2 threads and 17 ms with 1."""
    if count <= FEW_PAIRS and "OMP_NUM_THREADS" not in os.environ:
        import torch

        torch.set_num_threads(1)


def format_matrix(names: list[str], matrix) -> str:
    """A text table: one row and one column per pair, cosines to 3 decimals."""
    width = max(7, *(len(name) for name in names))
    lines = [" " * width + "  " + "  ".join(name.rjust(width) for name in names)]
    for name, row in zip(names, matrix, strict=True):
        lines.append(name.ljust(width) + "  " + "  ".join(f"{value:.3f}".rjust(width) for value in row))
    return "\n".join(lines)
