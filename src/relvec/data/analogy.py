"""Multiple-choice analogy questions (SAT, U2, U4, Google, BATS, SCAN, NELL-One, T-REx, ConceptNet).

File format, one JSON object per line (blank lines ignored)::

    {"stem": ["a", "b"], "choice": [["c", "d"], ...], "answer": 0, "prefix": "group"}

``answer`` is a 0-based index into ``choice``; ``prefix`` (the relation group or source tag) may be left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.data.lines import Records, parse_json_object, read_records, require
from relvec.data.paths import split_file
from relvec.data.registry import get_spec, names_of_kind
from relvec.errors import check_choice, check_int, invalid
from relvec.pairs import Pair, check_pair

#: The analogy datasets loadable by name (``sat`` only once you supply it; see docs/datasets.md).
ANALOGY_DATASETS: tuple[str, ...] = names_of_kind("analogy")
#: RelBERT's ``sat_full``: the SAT test split followed by the valid split (374 questions).
SAT_FULL = "sat_full"
#: The splits of every analogy dataset; the first is the default (what the published numbers use).
ANALOGY_SPLITS = ("test", "valid")
_SPLIT_ALIASES = {"val": "valid", "validation": "valid"}


@dataclass(frozen=True)
class AnalogyQuestion:
    """One question: which of ``choices`` is related like ``stem``? ``answer`` indexes ``choices``."""

    stem: Pair
    choices: tuple[Pair, ...]
    answer: int
    prefix: str = ""

    @property
    def correct(self) -> Pair:
        return self.choices[self.answer]


def parse_question(text: str) -> AnalogyQuestion:
    """Parse and check one JSONL line; raises :class:`RelvecError` saying which field is wrong and how."""
    record = parse_json_object(text)
    stem = check_pair(require(record, "stem", "a [head, tail] pair"), "stem")
    raw_choices = require(record, "choice", "a list of [head, tail] pairs")
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        raise invalid("choice", raw_choices, "a list of at least two [head, tail] pairs")
    choices = tuple(check_pair(pair, f"choice[{i}]") for i, pair in enumerate(raw_choices))
    answer = require(record, "answer", "the 0-based index of the correct choice")
    check_int(
        "answer",
        answer,
        minimum=0,
        maximum=len(choices) - 1,
        expected=f"an integer index into choice, 0 to {len(choices) - 1}",
    )
    prefix = record.get("prefix", "")
    if not isinstance(prefix, str):
        raise invalid("prefix", prefix, "a string")
    return AnalogyQuestion(stem, choices, answer, prefix)


def load_analogy_file(path: str | os.PathLike[str], *, skip_bad_lines: bool = False) -> list[AnalogyQuestion]:
    """Load analogy questions from a JSONL file in the format above.

    A bad line raises :class:`RelvecError` naming the file and line. With ``skip_bad_lines=True`` bad lines
    are skipped, counted in the returned list's ``skipped`` attribute and reported with a warning.
    """
    return read_records(Path(path), parse_question, skip_bad_lines=skip_bad_lines, what="analogy question")


def normalize_split(split: Any) -> str:
    """``valid`` or ``test``; ``val`` and ``validation`` are accepted for ``valid``."""
    name = _SPLIT_ALIASES.get(split, split) if isinstance(split, str) else split
    if name not in ANALOGY_SPLITS:
        raise invalid("split", split, "'valid' or 'test' ('val' and 'validation' mean 'valid')")
    return name


def _looks_like_path(name: str) -> bool:
    return name.endswith(".jsonl") or "/" in name or os.sep in name


def load_analogy(
    name: str,
    split: str = "test",
    data_dir: str | os.PathLike[str] | None = None,
    *,
    skip_bad_lines: bool = False,
) -> list[AnalogyQuestion]:
    """Load split ``split`` (``valid`` or ``test``) of analogy dataset ``name`` from the data folder.

    ``name`` is one of :data:`ANALOGY_DATASETS`, ``"sat_full"`` (SAT test followed by valid, as RelBERT
    reports it), or the path of your own JSONL file (then ``split`` and ``data_dir`` are ignored).
    The data folder is ``data_dir``, else ``$RELVEC_DATA`` (see :func:`relvec.data.resolve_data_dir`).
    Splits that were never published (``scan`` and ``nell_one`` valid) and a missing SAT raise
    :class:`RelvecError` saying so.
    """
    if isinstance(name, os.PathLike) or (
        isinstance(name, str) and name not in ANALOGY_DATASETS and name != SAT_FULL and _looks_like_path(name)
    ):
        return load_analogy_file(name, skip_bad_lines=skip_bad_lines)
    if name == SAT_FULL:
        test = load_analogy("sat", "test", data_dir, skip_bad_lines=skip_bad_lines)
        valid = load_analogy("sat", "valid", data_dir, skip_bad_lines=skip_bad_lines)
        return Records([*test, *valid], skipped=getattr(test, "skipped", 0) + getattr(valid, "skipped", 0))
    check_choice("analogy dataset name (or a path to a .jsonl file)", name, (*ANALOGY_DATASETS, SAT_FULL))
    spec = get_spec(name, "analogy")
    return load_analogy_file(split_file(spec, normalize_split(split), data_dir), skip_bad_lines=skip_bad_lines)


def shuffle_choices(questions: list[AnalogyQuestion], seed: int = 0) -> list[AnalogyQuestion]:
    """The same questions with each choice list shuffled (``answer`` remapped), deterministically from ``seed``.

    T-REx and ConceptNet *valid* always have the answer at index 0; a scorer that breaks ties by position
    would look better than it is on them. Shuffling first removes that bias.
    """
    check_int("seed", seed)
    rng = np.random.default_rng(seed)
    shuffled = []
    for question in questions:
        order = rng.permutation(len(question.choices))
        choices = tuple(question.choices[i] for i in order)
        answer = int(np.flatnonzero(order == question.answer)[0])
        shuffled.append(AnalogyQuestion(question.stem, choices, answer, question.prefix))
    return shuffled
