"""``relvec index build PAIRS -o INDEX``: embed a pair file, streaming, into a searchable index folder."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from relvec.cli.appsupport import add_quiet, load_model
from relvec.cli.options import add_encoder_options
from relvec.errors import RelvecError, check_positive_int
from relvec.io.pairfiles import (
    DEFAULT_CHUNK_SIZE,
    INPUT_FORMATS,
    chunks,
    count_lines,
    guess_format,
    iter_pairs,
    open_input,
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "index",
        help="build a relation search index from a pair file",
        description="Relation search indexes (FAISS). 'relvec index build PAIRS -o INDEX' embeds the pairs and "
        "writes an index folder; search it with 'relvec search INDEX head:tail'.",
    )
    actions = parser.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="embed PAIRS into a new index folder",
        description="Embed PAIRS (TSV 'head<TAB>tail' or JSONL; '-' for stdin), streaming, into the index folder "
        "INDEX, written atomically: the FAISS index, the pairs, the model's identity and a format version.",
    )
    build.add_argument("pairs", metavar="PAIRS", help="pairs file (.tsv or .jsonl), or '-' for stdin")
    build.add_argument("-o", "--output", required=True, metavar="INDEX", help="index folder to create")
    build.add_argument("--input-format", choices=INPUT_FORMATS, help="default: from the suffix, or sniffed")
    build.add_argument("--kind", default="flat", help="flat (exact, default), hnsw or ivf (approximate, for big sets)")
    build.add_argument("--hnsw-m", type=int, default=32, help="HNSW links per node (default 32)")
    build.add_argument("--ef-construction", type=int, default=80, help="HNSW build candidate list (default 80)")
    build.add_argument("--ef-search", type=int, default=128, help="HNSW search candidate list (default 128)")
    build.add_argument("--nlist", type=int, default=None, help="IVF lists (default 4*sqrt(training vectors))")
    build.add_argument("--nprobe", type=int, default=16, help="IVF lists visited per query (default 16)")
    build.add_argument("--overwrite", action="store_true", help="replace INDEX if it exists")
    build.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="pairs embedded together")
    add_encoder_options(build)
    add_quiet(build)
    build.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from relvec.apps.index import IndexOptions, RelationIndex

    check_positive_int("--chunk-size", args.chunk_size)
    options = IndexOptions(
        kind=args.kind,
        hnsw_m=args.hnsw_m,
        ef_construction=args.ef_construction,
        ef_search=args.ef_search,
        nlist=args.nlist,
        nprobe=args.nprobe,
    )
    output = Path(args.output)
    if output.exists() and not args.overwrite:
        raise RelvecError(f"--output {args.output!r} already exists; choose another or pass --overwrite")
    if not output.resolve().parent.is_dir():
        raise RelvecError(f"--output {args.output!r}: its parent folder does not exist")
    from_stdin = args.pairs == "-"
    fmt = args.input_format or (None if from_stdin else guess_format(args.pairs, INPUT_FORMATS, "PAIRS"))
    with open_input(args.pairs) as (stream, name):
        total = None if from_stdin else count_lines(Path(args.pairs))
        pending = chunks(iter_pairs(stream, fmt, name), args.chunk_size)
        first = next(pending, [])  # parsed before the model loads, so a bad file fails fast
        if not first:
            raise RelvecError(f"PAIRS {args.pairs!r} holds no pairs")
        encoder = load_model(args, chunk_size=args.chunk_size)
        with tqdm(total=total, unit="pair", desc="indexing", disable=args.quiet, dynamic_ncols=True) as bar:
            pairs = itertools.chain(first, itertools.chain.from_iterable(pending))
            index = RelationIndex.build(encoder, pairs, options, chunk_size=args.chunk_size, progress=bar)
    index.save(output, overwrite=args.overwrite)
    if not args.quiet:
        print(f"indexed {len(index)} pairs ({options.kind}, dim {index.dim}) into {args.output}")
    return 0
