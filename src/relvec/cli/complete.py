"""``relvec complete athens greece baghdad``: complete a : b :: c : ? over GloVe's vocabulary, re-ranked by
relation similarity."""

from __future__ import annotations

import argparse
import json

from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import check_int, check_number, check_positive_int, invalid


def add_parser(commands: argparse._SubParsersAction) -> None:
    from relvec.apps import complete as defaults

    parser = commands.add_parser(
        "complete",
        help="complete an analogy a : b :: c : ?",
        description=(
            "Complete A : B :: C : ? with words of GloVe 6B 50d. Candidates: the top words by 3CosAdd, the words "
            "nearest to C and to B, and the top words by 3CosMul (the question's words excluded); each is "
            "re-ranked by the mean of cos(r(A,B), r(C,D)) and cos(r(A,C), r(B,D)) plus a weight times its 3CosAdd "
            "score. The defaults were tuned on Google and BATS valid (bench/completion.py)."
        ),
    )
    parser.add_argument("words", nargs=3, metavar="WORD", help="the three words A B C of A : B :: C : ?")
    parser.add_argument("-k", type=int, default=10, help="completions to print (default 10)")
    pool = parser.add_argument_group("candidates")
    for name, (default, text) in _pool_options().items():
        pool.add_argument(f"--{name}", type=int, default=default, help=f"{text} (default {default:,})")
    parser.add_argument(
        "--offset-weight",
        type=float,
        default=defaults.DEFAULT_OFFSET_WEIGHT,
        help=f"weight of the 3CosAdd score (default {defaults.DEFAULT_OFFSET_WEIGHT:g}; 0: relation similarity alone)",
    )
    parser.add_argument(
        "--vocab-size",
        type=int,
        default=defaults.DEFAULT_VOCABULARY_SIZE,
        help=f"GloVe's most frequent words known (default {defaults.DEFAULT_VOCABULARY_SIZE:,})",
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


def _pool_options() -> dict[str, tuple[int, str]]:
    """Each candidate-pool option: its default (AnalogyCompleter's) and what it sets."""
    from relvec.apps import complete as defaults

    return {
        "candidates": (defaults.DEFAULT_CANDIDATES, "top words by 3CosAdd; -k may not exceed it"),
        "neighbours": (defaults.DEFAULT_NEIGHBOURS, "nearest words to C and to B, each; 0: none"),
        "cosmul": (defaults.DEFAULT_COSMUL, "top words by 3CosMul; 0: none"),
        "restrict": (defaults.DEFAULT_RESTRICT, "candidates come from GloVe's this many most frequent words"),
    }


def run(args: argparse.Namespace) -> int:
    from relvec.apps.complete import POOL_SIZE, AnalogyCompleter, glove_keyed_vectors, read_vocabulary

    k = check_positive_int("-k", args.k)
    check_positive_int("--candidates", args.candidates)
    if k > args.candidates:
        raise invalid("-k", k, f"at most --candidates ({args.candidates}), the words re-ranked; raise both together")
    check_number("--offset-weight", args.offset_weight, low=0)
    pool = {
        "neighbours": check_int("--neighbours", args.neighbours, minimum=0, expected=POOL_SIZE),
        "cosmul": check_int("--cosmul", args.cosmul, minimum=0, expected=POOL_SIZE),
        "restrict": check_positive_int("--restrict", args.restrict),
    }
    vocabulary = read_vocabulary(args.vocabulary) if args.vocabulary else None
    check_positive_int("--vocab-size", args.vocab_size)
    static = glove_keyed_vectors(args.vocab_size, vocabulary)
    completer = AnalogyCompleter(
        None, static, candidates=args.candidates, offset_weight=args.offset_weight, symmetric=not args.one_way, **pool
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
