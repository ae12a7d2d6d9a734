"""Relation mapping (Turney 2008): align the target terms with the source terms by relational similarity.

For source terms ``s_1..s_n`` and (shuffled) target terms ``t_1..t_n``, a mapping is a permutation ``p``
(source ``i`` -> target ``p(i)``), scored as

    score(p) = sum over ordered source pairs i != j of cos(v(s_i, s_j), v(t_p(i), t_p(j)))

the pairwise formulation of RelBERT's reference experiment (which ranks all permutations by the mean of the
same cosines). Search is exact (every permutation, vectorised) up to ``exact_max_terms`` terms and a beam
search over partial assignments beyond; ties go to the permutation found first (lexicographic order of
target indices in the exact search, insertion order in the beam).

Accuracy is per term (the share of source terms mapped to their gold target, over all problems; this is what
the reference reports per problem and averages) and per problem (all terms right).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from relvec.cosine import unit_rows
from relvec.errors import RelvecError, check_positive_int, invalid
from relvec.pairs import Pair
from relvec.tasks.vectors import PairVectors, embed_pairs, percent

EXACT_MAX_TERMS = 8
BEAM_WIDTH = 512


def ordered_pairs(terms: Sequence[str]) -> list[Pair]:
    """Every ordered pair of distinct positions: (terms[i], terms[j]) for i != j, row by row."""
    return [(terms[i], terms[j]) for i, j in itertools.permutations(range(len(terms)), 2)]


def similarity_tensor(source_vectors: np.ndarray, target_vectors: np.ndarray) -> np.ndarray:
    """``S[i, j, a, b] = cos(v(s_i, s_j), v(t_a, t_b))``: float64 (n, n, n, n), zero where i == j or a == b.

    ``source_vectors`` and ``target_vectors`` are (n, n, dim) unit vectors of the ordered pairs (rows i == j
    are ignored).
    """
    n = len(source_vectors)
    sim = np.einsum("ijd,abd->ijab", source_vectors.astype(np.float64), target_vectors.astype(np.float64))
    diagonal = np.eye(n, dtype=bool)
    sim[diagonal] = 0.0
    sim[:, :, diagonal] = 0.0
    return sim


def permutation_score(sim: np.ndarray, permutation: Sequence[int]) -> float:
    """score(p) for one permutation (a sequence of target indices, one per source term)."""
    p = np.asarray(permutation)
    n = len(p)
    return float(sum(sim[i, j, p[i], p[j]] for i in range(n) for j in range(n) if i != j))


def exact_search(sim: np.ndarray) -> tuple[int, ...]:
    """The best permutation among all n!, scored with one vectorised gather per source pair."""
    n = sim.shape[0]
    permutations = np.array(list(itertools.permutations(range(n))), dtype=np.intp).reshape(-1, n)
    scores = np.zeros(len(permutations))
    for i, j in itertools.permutations(range(n), 2):
        scores += sim[i, j, permutations[:, i], permutations[:, j]]
    return tuple(int(t) for t in permutations[int(np.argmax(scores))])


def beam_search(sim: np.ndarray, width: int = BEAM_WIDTH) -> tuple[int, ...]:
    """Assign source terms one at a time, keeping the ``width`` best partial mappings.

    A partial mapping's score counts the pairs among the sources assigned so far, so it grows to score(p).
    With ``width`` at least the number of partial mappings (n! / (n-k)! at step k) this is exhaustive.
    """
    n = sim.shape[0]
    beam: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    for source in range(n):
        grown = []
        for score, assigned in beam:
            for target in range(n):
                if target in assigned:
                    continue
                gain = sum(sim[k, source, t, target] + sim[source, k, target, t] for k, t in enumerate(assigned))
                grown.append((score + float(gain), (*assigned, target)))
        # Stable sort: among equal scores the earlier-grown mapping stays ahead, so ties resolve the same way.
        grown.sort(key=lambda entry: -entry[0])
        beam = grown[:width]
    return beam[0][1]


def best_permutation(
    sim: np.ndarray, *, exact_max_terms: int = EXACT_MAX_TERMS, beam_width: int = BEAM_WIDTH
) -> tuple[tuple[int, ...], str]:
    """The best permutation and the search that found it (``"exact"`` or ``"beam"``)."""
    if sim.shape[0] <= exact_max_terms:
        return exact_search(sim), "exact"
    return beam_search(sim, beam_width), "beam"


def _check_problems(problems: Sequence[Any]) -> None:
    if isinstance(problems, (str, bytes)) or not isinstance(problems, Sequence) or not problems:
        raise invalid("problems", problems, "a non-empty list of relation mapping problems")
    for i, problem in enumerate(problems):
        source, target, shuffled = problem.source, problem.target, problem.target_random
        if len(source) < 2 or len(target) != len(source) or sorted(shuffled) != sorted(target):
            raise invalid(
                f"problems[{i}]",
                getattr(problem, "id", i),
                "a problem with two or more source terms, as many gold targets, and target_random a shuffle of them",
            )


def mapping_accuracy(
    embedder: Any,
    problems: Sequence[Any],
    *,
    exact_max_terms: int = EXACT_MAX_TERMS,
    beam_width: int = BEAM_WIDTH,
    progress: bool = False,
    name: str = "relation_mapping",
) -> dict[str, Any]:
    """Solve every problem and score the mappings found against the gold ``target`` order.

    ``problems`` have ``id``, ``source``, ``target`` (gold, aligned with source) and ``target_random``
    (:class:`relvec.data.MappingProblem`). The ordered pairs of all problems are embedded in one call.

    Returns ``{"accuracy": percent of terms, "problem_accuracy": percent of problems solved entirely,
    "mean_problem_accuracy": mean per-problem term accuracy, "correct_terms", "total_terms", "solved",
    "problems", "per_problem": {id: {...}}, coverage counts}``.
    """
    _check_problems(problems)
    check_positive_int("exact_max_terms", exact_max_terms)
    check_positive_int("beam_width", beam_width)
    needed = [pair for p in problems for terms in (p.source, p.target_random) for pair in ordered_pairs(terms)]
    vectors = embed_pairs(embedder, needed, progress=progress, what=name)
    unit = PairVectors(vectors.index, unit_rows(vectors.vectors), vectors.unembedded)
    per_problem: dict[str, Any] = {}
    for problem in problems:
        key = str(problem.id)
        if key in per_problem:
            raise RelvecError(f"relation mapping problem id {key!r} appears twice")
        per_problem[key] = _solve(unit, problem, exact_max_terms, beam_width)
    correct_terms = sum(entry["correct"] for entry in per_problem.values())
    total_terms = sum(entry["terms"] for entry in per_problem.values())
    solved = sum(entry["correct"] == entry["terms"] for entry in per_problem.values())
    shares = [entry["correct"] / entry["terms"] for entry in per_problem.values()]
    return {
        "accuracy": percent(correct_terms, total_terms),
        "problem_accuracy": percent(solved, len(problems)),
        "mean_problem_accuracy": percent(sum(shares), len(shares)),
        "correct_terms": correct_terms,
        "total_terms": total_terms,
        "solved": solved,
        "problems": len(problems),
        "per_problem": per_problem,
        **vectors.coverage(),
    }


def _pair_grid(unit: PairVectors, terms: Sequence[str]) -> np.ndarray:
    """The unit vectors of the ordered pairs of ``terms``: float32 (n, n, dim), zero where i == j."""
    n = len(terms)
    grid = np.zeros((n, n, unit.vectors.shape[1]), dtype=np.float32)
    for (i, j), pair in zip(itertools.permutations(range(n), 2), ordered_pairs(terms), strict=True):
        grid[i, j] = unit.vectors[unit.index[pair]]
    return grid


def _solve(unit: PairVectors, problem: Any, exact_max_terms: int, beam_width: int) -> dict[str, Any]:
    """One problem's best mapping, scored against its gold targets."""
    sim = similarity_tensor(_pair_grid(unit, problem.source), _pair_grid(unit, problem.target_random))
    permutation, search = best_permutation(sim, exact_max_terms=exact_max_terms, beam_width=beam_width)
    predicted = [problem.target_random[t] for t in permutation]
    hits = sum(p == g for p, g in zip(predicted, problem.target, strict=True))
    return {
        "accuracy": percent(hits, len(predicted)),
        "correct": hits,
        "terms": len(predicted),
        "search": search,
        "predicted": predicted,
    }


__all__ = [
    "BEAM_WIDTH",
    "EXACT_MAX_TERMS",
    "beam_search",
    "best_permutation",
    "exact_search",
    "mapping_accuracy",
    "ordered_pairs",
    "permutation_score",
    "similarity_tensor",
]
