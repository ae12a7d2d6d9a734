"""The ``relvec`` command: one subcommand per module, each adding its own parser and ``run`` function.

Heavy modules (torch, transformers) are imported inside each ``run`` so that ``relvec --help`` and the
data commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from relvec import __version__
from relvec.errors import RelvecError

#: Subcommand modules under relvec.cli, in the order ``--help`` lists them.
SUBCOMMANDS = ["embed", "train", "soup", "evaluate", "data"]
# Applications of relation vectors (relvec.apps) and the HTTP service (relvec.serve).
SUBCOMMANDS += ["index", "search", "similarity", "complete", "label", "map", "export", "serve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relvec", description="Relation embeddings of word pairs (RelBERT).")
    parser.add_argument("--version", action="version", version=f"relvec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        import_module(f"relvec.cli.{name}").add_parser(commands)
    for subparser in commands.choices.values():
        _state_defaults(subparser)
    return parser


def _state_defaults(parser: argparse.ArgumentParser) -> None:
    """Every option's help ends with its default (or says it is required), whichever module declared it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _state_defaults(child)
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
            continue
        text = action.help or ""
        if "default" in text or "required" in text:
            continue
        if action.required or (not action.option_strings and action.nargs not in ("?", "*")):
            action.help = f"{text} (required)".strip()
        else:
            action.help = f"{text} (default: {_shown(action.default)})".strip()


def _shown(default: object) -> str:
    if default is None:
        return "none"
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, (list, tuple)):
        return " ".join(str(item) for item in default) or "none"
    return str(default)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; a bad input prints one line on stderr and exits 2, without a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except RelvecError as error:
        print(f"relvec {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relvec {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `relvec embed ... | head`
        return 0
