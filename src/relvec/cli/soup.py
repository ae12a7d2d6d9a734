"""``relvec soup``: average several adapter runs of one recipe into one model (a uniform weight soup)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relvec.errors import RelvecError, check_number


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "soup",
        help="average adapter runs of one recipe into one model",
        description="Write the uniform soup of several `relvec train --adapter lora` runs of one recipe (other "
        "seeds): a delta folder whose merged weights are the average of the runs' merged weights. It encodes at "
        "the cost of one model; `relvec evaluate` the runs and the soup on validation to choose.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="the runs' output folders (two or more)")
    parser.add_argument("-o", "--output", required=True, help="folder for the soup (a delta folder)")
    parser.add_argument(
        "--static-weight",
        type=float,
        default=None,
        help="hybrid GloVe weight w stored in the soup, >= 0 (default: the runs' own)",
    )
    parser.add_argument(
        "--rank",
        type=int,
        default=None,
        help="cut each weight's averaged delta to this rank by truncated SVD "
        "(default: none, the exact average, whose rank is the runs' ranks added up)",
    )
    parser.add_argument(
        "--dtype", default="float32", help="how the factors are stored: float32 or float16 (half the size)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from relvec.embedding.models import soup_delta_folders
    from relvec.files.outputs import check_output_folder

    if args.static_weight is not None:
        check_number("--static-weight", args.static_weight, low=0)
    output = check_output_folder("--output", args.output)
    if output.exists() and any(output.iterdir()):
        raise RelvecError(f"--output {args.output!r} already holds files; choose a new folder")
    for run_folder in args.runs:
        inside = Path(run_folder).resolve()
        if output.resolve() == inside or inside in output.resolve().parents:
            raise RelvecError(f"--output {args.output!r} is inside the input run {run_folder!r}; choose another folder")
    folder = soup_delta_folders(args.runs, output, static_weight=args.static_weight, rank=args.rank, dtype=args.dtype)
    print(f"wrote the soup of {len(args.runs)} runs to {folder}", file=sys.stderr)
    return 0
