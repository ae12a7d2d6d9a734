"""``relvec map PAIRS -o map.png [--label-column COLUMN]``: a 2-D t-SNE picture of the pairs' relation vectors."""

from __future__ import annotations

import argparse
from pathlib import Path

from relvec.cli.appsupport import add_pairs_input, pairs_format
from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import RelvecError, check_int
from relvec.files.outputs import check_output_file
from relvec.io.pairfiles import open_input


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "map",
        help="draw pairs' relation vectors in 2-D (t-SNE), coloured by a label",
        description="Embed the pairs of PAIRS, project their relation vectors to 2-D with t-SNE (cosine) and draw "
        "them, coloured by the labels in COLUMN (a column number for TSV, e.g. 3; a key for JSONL objects).",
    )
    add_pairs_input(parser)
    parser.add_argument("-o", "--output", required=True, help="image file to draw (.png, .svg, .pdf or .jpg)")
    parser.add_argument(
        "--label-column",
        "--labels",
        dest="labels",
        default=None,
        metavar="COLUMN",
        help="colour the points by this column number (TSV, e.g. 3) or key (JSONL objects); --labels is the same",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        help="draw this many pairs, chosen at random with seed 0 (default: all of them)",
    )
    words = parser.add_mutually_exclusive_group()
    words.add_argument(
        "--words",
        dest="annotate",
        action="store_true",
        default=None,
        help="write each pair's words beside its point (default: up to 60 pairs)",
    )
    words.add_argument(
        "--no-words", dest="annotate", action="store_false", help="no words beside the points (default above 60 pairs)"
    )
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from relvec.apps.relmap import read_labelled_pairs, relation_map

    check_output_file("--output", args.output, inputs=(args.pairs,))
    if args.sample is not None:
        check_int("--sample", args.sample, minimum=4, expected="an integer >= 4 (a map needs at least 4 pairs)")
    fmt = pairs_format(args)
    with open_input(args.pairs) as (stream, name):
        if fmt is None:  # stdin: sniff from the first line, as relvec embed does
            lines = stream.read().splitlines(keepends=True)
            first = next((line for line in lines if line.strip()), "")
            fmt = "jsonl" if first.lstrip().startswith(("[", "{")) else "tsv"
            stream = iter(lines)
        pairs, labels = read_labelled_pairs(stream, fmt, name, args.labels)
    if args.sample is not None and args.sample < len(pairs):
        chosen = np.sort(np.random.default_rng(0).choice(len(pairs), args.sample, replace=False))
        pairs = [pairs[i] for i in chosen]
        labels = [labels[i] for i in chosen] if labels is not None else None
    if len(pairs) < 4:
        raise RelvecError(f"PAIRS {args.pairs!r}: a map needs at least 4 pairs; got {len(pairs)}")
    relation_map(load_model(args), pairs, args.output, labels, annotate=args.annotate)
    print(f"drew {len(pairs)} pairs into {Path(args.output)}")
    return 0
