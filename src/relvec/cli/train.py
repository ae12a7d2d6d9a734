"""``relvec train``: fine-tune an encoder on relational similarity data (a config file and/or options)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from relvec.errors import RelvecError

# Options that map one-to-one onto TrainConfig fields; None means "not given" so a config file's value stays.
_FIELDS = {
    "encoder": str, "template": str, "pooling": str, "loss": str, "temperature": float, "margin": float,
    "data": str, "epochs": int, "max_steps": int, "relations_per_step": int, "lr": float, "warmup": float,
    "weight_decay": float, "max_grad_norm": float, "seed": int, "device": str, "precision": str, "dropout": float,
    "static_weight": float,
}  # fmt: skip
_SWITCHES = ["reversed_negatives", "freeze_embeddings", "leakage_filter"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="fine-tune a relation encoder",
        description="Fine-tune an encoder with a contrastive loss on SemEval-2012 Task 2 (default) or your own "
        "relation file. Options override the values of --config (a JSON object of the same names).",
    )
    parser.add_argument("-o", "--output", required=True, help="folder for the trained model, log and checkpoint")
    parser.add_argument(
        "--recipe",
        default="minilm",
        help="named recipe the other options start from: minilm (default: MiniLM, hybrid with GloVe), mpnet "
        "(the embedded all-mpnet-base-v2; about 15 min on 2 CPU cores) or paper (RelBERT's published recipe)",
    )
    parser.add_argument("--config", help="JSON file with training options")
    for name, kind in _FIELDS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=None, dest=name)
    for name in _SWITCHES:
        parser.add_argument("--" + name.replace("_", "-"), action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument(
        "--exclude", nargs="+", default=None, help="SemEval relations or parent categories to leave out"
    )
    parser.add_argument(
        "--extra-data",
        nargs="+",
        default=None,
        help="extra training relations beside --data: wordnet (WordNet 3.0 from Debian's wordnet-base; pairs found "
        "in any evaluation dataset are dropped unless --no-leakage-filter)",
    )
    parser.add_argument("--data-dir", default=None, help="data folder (default: $RELVEC_DATA)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output from its checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="replace whatever --output holds")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace):
    from relvec.errors import check_choice
    from relvec.train import RECIPES, TrainConfig

    values = dict(RECIPES[check_choice("--recipe", args.recipe, RECIPES)])
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise RelvecError(f"--config {args.config!r} does not exist")
        try:
            from_file = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise RelvecError(f"--config {args.config!r} is not valid JSON ({error})") from error
        if not isinstance(from_file, dict):
            raise RelvecError(f"--config {args.config!r} must hold a JSON object of options")
        values.update(from_file)
    names = [*_FIELDS, *_SWITCHES, "exclude", "extra_data"]
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    config = TrainConfig.from_dict({**values, **given}, source=args.config or "options")
    config.check()
    return config


def run(args: argparse.Namespace) -> int:
    import sys

    from relvec.train import TrainingInterrupted, train

    config = config_from_args(args)
    try:
        result = train(
            config,
            args.output,
            data_dir=args.data_dir,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    except TrainingInterrupted as stopped:
        print(f"relvec train: {stopped}", file=sys.stderr)
        return 130
    curve = ", ".join(f"{accuracy:.1f}" for accuracy in result.validation)
    print(
        f"trained in {result.seconds:.0f} s; validation accuracy by epoch: {curve}; best epoch "
        f"{result.best_epoch + 1} ({result.best_accuracy:.1f}) saved to {result.output}",
        file=sys.stderr,
    )
    return 0
