"""``relvec label PAIRS --relations RELATIONS.jsonl``: zero-shot relation labels with scores."""

from __future__ import annotations

import argparse
import json

from relvec.cli.appsupport import add_pairs_input, add_quiet, input_pairs, text_output
from relvec.cli.options import add_encoder_options, load_model
from relvec.files.outputs import check_output_file
from relvec.io.pairfiles import guess_format

OUTPUT_FORMATS = ("tsv", "jsonl")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "label",
        help="label pairs with the nearest of a set of relations (zero-shot)",
        description="Give each pair of PAIRS the relation of RELATIONS whose prototype (the mean relation vector "
        "of its example pairs) is nearest, with the cosine as score. RELATIONS: JSONL lines "
        '{"relation": NAME, "pairs": [[head, tail], ...]}. Output: head, tail, relation, score.',
    )
    add_pairs_input(parser)
    parser.add_argument(
        "--relations",
        required=True,
        metavar="RELATIONS",
        help='JSONL file of relations, one {"relation": NAME, "pairs": [[head, tail], ...]} per line',
    )
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        help="output file (.tsv or .jsonl), written when complete (default: TSV on stdout)",
    )
    add_encoder_options(parser)
    add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from relvec.apps.label import RelationLabeller, read_relations
    from relvec.embedding.batching import DEFAULT_CHUNK_SIZE

    inputs = (args.pairs, args.relations)
    output_format = "tsv"
    if args.output is not None:
        output_format = guess_format(args.output, OUTPUT_FORMATS, "--output")
        check_output_file("--output", args.output, inputs=inputs)
    relations = read_relations(args.relations)
    with input_pairs(args, read_ahead=DEFAULT_CHUNK_SIZE) as (total, pairs):
        labeller = RelationLabeller(load_model(args), relations)
        with (
            text_output(args.output, inputs) as handle,
            tqdm(total=total, unit="pair", desc="labelling", disable=args.quiet, dynamic_ncols=True) as bar,
        ):
            for labels in labeller.label_stream(pairs):
                handle.writelines(_line(label, output_format) for label in labels)
                bar.update(len(labels))
    return 0


def _line(label, output_format: str) -> str:
    if output_format == "jsonl":
        return json.dumps(label.as_dict(), ensure_ascii=False) + "\n"
    return f"{label.head}\t{label.tail}\t{label.relation}\t{label.score:.6f}\n"
