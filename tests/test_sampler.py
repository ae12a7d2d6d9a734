from dataclasses import dataclass

import numpy as np
import pytest

from relvec.errors import RelvecError
from relvec.training.sampler import RelationSampler, build_step


@dataclass(frozen=True)
class Rel:
    name: str
    positives: tuple
    negatives: tuple = ()


A = Rel("A", (("a1", "x"), ("a2", "x"), ("a3", "x")), (("na", "x"),))
B = Rel("B", (("b1", "y"), ("b2", "y")), (("nb", "y"), ("nb2", "y")))
C = Rel("C", (("c1", "z"), ("c2", "z")))


def test_step_terms_and_negatives():
    step = build_step([A, B])
    pairs = step.pairs
    assert len(pairs) == len(set(pairs)) == 8  # every distinct pair once
    named = [
        (pairs[a], pairs[p], {pairs[i] for i in np.flatnonzero(m)})
        for a, p, m in zip(step.anchors, step.positives, step.negatives, strict=True)
    ]
    assert len(named) == 3 * 2 + 2 * 1  # ordered pairs of distinct positives
    for anchor, positive, negatives in named:
        assert anchor != positive
        if anchor[0].startswith("a"):
            assert positive[0].startswith("a")
            assert negatives == {("na", "x"), ("b1", "y"), ("b2", "y")}  # own hard negatives + B's positives
        else:
            assert negatives == {("nb", "y"), ("nb2", "y"), ("a1", "x"), ("a2", "x"), ("a3", "x")}


def test_a_pair_shared_by_two_relations_is_never_a_negative_of_its_own_relation():
    shared = Rel("S", (("a1", "x"), ("s", "x")))
    step = build_step([A, shared])
    for anchor, mask in zip(step.anchors, step.negatives, strict=True):
        assert not mask[anchor]


def test_epochs_are_deterministic_and_cover_every_relation():
    sampler = RelationSampler([A, B, C], relations_per_step=2, seed=3)
    first, again = sampler.epoch(0), sampler.epoch(0)
    assert [s.pairs for s in first] == [s.pairs for s in again]
    # 3 relations in steps of 2 would leave one alone: it joins the previous step.
    assert len(first) == 1 and len(first[0].pairs) == 3 + 1 + 2 + 2 + 2
    orders = {tuple(s.pairs[0] for s in RelationSampler([A, B, C, A], 2, seed=3).epoch(e)) for e in range(6)}
    assert len(orders) > 1  # epochs are shuffled differently


@pytest.mark.parametrize(
    ("relations", "kwargs", "message"),
    [
        ([A], {}, "training needs at least 2 relations; got 1"),
        ([A, Rel("D", (("d", "w"),))], {}, "relation 'D' has 1 positive pair"),
        ([A, B], {"relations_per_step": 1}, "relations_per_step must be at least 2"),
    ],
)
def test_bad_relation_sets(relations, kwargs, message):
    with pytest.raises(RelvecError, match=message):
        RelationSampler(relations, **kwargs)


def test_reversed_positives_become_hard_negatives_of_their_own_relation():
    step = build_step([A, B], reversed_negatives=True)
    a1 = step.pairs.index(("a1", "x"))
    terms = [i for i, anchor in enumerate(step.anchors) if anchor == a1]
    negatives = {step.pairs[j] for j in np.flatnonzero(step.negatives[terms[0]])}
    assert {("x", "a1"), ("x", "a2"), ("x", "a3")} <= negatives
    assert ("y", "b1") not in negatives  # B's reversed pairs are B's negatives, not A's


def test_parent_grouping_puts_sibling_relations_in_the_same_steps():
    @dataclass(frozen=True)
    class Sibling:
        name: str
        parent: str
        positives: tuple
        negatives: tuple = ()

    relations = [
        Sibling(f"{parent}{i}", parent, ((f"{parent}{i}a", "x"), (f"{parent}{i}b", "y")))
        for parent in "ABC"
        for i in range(4)
    ]
    for epoch in range(3):
        steps = RelationSampler(relations, 4, seed=epoch, grouping="parent").epoch(epoch)
        parents = [{pair[0][0] for pair in step.pairs} for step in steps]
        assert sorted(len(p) for p in parents) == [1, 1, 1] and set().union(*parents) == set("ABC")
    random_steps = RelationSampler(relations, 4, seed=0).epoch(0)
    assert [s.pairs for s in random_steps] == [s.pairs for s in RelationSampler(relations, 4, seed=0).epoch(0)]
    with pytest.raises(RelvecError, match="grouping must be one of 'random', 'parent'"):
        RelationSampler(relations, 4, grouping="category")
