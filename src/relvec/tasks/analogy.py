"""Analogy questions: which candidate pair is related like the stem pair?

The score of a candidate is the cosine between the stem's and the candidate's relation vectors; the highest
score wins. Ties go to the lowest candidate index, every time (``np.argmax`` returns the first maximum), and
the number of tied questions is reported, because some published files put the answer first (T-REX and
ConceptNet validation) and a scorer that ties often would look better there than it is.

Directions (``direction``):
    ``forward``  cos(v(a, b), v(c, d)), the paper's scoring;
    ``reverse``  cos(v(b, a), v(d, c)), the same question with every pair reversed;
    ``both``     the mean of the two (the default). (The reference implementation multiplies them, which
                 turns two negative cosines into a high score; the mean keeps the scale of a cosine.)

``both`` is the default because it won on the validation splits for every trained model we measured
(MiniLM +0.7, mpnet +1.8 points, mean of 3 seeds; docs/training.md). Training still selects its best epoch
with ``forward`` scoring, which is what its recipes were tuned with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from relvec.cosine import unit_rows
from relvec.errors import check_choice, check_int, invalid
from relvec.pairs import Pair
from relvec.tasks.vectors import PairVectors, check_embedder, embed_pairs, percent

DIRECTIONS = ("forward", "reverse", "both")
DEFAULT_DIRECTION = "both"


def _reversed(pair: Pair) -> Pair:
    return pair[1], pair[0]


def check_questions(questions: Sequence[Any], argument: str = "questions") -> None:
    """Reject an empty list or a question whose answer is not an index into its choices."""
    if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence) or not questions:
        raise invalid(argument, questions, "a non-empty list of analogy questions")
    for i, question in enumerate(questions):
        choices = getattr(question, "choices", None)
        answer = getattr(question, "answer", None)
        if not choices or getattr(question, "stem", None) is None:
            raise invalid(f"{argument}[{i}]", question, "a question with a stem pair and at least one choice")
        check_int(
            f"{argument}[{i}].answer",
            answer,
            minimum=0,
            maximum=len(choices) - 1,
            expected=f"an index into its {len(choices)} choices",
        )


def check_direction(direction: Any) -> str:
    """``direction`` if it is one of :data:`DIRECTIONS`, else a clear error."""
    return check_choice("direction", direction, DIRECTIONS)


def needed_pairs(stem: Pair, choices: Sequence[Pair], direction: str) -> list[Pair]:
    """The pairs whose vectors score one question in ``direction``: the stem and the choices, reversed too for
    ``reverse`` and ``both``."""
    forward = [tuple(stem), *(tuple(choice) for choice in choices)]
    pairs = forward if direction in ("forward", "both") else []
    return pairs + [_reversed(pair) for pair in forward] if direction in ("reverse", "both") else pairs


def choice_scores(vectors: PairVectors, stem: Pair, choices: Sequence[Pair], direction: str) -> np.ndarray:
    """The score of each choice for the stem: float32 (len(choices),), from ``vectors``, unit vectors that
    hold at least :func:`needed_pairs` (the evaluation's, or the service's for one question)."""
    stem, choices = tuple(stem), [tuple(choice) for choice in choices]
    if direction == "forward":
        return _cosines(vectors, stem, choices)
    reverse = _cosines(vectors, _reversed(stem), [_reversed(choice) for choice in choices])
    if direction == "reverse":
        return reverse
    if direction == "both":
        return (_cosines(vectors, stem, choices) + reverse) / 2
    raise invalid("direction", direction, "one of " + ", ".join(map(repr, DIRECTIONS)))


def _cosines(unit: PairVectors, stem: Pair, choices: list[Pair]) -> np.ndarray:
    return unit[choices] @ unit[[stem]][0]


def _score(unit: PairVectors, questions: Sequence[Any], direction: str) -> list[np.ndarray]:
    return [choice_scores(unit, question.stem, question.choices, direction) for question in questions]


def _embed(embedder: Any, questions: Sequence[Any], direction: str, progress: bool, what: str) -> PairVectors:
    check_direction(direction)
    check_questions(questions)
    needed = [pair for q in questions for pair in needed_pairs(q.stem, q.choices, direction)]
    vectors = embed_pairs(embedder, needed, progress=progress, what=what)
    return PairVectors(vectors.index, unit_rows(vectors.vectors), vectors.unembedded, vectors.static_missing)


def analogy_scores(
    embedder: Any, questions: Sequence[Any], *, direction: str = DEFAULT_DIRECTION, progress: bool = False
) -> list[np.ndarray]:
    """The score of every candidate: one float32 array (len(question.choices),) per question."""
    return _score(_embed(embedder, questions, direction, progress, "the questions"), questions, direction)


def predict(scores: np.ndarray) -> int:
    """The winning candidate: the highest score, the lowest index among equal highest scores."""
    return int(np.argmax(scores))


def analogy_accuracy(
    embedder: Any,
    questions: Sequence[Any],
    *,
    direction: str = DEFAULT_DIRECTION,
    progress: bool = False,
    name: str = "the questions",
) -> dict[str, Any]:
    """Accuracy of ``embedder`` on analogy questions, overall and per ``prefix`` group.

    ``embedder`` is anything with ``encode(pairs) -> float32 (n, dim)``; every distinct pair of all questions
    is embedded in one call. ``questions`` have ``stem``, ``choices``, ``answer`` and ``prefix``
    (:class:`relvec.data.AnalogyQuestion`).

    Returns ``{"accuracy": percent, "correct", "total", "ties", "direction", "per_prefix": {prefix: {...}},
    "distinct_pairs", "unembedded_pairs", "coverage"}``; percentages are rounded to 2 decimals.
    """
    check_embedder(embedder)
    unit = _embed(embedder, questions, direction, progress, name)
    groups: dict[str, list[int]] = {}
    correct = ties = 0
    for question, scores in zip(questions, _score(unit, questions, direction), strict=True):
        hit = predict(scores) == question.answer
        ties += int(np.count_nonzero(scores == scores.max()) > 1)
        correct += hit
        group = groups.setdefault(str(getattr(question, "prefix", "") or ""), [0, 0])
        group[0] += hit
        group[1] += 1
    return {
        "accuracy": percent(correct, len(questions)),
        "correct": correct,
        "total": len(questions),
        "ties": ties,
        "direction": direction,
        "per_prefix": {
            prefix: {"accuracy": percent(hits, total), "correct": hits, "total": total}
            for prefix, (hits, total) in sorted(groups.items())
        },
        **unit.coverage(),
    }


__all__ = [
    "DEFAULT_DIRECTION",
    "DIRECTIONS",
    "analogy_accuracy",
    "analogy_scores",
    "check_direction",
    "check_questions",
    "choice_scores",
    "needed_pairs",
    "predict",
]
