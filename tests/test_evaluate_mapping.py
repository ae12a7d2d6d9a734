"""Relation mapping: the searches against brute force, and accuracy on problems with a planted answer."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from relvec.data import MappingProblem
from relvec.errors import RelvecError
from relvec.tasks.mapping import (
    beam_search,
    best_permutation,
    exact_search,
    mapping_accuracy,
    ordered_pairs,
    permutation_score,
    similarity_tensor,
)


def random_sim(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    unit = rng.standard_normal((2, n, n, 6))
    unit /= np.linalg.norm(unit, axis=-1, keepdims=True)
    return similarity_tensor(unit[0], unit[1])


def brute_force(sim: np.ndarray) -> tuple[int, ...]:
    """Every permutation scored one by one with the plain definition; the first best wins."""
    n = sim.shape[0]
    best, best_score = None, -np.inf
    for permutation in itertools.permutations(range(n)):
        score = sum(sim[i, j, permutation[i], permutation[j]] for i in range(n) for j in range(n) if i != j)
        if score > best_score + 1e-12:
            best, best_score = permutation, score
    return best


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [3, 5, 6])
def test_exact_search_equals_brute_force(n, seed):
    sim = random_sim(n, seed)
    assert exact_search(sim) == brute_force(sim)


@pytest.mark.parametrize("seed", range(5))
def test_beam_wide_enough_is_exhaustive(seed):
    sim = random_sim(6, seed)
    assert beam_search(sim, width=720) == brute_force(sim)


@pytest.mark.parametrize("seed", range(3))
def test_beam_finds_a_planted_mapping_of_ten_terms(seed):
    # Target pair (p(i), p(j)) carries the same vector as source pair (i, j), so p is the unique best mapping.
    n, rng = 10, np.random.default_rng(seed)
    source = rng.standard_normal((n, n, 16))
    source /= np.linalg.norm(source, axis=-1, keepdims=True)
    planted = rng.permutation(n)
    target = np.zeros_like(source)
    for i, j in itertools.product(range(n), repeat=2):
        target[planted[i], planted[j]] = source[i, j]
    permutation, search = best_permutation(similarity_tensor(source, target), beam_width=64)
    assert search == "beam" and permutation == tuple(planted)


def test_similarity_tensor_and_score():
    sim = random_sim(4, 0)
    assert sim.shape == (4, 4, 4, 4)
    assert np.all(sim[np.arange(4), np.arange(4)] == 0) and np.all(sim[:, :, np.arange(4), np.arange(4)] == 0)
    identity = permutation_score(sim, range(4))
    assert identity == pytest.approx(sum(sim[i, j, i, j] for i in range(4) for j in range(4) if i != j))


class AnalogyWorld:
    """Relation vectors for terms that live on a few 'roles': pairs of the same roles share a vector."""

    def __init__(self, role: dict[str, int], dim: int = 32) -> None:
        self.role = role
        rng = np.random.default_rng(0)
        self.vectors = rng.standard_normal((len(set(role.values())),) * 2 + (dim,)).astype(np.float32)
        self.calls = 0

    def encode(self, pairs):
        self.calls += 1
        return np.stack([self.vectors[self.role[h], self.role[t]] for h, t in pairs])


def test_mapping_accuracy_on_planted_problems():
    source = ("solar system", "sun", "planet", "gravity")
    target = ("atom", "nucleus", "electron", "electromagnetism")
    role = {term: i for i, term in enumerate(source)} | {term: i for i, term in enumerate(target)}
    problems = [
        MappingProblem(
            id="a1", source=source, target=target, target_random=(target[2], target[0], target[3], target[1])
        ),
        MappingProblem(id="a2", source=source[:3], target=target[:3], target_random=(target[1], target[2], target[0])),
    ]
    world = AnalogyWorld(role)
    result = mapping_accuracy(world, problems)
    assert world.calls == 1
    assert result["accuracy"] == 100.0 and result["problem_accuracy"] == 100.0
    assert (result["correct_terms"], result["total_terms"], result["solved"]) == (7, 7, 2)
    assert result["per_problem"]["a1"]["predicted"] == list(target)
    assert result["per_problem"]["a1"]["search"] == "exact"


def test_per_term_and_per_problem_accuracy_when_two_targets_swap():
    # Two target terms with identical roles cannot be told apart; the tie goes to the first permutation.
    source = ("a", "b", "c")
    target = ("x", "y", "z")
    role = {"a": 0, "b": 1, "c": 2, "x": 0, "y": 1, "z": 1}
    problems = [MappingProblem(id="p", source=source, target=target, target_random=("z", "y", "x"))]
    result = mapping_accuracy(AnalogyWorld(role), problems)
    # target_random indices: z=0, y=1, x=2; both (2, 0, 1) and (2, 1, 0) tie; the lexicographically first wins.
    assert result["per_problem"]["p"]["predicted"] == ["x", "z", "y"]
    assert (result["correct_terms"], result["solved"]) == (1, 0)
    assert result["accuracy"] == pytest.approx(33.33)


def test_ordered_pairs():
    assert ordered_pairs(["a", "b", "c"]) == [("a", "b"), ("a", "c"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "b")]


def test_a_problem_whose_targets_are_not_a_shuffle_is_refused():
    problems = [MappingProblem(id="bad", source=("a", "b"), target=("x", "y"), target_random=("x", "q"))]
    with pytest.raises(RelvecError, match=r"problems\[0\] must be a problem"):
        mapping_accuracy(AnalogyWorld({"a": 0, "b": 1, "x": 0, "y": 1, "q": 1}), problems)
