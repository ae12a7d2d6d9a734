"""``relvec export INDEX --format word2vec -o FILE``: an index's vectors in a format gensim reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from relvec.files.outputs import check_output_file


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export an index's relation vectors for gensim (word2vec format)",
        description="Write the pairs of INDEX and their unit relation vectors in word2vec format, keys 'head__tail' "
        "(gensim: KeyedVectors.load_word2vec_format(FILE), binary=True for word2vec-binary).",
    )
    parser.add_argument("index", metavar="INDEX", help="index folder (relvec index build)")
    parser.add_argument(
        "--format", default="word2vec", help="the file format: word2vec (text, default) or word2vec-binary"
    )
    parser.add_argument("-o", "--output", required=True, help="file to write the keys and vectors to")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from relvec.apps.export import FORMATS, export_word2vec
    from relvec.apps.index import RelationIndex, read_manifest
    from relvec.errors import check_choice

    check_choice("--format", args.format, FORMATS)
    read_manifest(Path(args.index))
    check_output_file("--output", args.output, inputs=(args.index,))
    written, skipped = export_word2vec(RelationIndex.load(args.index), args.output, fmt=args.format)
    note = f" ({skipped} repeated keys skipped)" if skipped else ""
    print(f"exported {written} pairs to {args.output}{note}")
    return 0
