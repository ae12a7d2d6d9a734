"""Every option of every subcommand says what it does and its default."""

import argparse
import dataclasses
import re

import pytest

from relvec.cli import build_parser


def _subparsers(parser: argparse.ArgumentParser, name: str = "relvec"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child_name, child in action.choices.items():
                yield from _subparsers(child, f"{name} {child_name}")


def _options():
    for name, parser in _subparsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            if action.help == argparse.SUPPRESS:
                continue
            yield f"{name} {'/'.join(action.option_strings) or action.dest}", action


@pytest.mark.parametrize(("option", "action"), list(_options()), ids=lambda value: str(value))
def test_every_option_has_help_with_its_default(option, action):
    assert action.help, f"{option} has no help"
    assert "default" in action.help or "required" in action.help, f"{option}: {action.help!r}"
    # Beyond the default that build_parser appends, the help says what the option does.
    described = re.sub(r"\s*\((default: .*|required)\)$", "", action.help, flags=re.S).strip()
    assert len(described.split()) >= 2, f"{option} says only {action.help!r}"


def test_pooling_help_lists_every_pooling():
    from relvec.embedding.pooling import POOLINGS

    helps = [action.help for option, action in _options() if option.endswith("--pooling")]
    assert len(helps) >= 3  # embed, evaluate, train
    for text in helps:
        assert all(name in text for name in POOLINGS), text


def test_train_help_defaults_are_the_train_config_defaults():
    from relvec.cli.train import _HELP
    from relvec.training.config import TrainConfig

    for field in dataclasses.fields(TrainConfig):
        if field.name in _HELP:
            default = field.default
            assert re.search(rf"\(default {re.escape(str(default))}\b", _HELP[field.name]), (field.name, default)


@pytest.mark.parametrize("argv", [["--help"], ["similarity", "--help"], ["evaluate", "--help"], ["embed", "--help"]])
def test_help_imports_neither_torch_nor_transformers(argv):
    # In a fresh interpreter: `relvec --help` must stay quick, so nothing heavy may be imported to print it.
    import subprocess
    import sys

    code = (
        "import sys\nfrom relvec.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('heavy:', sorted(m for m in ('torch', 'transformers', 'sklearn', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "heavy: []"
