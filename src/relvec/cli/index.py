"""``relvec index build PAIRS -o INDEX``: embed a pair file, streaming, into a searchable index folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator

from relvec.cli.appsupport import add_pairs_input, add_quiet, input_pairs
from relvec.cli.options import add_chunk_size, add_encoder_options, load_model
from relvec.errors import check_positive_int
from relvec.files.outputs import check_output_folder
from relvec.pairs import Pair


class CaseFolding:
    """Lower-case each pair's words and drop a pair already seen so; :attr:`merged` counts the drops."""

    def __init__(self) -> None:
        self.merged = 0

    def __call__(self, pairs: Iterable[Pair]) -> Iterator[Pair]:
        seen: set[Pair] = set()
        for head, tail in pairs:
            pair = (head.lower(), tail.lower())
            if pair in seen:
                self.merged += 1
                continue
            seen.add(pair)
            yield pair


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
    add_pairs_input(build)
    build.add_argument("-o", "--output", required=True, metavar="INDEX", help="index folder to create")
    build.add_argument(
        "--kind",
        default="flat",
        help="the FAISS index: flat (exact, default), hnsw or ivf (approximate, faster on big sets)",
    )
    build.add_argument(
        "--hnsw-m",
        type=int,
        default=32,
        help="HNSW: links per node; more is better recall and more memory (default 32)",
    )
    build.add_argument(
        "--ef-construction", type=int, default=80, help="HNSW: candidate list while building (default 80)"
    )
    build.add_argument(
        "--ef-search",
        type=int,
        default=128,
        help="HNSW: candidate list while searching; more is better recall, slower (default 128)",
    )
    build.add_argument(
        "--nlist",
        type=int,
        default=None,
        help="IVF: inverted lists the vectors are split into (default 4*sqrt(training vectors))",
    )
    build.add_argument(
        "--nprobe",
        type=int,
        default=16,
        help="IVF: lists visited per query; more is better recall, slower (default 16)",
    )
    build.add_argument(
        "--overwrite", action="store_true", help="replace INDEX if it exists (only an index folder relvec wrote)"
    )
    build.add_argument(
        "--keep-case",
        action="store_true",
        help="index pairs as written; by default words are lower-cased and pairs that differ only in letter case "
        "(Stockholm:Sweden, stockholm:sweden) or repeat exactly are indexed once",
    )
    add_chunk_size(build)
    add_encoder_options(build)
    add_quiet(build)
    build.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from relvec.apps.index import IndexOptions, RelationIndex
    from relvec.apps.index_folder import is_index_folder

    check_positive_int("--chunk-size", args.chunk_size)
    options = IndexOptions(
        kind=args.kind,
        hnsw_m=args.hnsw_m,
        ef_construction=args.ef_construction,
        ef_search=args.ef_search,
        nlist=args.nlist,
        nprobe=args.nprobe,
    )
    output = check_output_folder(
        "--output",
        args.output,
        inputs=(args.pairs,),
        overwrite=args.overwrite,
        replaceable=is_index_folder,
        what="a relvec index folder",
    )
    folding = None if args.keep_case else CaseFolding()
    with input_pairs(args, read_ahead=args.chunk_size) as (total, pairs):
        encoder = load_model(args)
        with tqdm(total=total, unit="pair", desc="indexing", disable=args.quiet, dynamic_ncols=True) as bar:
            index = RelationIndex.build(encoder, folding(pairs) if folding else pairs, options, progress=bar)
    index.save(output, overwrite=args.overwrite)
    if folding is not None and folding.merged:
        print(
            f"relvec index build: merged {folding.merged} pair(s) that repeat another in letter case or exactly "
            "(words lower-cased; --keep-case keeps them as written)",
            file=sys.stderr,
        )
    if not args.quiet:
        print(f"indexed {len(index)} pairs ({options.kind}, dim {index.dim}) into {args.output}")
    return 0
