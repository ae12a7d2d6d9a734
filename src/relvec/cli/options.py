"""Options shared by the subcommands that load an encoder."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relvec.embedding.factory import Embedder
    from relvec.embedding.options import EncoderOptions


def add_encoder_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("encoder")
    group.add_argument(
        "-m",
        "--model",
        default=None,
        help="relvec-mpnet or relvec-minilm (relvec's trained models, shipped; default: relvec-mpnet where its base "
        "encoder is installed, else relvec-minilm), all-MiniLM-L6-v2 or all-mpnet-base-v2 (untrained, embedded), "
        "a model folder or a Hugging Face name",
    )
    group.add_argument(
        "-t",
        "--template",
        default=None,
        help="a-e or a custom template with <subj>, <obj> and <mask> (default: the model's, else d)",
    )
    group.add_argument(
        "-p",
        "--pooling",
        default=None,
        help="mask, average, average_no_mask, cls or difference (default: the model's, else average_no_mask)",
    )
    group.add_argument(
        "-b", "--batch-size", type=int, default=64, help="prompts per forward pass (default %(default)s)"
    )
    group.add_argument("--normalize", action="store_true", help="L2-normalise the vectors (default: off)")
    group.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    group.add_argument(
        "--precision",
        default="fp32",
        help="fp32 (default, exact); bf16: matrix products in bfloat16 (about 2.4x faster on CPUs with AMX, slower "
        "without AMX or AVX-512 BF16); int8: linear layers in int8 (CPU; fast without AMX); auto: the fastest of "
        "these on this machine (says which on stderr)",
    )
    group.add_argument(
        "--compile",
        action="store_true",
        help="run the encoder through torch.compile after a 10-30 s compilation: pays off with --precision bf16 "
        "on large inputs (needs a C++ compiler; default: off)",
    )


def add_chunk_size(parser: argparse.ArgumentParser) -> None:
    """``--chunk-size``: for the subcommands that stream a pair file through the encoder (embed, index build)."""
    from relvec.embedding.batching import DEFAULT_CHUNK_SIZE  # torch-free

    parser.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"pairs read and embedded together (default {DEFAULT_CHUNK_SIZE}); the output is bit-identical to one "
        "RelationEncoder.encode call with the same chunk_size",
    )


def options_from_args(args: argparse.Namespace) -> EncoderOptions:
    """The one options record the encoder options name (with ``--chunk-size`` where the subcommand has it),
    checked before any data or weights are read."""
    from relvec.embedding.options import EncoderOptions

    streamed = {"chunk_size": args.chunk_size} if "chunk_size" in vars(args) else {}
    return EncoderOptions(
        template=args.template,
        pooling=args.pooling,
        normalize=args.normalize,
        batch_size=args.batch_size,
        device=args.device,
        precision=args.precision,
        compile=args.compile,
        **streamed,
    )


def load_model(args: argparse.Namespace, model: Any = None, options: EncoderOptions | None = None) -> Embedder:
    """The one model factory of the command line: the encoder or the ``glove`` baseline that ``model`` (default
    ``--model``) names, run with ``options`` (default: the encoder options), which are checked before any weights
    are read. With ``--precision auto`` it says on stderr which precision was picked."""
    from relvec.embedding.factory import load_embedder

    embedder = load_embedder(model if model is not None else args.model, options or options_from_args(args))
    reason = getattr(embedder, "precision_reason", None)
    if args.precision == "auto" and reason and not getattr(args, "quiet", False):
        print(f"relvec: precision auto -> {embedder.precision} ({reason})", file=sys.stderr)
    return embedder
