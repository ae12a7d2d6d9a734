"""``relvec embed``: pairs from a file or stdin to vectors in ``.npy`` or JSONL, streaming."""

from __future__ import annotations

import argparse
import itertools
from contextlib import closing
from pathlib import Path

from relvec.cli.options import add_encoder_options, check_encoder_options, encoder_from_args, encoder_options_from_args
from relvec.errors import RelvecError, check_positive_int
from relvec.pairfiles import (
    DEFAULT_CHUNK_SIZE,
    INPUT_FORMATS,
    OUTPUT_FORMATS,
    chunks,
    count_lines,
    guess_format,
    iter_pairs,
    open_input,
    open_writer,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "embed",
        help="embed word pairs",
        description="Embed word pairs read from INPUT (TSV 'head<TAB>tail' or JSONL; stdin when absent or '-').",
    )
    parser.add_argument("input", nargs="?", default="-", help="pairs file (.tsv or .jsonl), or '-' for stdin")
    parser.add_argument("-o", "--output", default="-", help="output file (.npy or .jsonl); default JSONL on stdout")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, help="default: from the suffix, or sniffed")
    parser.add_argument("--output-format", choices=OUTPUT_FORMATS, help="default: from the suffix")
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"pairs read and embedded together (default {DEFAULT_CHUNK_SIZE}); the output is bit-identical to one "
        "RelationEncoder.encode call with the same chunk_size",
    )
    add_encoder_options(parser)
    group = parser.add_argument_group("Ray (pip install 'relvec[ray]')")
    group.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="embed on a Ray cluster (Ray Data, an actor pool loading the model once per actor): at ADDRESS "
        "(HOST:PORT, ray://HOST:PORT or auto), or a local instance when none is given. INPUT may then be a file, "
        "a folder of shards or a glob; the .npy output is bit-identical to single-process relvec embed with the "
        "same --chunk-size",
    )
    group.add_argument("--workers", type=int, default=None, help="Ray actors (default: the cluster's CPUs)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    check_positive_int("--chunk-size", args.chunk_size)
    if args.ray is not None:
        return run_on_ray(args)
    from_stdin, to_stdout = args.input == "-", args.output == "-"
    input_format = args.input_format or (None if from_stdin else guess_format(args.input, INPUT_FORMATS, "input"))
    output_format = args.output_format or (
        "jsonl" if to_stdout else guess_format(args.output, OUTPUT_FORMATS, "--output")
    )
    if output_format == "npy" and to_stdout:
        raise RelvecError("--output-format npy needs an --output file; stdout takes JSONL")
    if not to_stdout and not Path(args.output).resolve().parent.is_dir():
        raise RelvecError(f"--output {args.output!r}: its folder does not exist")

    with open_input(args.input) as (stream, name):
        total = None if from_stdin else count_lines(Path(args.input))
        pending = chunks(iter_pairs(stream, input_format, name), args.chunk_size)
        first = next(pending, [])  # parsed before the model loads, so a bad file fails fast
        encoder = encoder_from_args(args, chunk_size=args.chunk_size)
        with (
            closing(open_writer(None if to_stdout else args.output, output_format, encoder.dim)) as writer,
            tqdm(total=total, unit="pair", desc="embedding", disable=args.quiet, dynamic_ncols=True) as bar,
        ):
            for chunk in itertools.chain([first] if first else [], pending):
                writer.write(chunk, encoder.encode(chunk))
                bar.update(len(chunk))
    return 0


def run_on_ray(args: argparse.Namespace) -> int:
    """``--ray``: every check (Ray installed, output, input lines, options, address) before Ray starts."""
    from relvec.ray_embed import check_address, embed_on_ray, input_files, plan_chunks, require_ray

    require_ray()
    if args.workers is not None:
        check_positive_int("--workers", args.workers)
    if args.output == "-" or (args.output_format or guess_format(args.output, OUTPUT_FORMATS, "--output")) != "npy":
        raise RelvecError(f"--ray writes one .npy file; got --output {args.output!r}")
    output = Path(args.output)
    if output.exists():
        raise RelvecError(f"--output {args.output!r} already exists; relvec never overwrites it (remove it first)")
    if not output.resolve().parent.is_dir():
        raise RelvecError(f"--output {args.output!r}: its folder does not exist")
    if args.input == "-":
        raise RelvecError("--ray reads pair files (a file, a folder of shards or a glob), not stdin")
    options = encoder_options_from_args(args, chunk_size=args.chunk_size)
    dim = check_encoder_options(options)
    plan = plan_chunks(input_files(args.input), args.chunk_size, args.input_format)
    address = None if args.ray == "local" else args.ray
    check_address(address)
    embed_on_ray(plan, output, options, dim, address=address, workers=args.workers, progress=not args.quiet)
    return 0
