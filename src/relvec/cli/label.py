"""``relvec label PAIRS --relations RELATIONS.jsonl``: zero-shot relation labels with scores."""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from relvec.cli.appsupport import add_quiet, check_output_file, load_model, text_output
from relvec.cli.options import add_encoder_options
from relvec.errors import RelvecError
from relvec.io.pairfiles import (
    DEFAULT_CHUNK_SIZE,
    INPUT_FORMATS,
    chunks,
    count_lines,
    guess_format,
    iter_pairs,
    open_input,
)

OUTPUT_FORMATS = ("tsv", "jsonl")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "label",
        help="label pairs with the nearest of a set of relations (zero-shot)",
        description="Give each pair of PAIRS the relation of RELATIONS whose prototype (the mean relation vector "
        "of its example pairs) is nearest, with the cosine as score. RELATIONS: JSONL lines "
        '{"relation": NAME, "pairs": [[head, tail], ...]}. Output: head, tail, relation, score.',
    )
    parser.add_argument("pairs", metavar="PAIRS", help="pairs file (.tsv or .jsonl), or '-' for stdin")
    parser.add_argument("--relations", required=True, metavar="RELATIONS", help="JSONL file of relations")
    parser.add_argument("-o", "--output", default=None, help="output file (.tsv or .jsonl); default TSV on stdout")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, help="default: from the suffix, or sniffed")
    add_encoder_options(parser)
    add_quiet(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from relvec.apps.label import RelationLabeller, read_relations

    relations = read_relations(args.relations)
    output_format = "tsv"
    if args.output is not None:
        output_format = guess_format(args.output, OUTPUT_FORMATS, "--output")
        check_output_file(args.output)
    from_stdin = args.pairs == "-"
    fmt = args.input_format or (None if from_stdin else guess_format(args.pairs, INPUT_FORMATS, "PAIRS"))
    with open_input(args.pairs) as (stream, name):
        total = None if from_stdin else count_lines(Path(args.pairs))
        pending = chunks(iter_pairs(stream, fmt, name), DEFAULT_CHUNK_SIZE)
        first = next(pending, [])  # parsed before the model loads, so a bad file fails fast
        if not first:
            raise RelvecError(f"PAIRS {args.pairs!r} holds no pairs")
        labeller = RelationLabeller(load_model(args), relations)
        with (
            text_output(args.output) as handle,
            tqdm(total=total, unit="pair", desc="labelling", disable=args.quiet, dynamic_ncols=True) as bar,
        ):
            for chunk in itertools.chain([first], pending):
                for label in labeller.label(chunk):
                    handle.write(_line(label, output_format))
                bar.update(len(chunk))
    return 0


def _line(label, output_format: str) -> str:
    if output_format == "jsonl":
        return json.dumps(label.as_dict(), ensure_ascii=False) + "\n"
    return f"{label.head}\t{label.tail}\t{label.relation}\t{label.score:.6f}\n"
