"""``relvec train``: fine-tune an encoder on relational similarity data (a config file and/or options)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relvec.errors import RelvecError, check_choice

if TYPE_CHECKING:
    from relvec.training.config import TrainConfig

# Options that map one-to-one onto TrainConfig fields; None means "not given" so a config file's value stays.
_FIELDS = {
    "encoder": str, "template": str, "pooling": str, "loss": str, "temperature": float, "margin": float,
    "data": str, "epochs": int, "max_steps": int, "relations_per_step": int, "lr": float, "warmup": float,
    "weight_decay": float, "max_grad_norm": float, "seed": int, "device": str, "precision": str, "dropout": float,
    "static_weight": float, "adapter": str, "lora_rank": int, "lora_alpha": float, "lora_dropout": float,
    "lora_targets": str, "distill_teacher": str, "distill_weight": float, "distill_batch": int,
    "distill_temperature": float, "step_grouping": str,
}  # fmt: skip
_SWITCHES = ["reversed_negatives", "freeze_embeddings", "leakage_filter"]
# What each option does and its TrainConfig default, written out so that `relvec train --help` need not import
# torch (TrainConfig and POOLINGS do); tests/test_cli_help.py checks every default against TrainConfig and the
# pooling modes against POOLINGS.
_HELP = {
    "encoder": "encoder to fine-tune: a name or a model folder (default all-MiniLM-L6-v2)",
    "template": "prompt template: a-e or a custom one with <subj>, <obj> and <mask> (default c)",
    "pooling": "how a prompt's hidden states become one vector: mask, average, average_no_mask, cls or difference "
    "(default difference)",
    "loss": "contrastive loss: infonce, infoloob or triplet (default infonce)",
    "temperature": "InfoNCE/InfoLOOB temperature, in (0, 10] (default 0.05)",
    "margin": "triplet margin on cosine distance, in (0, 2] (default 0.2)",
    "data": "'semeval' or the path of a relation-set JSONL file (default semeval)",
    "epochs": "passes over the training relations (default 12)",
    "max_steps": "stop after this many steps in all (default None: every epoch's steps)",
    "relations_per_step": "relations sampled into each step (default 8)",
    "lr": "peak learning rate of AdamW (default 5e-05)",
    "warmup": "fraction of the steps spent warming up the learning rate (default 0.1)",
    "weight_decay": "AdamW weight decay (default 0.01)",
    "max_grad_norm": "gradient-norm clipping threshold (default 1.0)",
    "seed": "random seed of sampling, dropout and initialisation (default 0)",
    "device": "torch device (default None: cuda if available, else cpu)",
    "precision": "precision of the forward pass: auto, fp32 or bf16 (default auto: bf16 where the hardware is fast at "
    "it)",
    "dropout": "dropout rate while training, in [0, 1) (default None: the encoder's own)",
    "reversed_negatives": "add each positive pair reversed as a negative (default False)",
    "freeze_embeddings": "keep the input word embeddings fixed (default False)",
    "static_weight": "weight w of the GloVe offset in the saved model's hybrid vectors, >= 0; 0 = none (default 0.25)",
    "leakage_filter": "drop --extra-data pairs found in any evaluation dataset (default True)",
    "adapter": "parameter-efficient fine-tuning: lora trains small adapters and saves them as a delta of a few MB "
    "over the base encoder (default None: every weight is trained)",
    "lora_rank": "rank of each LoRA adapter, 1-512 (default 8)",
    "lora_alpha": "LoRA scale numerator: adapters are scaled by alpha / rank, in (0, 10000] (default 16.0)",
    "lora_dropout": "dropout on the adapters' input while training, in [0, 1) (default 0.0)",
    "lora_targets": "which linear layers get adapters: attention (query, key, value, output) or all (default all)",
    "distill_teacher": "a model whose relation similarities the encoder also learns, on the lexical datasets' train "
    "pairs (leakage-filtered; needs --data-dir), e.g. relvec-mpnet (default None: no distillation)",
    "step_grouping": "how relations share steps: random, or parent (siblings of one SemEval parent category "
    "together, the hardest in-batch negatives) (default random)",
    "distill_weight": "weight of the distillation loss beside the contrastive one, in (0, 1000] (default 1.0)",
    "distill_batch": "distillation pairs per step, 2-4096 (default 256)",
    "distill_temperature": "softmax temperature of the similarity distillation, in (0, 10] (default 0.05)",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="fine-tune a relation encoder",
        description="Fine-tune an encoder with a contrastive loss on SemEval-2012 Task 2 (default) or your own "
        "relation file. Options override the values of --config (a JSON object of the same names).",
    )
    parser.add_argument(
        "-o", "--output", required=True, help="folder for the trained model, log and checkpoint (required)"
    )
    parser.add_argument(
        "--recipe",
        default="minilm",
        help="named recipe the other options start from: minilm (LoRA on MiniLM, hybrid with GloVe; relvec-minilm), "
        "mpnet (LoRA on the embedded all-mpnet-base-v2; relvec-mpnet), minilm-full or mpnet-full (every weight "
        "trained) or paper (RelBERT's published recipe) (default minilm)",
    )
    parser.add_argument(
        "--config", help="JSON file with training options (default: none; it overrides --recipe, options override it)"
    )
    for name, kind in _FIELDS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=None, dest=name, help=_HELP[name])
    for name in _SWITCHES:
        parser.add_argument(
            "--" + name.replace("_", "-"), action=argparse.BooleanOptionalAction, default=None, help=_HELP[name]
        )
    parser.add_argument(
        "--exclude", nargs="+", default=None, help="SemEval relations or parent categories to leave out (default: none)"
    )
    parser.add_argument(
        "--extra-data",
        nargs="+",
        default=None,
        help="extra training relations beside --data: wordnet (WordNet 3.0 from Debian's wordnet-base), lexical "
        "(one relation per label of the lexical datasets' train splits, 100 pairs each; needs --data-dir); pairs "
        "found in any evaluation dataset (for lexical: their val and test) are dropped unless --no-leakage-filter "
        "(default: none)",
    )
    parser.add_argument("--data-dir", default=None, help="folder of the datasets (default: $RELVEC_DATA)")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --output from its checkpoint (default: off)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the earlier relvec run in --output (default: off)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (default: off)")
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run's config, checked: the recipe, then --config's values over it, then the options given."""
    from relvec.training.config import RECIPES, TrainConfig

    values = dict(RECIPES[check_choice("--recipe", args.recipe, RECIPES)])
    if args.config:
        values.update(_read_config_file(args.config))
    names = [*_FIELDS, *_SWITCHES, "exclude", "extra_data"]
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    config = TrainConfig.from_dict({**values, **given}, source=args.config or "options")
    config.check()
    return config


def _read_config_file(name: str) -> dict[str, Any]:
    path = Path(name)
    if not path.is_file():
        raise RelvecError(f"--config {name!r} does not exist")
    try:
        from_file = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RelvecError(f"--config {name!r} is not valid JSON ({error})") from error
    if not isinstance(from_file, dict):
        raise RelvecError(f"--config {name!r} must hold a JSON object of options")
    return from_file


def run(args: argparse.Namespace) -> int:
    from relvec.training.loop import TrainingInterrupted, train

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
