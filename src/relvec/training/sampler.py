"""Training steps built from several relations at once.

A step takes ``relations_per_step`` relations. Every ordered pair of distinct prototypical pairs of a
relation is an (anchor, positive) term; its negatives are the relation's least prototypical pairs (hard
negatives) and the prototypical pairs of the other relations in the step. Each distinct pair of the step
is listed once, so it is encoded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from relvec.errors import RelvecError, check_choice, check_positive_int
from relvec.pairs import Pair

#: How relations are grouped into steps: at random, or siblings of one parent category together.
GROUPINGS = ("random", "parent")


class RelationLike(Protocol):
    name: str
    positives: Sequence[Pair]
    negatives: Sequence[Pair]


@dataclass(frozen=True)
class Step:
    """One training step: the pairs to encode and the loss terms as indices into them.

    ``pairs`` (C,) distinct pairs; ``anchors`` and ``positives`` (T,) indices into ``pairs``;
    ``negatives`` (T, C) boolean, True where a pair is a negative for that term.
    """

    pairs: list[Pair]
    anchors: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray


def check_relations(relations: Sequence[RelationLike]) -> None:
    """Contrastive training needs two relations at least, each with two positives at least."""
    if len(relations) < 2:
        raise RelvecError(f"training needs at least 2 relations; got {len(relations)}")
    for relation in relations:
        if len(relation.positives) < 2:
            raise RelvecError(
                f"relation {relation.name!r} has {len(relation.positives)} positive pair(s); training needs at least 2"
            )


class RelationSampler:
    """Deterministic steps for each epoch: the relations are shuffled with ``(seed, epoch)`` and grouped.

    The same seed and epoch always give the same steps, which is what lets a resumed run continue exactly
    where an interrupted one stopped.
    """

    def __init__(
        self,
        relations: Sequence[RelationLike],
        relations_per_step: int = 8,
        seed: int = 0,
        *,
        reversed_negatives: bool = False,
        grouping: str = "random",
    ) -> None:
        check_relations(relations)
        check_positive_int("relations_per_step", relations_per_step)
        if relations_per_step < 2:
            raise RelvecError(f"relations_per_step must be at least 2; got {relations_per_step}")
        self.relations = list(relations)
        self.relations_per_step = relations_per_step
        self.seed = seed
        self.reversed_negatives = reversed_negatives
        self.grouping = check_choice("grouping", grouping, GROUPINGS)

    def steps_per_epoch(self) -> int:
        return -(-len(self.relations) // self.relations_per_step)

    def epoch(self, epoch: int) -> list[Step]:
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.relations))
        if self.grouping == "parent":
            # Relations of one parent category side by side (parents in random order), so most steps hold
            # sibling relations: each other's negatives are the hardest ones, as in the reference triplet loss.
            parents = sorted({getattr(self.relations[i], "parent", "") for i in order})
            rank = {parent: position for position, parent in enumerate(rng.permutation(parents))}
            order = sorted(order, key=lambda i: rank[getattr(self.relations[i], "parent", "")])
        groups = [order[i : i + self.relations_per_step] for i in range(0, len(order), self.relations_per_step)]
        # A lone relation at the end would see only its own hard negatives: give it company.
        if len(groups) > 1 and len(groups[-1]) == 1:
            lone = groups.pop()
            groups[-1] = np.concatenate([groups[-1], lone])
        return [build_step([self.relations[i] for i in group], self.reversed_negatives) for group in groups]


def build_step(relations: Sequence[RelationLike], reversed_negatives: bool = False) -> Step:
    """The loss terms of one step over ``relations`` (see the module docstring).

    With ``reversed_negatives``, each positive (a, b) also gives (b, a) as a hard negative of its relation:
    the direction of a relation is part of it (paris:france is not france:paris).
    """
    index: dict[Pair, int] = {}
    positive_ids = [[index.setdefault(pair, len(index)) for pair in r.positives] for r in relations]
    negative_ids = []
    for r in relations:
        hard = list(r.negatives) + ([(tail, head) for head, tail in r.positives] if reversed_negatives else [])
        negative_ids.append([index.setdefault(pair, len(index)) for pair in hard])
    anchors, positives, masks = [], [], []
    for r, own in enumerate(positive_ids):
        mask = np.zeros(len(index), dtype=bool)
        mask[negative_ids[r]] = True
        for other, ids in enumerate(positive_ids):
            if other != r:
                mask[ids] = True
        # A pair listed as a positive of this relation is never its negative, even if another relation shares it.
        mask[own] = False
        for a in own:
            for p in own:
                if a != p:
                    anchors.append(a)
                    positives.append(p)
                    masks.append(mask)
    return Step(
        pairs=list(index),
        anchors=np.array(anchors, dtype=np.int64),
        positives=np.array(positives, dtype=np.int64),
        negatives=np.array(masks, dtype=bool).reshape(len(anchors), len(index)),
    )
