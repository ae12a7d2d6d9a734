"""Relation mapping problems (Turney 2008): align a shuffled list of target terms with the source terms.

One JSON object per line with ``id``, ``source``, ``target`` (gold order, aligned with ``source``) and
``target_random`` (the same terms shuffled: the input a solver sees). Other fields are ignored.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relvec.data.lines import parse_json_object, read_records, require
from relvec.data.paths import split_file
from relvec.data.registry import get_spec
from relvec.errors import invalid
from relvec.pairs import check_word


@dataclass(frozen=True)
class MappingProblem:
    """``target[i]`` plays the role of ``source[i]``; ``target_random`` is ``target`` shuffled."""

    id: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    target_random: tuple[str, ...]

    @property
    def gold_permutation(self) -> tuple[int, ...]:
        """For each source position, the index in ``target_random`` of its gold target term."""
        return tuple(self.target_random.index(term) for term in self.target)


def _terms(record: dict[str, Any], key: str, expected: str) -> tuple[str, ...]:
    raw = require(record, key, expected)
    if not isinstance(raw, list) or len(raw) < 2:
        raise invalid(key, raw, f"a list of at least 2 terms ({expected})")
    return tuple(check_word(f"{key}[{i}]", term) for i, term in enumerate(raw))


def _problem_parser() -> Callable[[str], MappingProblem]:
    seen: set[str] = set()

    def parse(text: str) -> MappingProblem:
        record = parse_json_object(text)
        problem_id = check_word("id", require(record, "id", "the problem's id, e.g. 'a1'"))
        if problem_id in seen:
            raise invalid("id", problem_id, "an id not used by an earlier line")
        source = _terms(record, "source", "the source terms")
        target = _terms(record, "target", "the target terms, aligned with source")
        shuffled = _terms(record, "target_random", "the target terms, shuffled")
        if len(target) != len(source):
            raise invalid("target", list(target), f"{len(source)} terms, one for each source term")
        if len(set(target)) != len(target):
            raise invalid("target", list(target), "distinct terms")
        if Counter(shuffled) != Counter(target):
            raise invalid("target_random", list(shuffled), "the target terms in another order")
        seen.add(problem_id)
        return MappingProblem(problem_id, source, target, shuffled)

    return parse


def load_mapping_file(path: str | os.PathLike[str], *, skip_bad_lines: bool = False) -> list[MappingProblem]:
    """Load relation mapping problems from a JSONL file; a bad line raises naming the file and line."""
    return read_records(Path(path), _problem_parser(), skip_bad_lines=skip_bad_lines, what="mapping problem")


def load_mapping(
    data_dir: str | os.PathLike[str] | None = None, *, skip_bad_lines: bool = False
) -> list[MappingProblem]:
    """The 20 relation mapping problems (``relation_mapping/data.jsonl`` in the data folder)."""
    path = split_file(get_spec("relation_mapping", "mapping"), "test", data_dir)
    return load_mapping_file(path, skip_bad_lines=skip_bad_lines)
