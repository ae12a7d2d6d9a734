"""``relvec complete athens greece baghdad``: complete a : b :: c : ? over GloVe's vocabulary, re-ranked by
relation similarity."""

from __future__ import annotations

import argparse
import json

from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import check_number, check_positive_int, invalid

#: The configuration bench/completion.py measured, used when no encoder option is given.
MEASURED = {"model": "all-MiniLM-L6-v2", "template": "c", "pooling": "difference"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    from relvec.apps.complete import DEFAULT_CANDIDATES, DEFAULT_OFFSET_WEIGHT, DEFAULT_VOCABULARY_SIZE

    parser = commands.add_parser(
        "complete",
        help="complete an analogy a : b :: c : ?",
        description=(
            "Complete A : B :: C : ? with words of GloVe 6B 50d: the top candidates by 3CosAdd (the question's "
            "words excluded), re-ranked by the mean of cos(r(A,B), r(C,D)) and cos(r(A,C), r(B,D)) plus a weight "
            "times the 3CosAdd score. Without encoder options the model is all-MiniLM-L6-v2 with template c and "
            "difference pooling, the configuration bench/completion.py measured."
        ),
    )
    parser.add_argument("words", nargs=3, metavar="WORD", help="the three words A B C of A : B :: C : ?")
    parser.add_argument("-k", type=int, default=10, help="completions to print (default 10)")
    parser.add_argument(
        "--candidates",
        type=int,
        default=DEFAULT_CANDIDATES,
        help=f"3CosAdd candidates re-ranked by relation similarity (default {DEFAULT_CANDIDATES})",
    )
    parser.add_argument(
        "--offset-weight",
        type=float,
        default=DEFAULT_OFFSET_WEIGHT,
        help=f"weight of the 3CosAdd score (default {DEFAULT_OFFSET_WEIGHT:g}; 0 ranks by relation similarity alone)",
    )
    parser.add_argument(
        "--vocab-size",
        type=int,
        default=DEFAULT_VOCABULARY_SIZE,
        help=f"GloVe's most frequent words kept as candidates (default {DEFAULT_VOCABULARY_SIZE})",
    )
    parser.add_argument("--vocabulary", default=None, help="a word list (one per line) to draw candidates from instead")
    parser.add_argument(
        "--one-way",
        action="store_true",
        help="score only cos(r(A,B), r(C,D)); by default it is averaged with cos(r(A,C), r(B,D))",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON object with every completion's scores instead of a table"
    )
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from relvec.apps.complete import AnalogyCompleter, glove_keyed_vectors, read_vocabulary

    k = check_positive_int("-k", args.k)
    check_positive_int("--candidates", args.candidates)
    if k > args.candidates:
        raise invalid("-k", k, f"at most --candidates ({args.candidates}), the words re-ranked; raise both together")
    check_number("--offset-weight", args.offset_weight, low=0)
    vocabulary = read_vocabulary(args.vocabulary) if args.vocabulary else None
    check_positive_int("--vocab-size", args.vocab_size)
    static = glove_keyed_vectors(args.vocab_size, vocabulary)
    if args.model is None and args.template is None and args.pooling is None:
        args.model, args.template, args.pooling = MEASURED["model"], MEASURED["template"], MEASURED["pooling"]
    completer = AnalogyCompleter(
        None, static, candidates=args.candidates, offset_weight=args.offset_weight, symmetric=not args.one_way
    )
    question = completer.check_question(args.words, "WORD")  # before the model loads
    completer.encoder = load_model(args)
    completions = completer.complete(*question, k=k)
    if args.json:
        print(json.dumps({"question": list(question), "completions": [c.as_dict() for c in completions]}))
        return 0
    a, b, c = question
    print(f"{a} : {b} :: {c} : ?")
    for rank, completion in enumerate(completions, start=1):
        print(
            f"{rank:>4}  {completion.word:<20} score {completion.score:.4f}  "
            f"(relation {completion.relation:.4f}, 3CosAdd {completion.offset:.4f})"
        )
    return 0
