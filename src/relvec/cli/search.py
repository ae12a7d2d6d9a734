"""``relvec search INDEX "paris:france"``: the nearest pairs in an index, with cosine scores."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from relvec.cli.appsupport import check_options_against_index
from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import check_positive_int, invalid

#: Hits per query without -k (fewer when the index holds fewer pairs).
DEFAULT_K = 10


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "search",
        help="find the pairs of an index whose relation is nearest a query pair",
        description="Print the K pairs of INDEX nearest each QUERY ('head:tail'), with cosine scores. The query "
        "is embedded with the index's own model and settings; options that contradict them are refused.",
    )
    parser.add_argument("index", metavar="INDEX", help="index folder (relvec index build)")
    parser.add_argument("queries", nargs="+", metavar="QUERY", help="'head:tail', e.g. paris:france")
    parser.add_argument(
        "-k",
        type=int,
        default=None,
        help="nearest pairs printed per query (default 10; every pair of a smaller index)",
    )
    parser.add_argument("--exclude-shared-words", action="store_true", help="drop pairs sharing a word with the query")
    parser.add_argument("--json", action="store_true", help="print one JSON object per query instead of a table")
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from relvec.apps.index import RelationIndex, read_manifest
    from relvec.apps.queries import parse_pair_text

    manifest = read_manifest(Path(args.index))
    queries = [parse_pair_text(query, "QUERY") for query in args.queries]
    k = min(DEFAULT_K, manifest["count"]) if args.k is None else check_positive_int("-k", args.k)
    if k > manifest["count"]:
        raise invalid("-k", k, f"at most the index size {manifest['count']}")
    check_options_against_index(args, manifest["model"])
    index = RelationIndex.load(args.index, load_model(args))
    results = index.search(queries, k, exclude_shared_words=args.exclude_shared_words)
    for (head, tail), hits in zip(queries, results, strict=True):
        if args.json:
            record = {"query": [head, tail], "hits": [hit.as_dict() for hit in hits]}
            print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"{head}:{tail}")
        for rank, hit in enumerate(hits, start=1):
            print(f"{rank:>4}  {hit.score:.4f}  {hit.head}:{hit.tail}")
    return 0
