"""Relation sets for training: SemEval-2012 Task 2 (RelBERT's data) and user relation files.

A relation is a list of positive pairs (most prototypical first) and, optionally, negative pairs (least
prototypical first, i.e. the most clearly wrong first). Training uses most of each list; a few pairs of
each are held out as a validation split, and :meth:`RelationSet.validation_questions` turns that split into
multiple-choice analogy questions for model selection.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relvec.data.analogy import AnalogyQuestion
from relvec.data.lines import parse_json_object, read_records, require
from relvec.data.paths import split_file
from relvec.data.registry import get_spec
from relvec.errors import RelvecError, check_int, check_number, invalid
from relvec.pairs import Pair, check_pair, check_word

#: Share of a list that RelBERT's ``[::int(0.8 * len)]`` steps over; see :func:`split_validation`.
_STEP_SHARE = 0.8
#: Training needs an anchor and a positive from the same relation, so at least two positives stay in training.
_MIN_TRAIN_POSITIVES = 2


@dataclass(frozen=True)
class Relation:
    """A named relation with its example pairs."""

    name: str
    parent: str
    positives: tuple[Pair, ...]
    negatives: tuple[Pair, ...] = ()
    #: SemEval parent category id ("8" for CAUSE-PURPOSE); empty for user relations
    parent_id: str = ""


@dataclass(frozen=True)
class RelationSet:
    """Training relations and, under the same names, their held-out validation pairs."""

    train: tuple[Relation, ...]
    validation: tuple[Relation, ...]
    #: bad lines skipped while loading (only with ``skip_bad_lines=True``)
    skipped: int = 0

    def validation_questions(self, seed: int = 0, other_relations: int = 3) -> list[AnalogyQuestion]:
        """Multiple-choice analogy questions built from the validation split, for model selection.

        For each validation relation R and each ordered pair ``(p, q)`` of distinct validation positives
        of R, one question: stem ``p``, correct choice ``q``. The distractors are R's validation negatives
        plus all validation positives of ``other_relations`` other relations, drawn at random among
        relations of a different parent category (relations of R's own parent only fill up when there
        are too few others). A distractor equal to the stem, to ``q`` or to an earlier choice is dropped.
        The choice order is shuffled; ``prefix`` is R's name. Everything random comes from one
        ``numpy.random.default_rng(seed)``, so the same seed gives the same questions.
        With RelBERT's defaults (2 validation positives and 2 negatives per relation) that is two
        questions per relation with 1 + 2 + 6 = 9 choices.
        """
        check_int("seed", seed)
        check_int("other_relations", other_relations, minimum=0, expected="a non-negative integer")
        rng = np.random.default_rng(seed)
        donors = [relation for relation in self.validation if relation.positives]
        questions = []
        for relation in self.validation:
            others = [r for r in donors if r.parent != relation.parent]
            same_parent = [r for r in donors if r.parent == relation.parent and r.name != relation.name]
            for stem, correct in itertools.permutations(dict.fromkeys(relation.positives), 2):
                picked = _draw(rng, others, other_relations)
                picked += _draw(rng, same_parent, other_relations - len(picked))
                distractors = [*relation.negatives, *(pair for r in picked for pair in r.positives)]
                choices = list(dict.fromkeys(pair for pair in [correct, *distractors] if pair != stem))
                if len(choices) < 2:
                    raise RelvecError(
                        f"cannot build a validation question for relation {relation.name!r}: it has no validation "
                        "negatives and there are no other relations to draw distractors from"
                    )
                order = rng.permutation(len(choices))
                shuffled = tuple(choices[i] for i in order)
                answer = int(np.flatnonzero(order == 0)[0])
                questions.append(AnalogyQuestion(stem, shuffled, answer, relation.name))
        return questions


def _draw(rng: np.random.Generator, relations: Sequence[Relation], count: int) -> list[Relation]:
    if count <= 0 or not relations:
        return []
    picks = rng.choice(len(relations), size=min(count, len(relations)), replace=False)
    return [relations[i] for i in sorted(picks)]


def split_validation(items: Sequence[Pair], per_relation: int, keep: int = 0) -> tuple[list[Pair], list[Pair]]:
    """Split one ranked list into ``(validation, train)`` the way RelBERT does.

    RelBERT takes ``items[::int(0.8 * len(items))]`` as validation: for 10 pairs, elements 0 and 8 (the most
    prototypical one and one near the end) and the other 8 for training. In general ``v = per_relation``
    elements are taken, starting at 0, every ``int(0.8 * n / (v - 1))``-th (at least every one), which is
    RelBERT's rule for ``v = 2``. Fewer are taken when the list is short, so that ``keep`` stay in training.
    """
    n = len(items)
    count = max(0, min(per_relation, n - keep))
    step = max(1, int(_STEP_SHARE * n / (count - 1))) if count > 1 else 1
    chosen = {j * step for j in range(count)}
    validation = [items[i] for i in sorted(chosen)]
    train = [item for i, item in enumerate(items) if i not in chosen]
    return validation, train


def _split_relations(relations: Iterable[Relation], per_relation: int) -> tuple[tuple[Relation, ...], ...]:
    train, validation = [], []
    for relation in relations:
        valid_pos, train_pos = split_validation(relation.positives, per_relation, keep=_MIN_TRAIN_POSITIVES)
        valid_neg, train_neg = split_validation(relation.negatives, per_relation)
        for bucket, pos, neg in ((train, train_pos, train_neg), (validation, valid_pos, valid_neg)):
            bucket.append(Relation(relation.name, relation.parent, tuple(pos), tuple(neg), relation.parent_id))
    return tuple(train), tuple(validation)


def _check_count(argument: str, value: Any, minimum: int) -> int:
    return check_int(argument, value, minimum=minimum)


def _check_score(argument: str, value: Any) -> float:
    return check_number(argument, value, expected="a number (SemEval scores run from -100 to 100)")


# --- SemEval-2012 Task 2 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rated:
    name: str
    parent: str
    parent_id: str
    ratings: tuple[tuple[Pair, float], ...]


def _parse_rated(text: str) -> _Rated:
    record = parse_json_object(text)
    name = check_word("relation_id", require(record, "relation_id", "a subcategory id such as '8d'"))
    parent = check_word("parent_name", require(record, "parent_name", "a parent category name"))
    parent_id = require(record, "parent_id", "a parent category number")
    if not isinstance(parent_id, str):
        check_int("parent_id", parent_id, expected="a parent category number")
    raw = require(record, "gold_ratings", "a list of [head, tail, score]")
    if not isinstance(raw, list):
        raise invalid("gold_ratings", raw, "a list of [head, tail, score]")
    ratings = []
    for i, item in enumerate(raw):
        if not isinstance(item, list) or len(item) != 3:
            raise invalid(f"gold_ratings[{i}]", item, "[head, tail, score]")
        ratings.append((check_pair(item[:2], f"gold_ratings[{i}]"), _check_score(f"gold_ratings[{i}][2]", item[2])))
    return _Rated(name, parent, str(parent_id), tuple(ratings))


def _exclusions(rated: Sequence[_Rated], exclude: Iterable[str]) -> set[str]:
    """Relation names matched by ``exclude`` (relation ids, parent names or parent ids, any case)."""
    if isinstance(exclude, str):  # one name, not its characters
        exclude = [exclude]
    excluded = set()
    for item in exclude:
        key = item.strip().lower() if isinstance(item, str) else item
        matched = {r.name for r in rated if key in (r.name.lower(), r.parent.lower(), r.parent_id)}
        if not matched:
            parents = sorted({f"{r.parent_id} {r.parent}" for r in rated}, key=lambda p: int(p.split()[0]))
            raise invalid(
                "exclude",
                item,
                "a SemEval relation id (1a ... 10f), a parent category name or id (" + ", ".join(parents) + ")",
            )
        excluded |= matched
    return excluded


def load_semeval(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    top: int = 10,
    bottom: int = 10,
    min_positive_score: float = 0,
    max_negative_score: float = 0,
    validation_per_relation: int = 2,
    exclude: Iterable[str] = (),
    skip_bad_lines: bool = False,
) -> RelationSet:
    """SemEval-2012 Task 2 as RelBERT trains on it: 79 relations, each with positives and negatives.

    For each subcategory (``8d``, ...), with ratings sorted by score (ties keep the file's order):
    positives are the ``top`` highest-scoring pairs with score > ``min_positive_score``, negatives the
    ``bottom`` lowest-scoring pairs with score < ``max_negative_score`` (least prototypical first).
    Validation is RelBERT's ``[::int(0.8 * len)]`` of each list (2 of 10; see :func:`split_validation`),
    training the rest. ``exclude`` drops relations by id (``"8d"``), parent name (``"CAUSE-PURPOSE"``) or
    parent id (``"8"``), e.g. to hold a category out; an unknown name is an error.
    Reads ``semeval2012_task2/gold_ratings.jsonl`` in the data folder (the Gold ratings; RelBERT used the
    unpublished Platinum ratings, which agree closely).
    """
    top = _check_count("top", top, 1)
    bottom = _check_count("bottom", bottom, 0)
    per_relation = _check_count("validation_per_relation", validation_per_relation, 0)
    low = _check_score("min_positive_score", min_positive_score)
    high = _check_score("max_negative_score", max_negative_score)
    path = split_file(get_spec("semeval2012"), "train", data_dir)
    rated = read_records(path, _parse_rated, skip_bad_lines=skip_bad_lines, what="SemEval relation")
    excluded = _exclusions(rated, exclude)
    relations = []
    for relation in rated:
        if relation.name in excluded:
            continue
        # Stable sorts: tied scores keep the file's order in both lists.
        descending = sorted(relation.ratings, key=lambda rating: -rating[1])
        ascending = sorted(relation.ratings, key=lambda rating: rating[1])
        positives = tuple(pair for pair, score in descending if score > low)[:top]
        negatives = tuple(pair for pair, score in ascending if score < high)[:bottom]
        if len(positives) < 2:
            raise RelvecError(
                f"{path}: relation {relation.name} has {len(positives)} pair(s) with score > {low:g}; "
                "at least 2 positives are needed, so lower min_positive_score"
            )
        relations.append(Relation(relation.name, relation.parent, positives, negatives, relation.parent_id))
    train, validation = _split_relations(relations, per_relation)
    return RelationSet(train, validation, skipped=rated.skipped)


# --- user relation files -------------------------------------------------------------------------------------


def _pairs(record: dict[str, Any], key: str, minimum: int) -> tuple[Pair, ...]:
    raw = record.get(key, [])
    if not isinstance(raw, list) or len(raw) < minimum:
        raise invalid(key, raw, f"a list of at least {minimum} [head, tail] pairs")
    pairs = tuple(check_pair(pair, f"{key}[{i}]") for i, pair in enumerate(raw))
    repeated = [pair for pair, count in Counter(pairs).items() if count > 1]
    if repeated:
        raise invalid(key, [list(pair) for pair in repeated], "pairs that each appear once")
    return pairs


def _relation_parser() -> Callable[[str], Relation]:
    seen: set[str] = set()

    def parse(text: str) -> Relation:
        record = parse_json_object(text)
        name = check_word("relation", require(record, "relation", "the relation's name"))
        if name in seen:
            raise invalid("relation", name, "a name not used by an earlier line")
        require(record, "positives", "a list of at least 2 [head, tail] pairs, most prototypical first")
        positives = _pairs(record, "positives", 2)
        negatives = _pairs(record, "negatives", 0)
        both = sorted(set(positives) & set(negatives))
        if both:
            raise invalid("negatives", [list(pair) for pair in both], "pairs that are not also positives")
        parent = check_word("parent", record["parent"]) if "parent" in record else name
        seen.add(name)
        return Relation(name, parent, positives, negatives)

    return parse


def load_relation_file(
    path: str | os.PathLike[str],
    *,
    validation_per_relation: int = 2,
    skip_bad_lines: bool = False,
) -> RelationSet:
    """Load your own relations from a JSONL file, one relation per line::

        {"relation": "capital-of", "positives": [["paris", "france"], ...], "negatives": [...], "parent": "geo"}

    ``positives`` (at least 2, most prototypical first) are required; ``negatives`` (least prototypical
    first) and ``parent`` (a category; relations of other categories are preferred as distractors in
    :meth:`RelationSet.validation_questions`; default: the relation's own name) are optional.
    Validation pairs are taken as for SemEval (:func:`split_validation`), but at least two positives of
    each relation always stay in training. A bad line raises :class:`RelvecError` naming file and line.
    """
    per_relation = _check_count("validation_per_relation", validation_per_relation, 0)
    relations = read_records(Path(path), _relation_parser(), skip_bad_lines=skip_bad_lines, what="relation")
    train, validation = _split_relations(relations, per_relation)
    return RelationSet(train, validation, skipped=relations.skipped)
