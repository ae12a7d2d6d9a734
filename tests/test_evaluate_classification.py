"""Lexical relation classification: metrics against scikit-learn's own, and a grid search that really runs."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from relvec.data import LexicalSplit
from relvec.errors import RelvecError
from relvec.tasks.classification import (
    DEFAULT_GRID,
    classification_metrics,
    grid_settings,
    lexical_classification,
    pair_features,
)
from relvec.tasks.vectors import embed_pairs


class HashEmbedder:
    """A deterministic vector per pair: a label-dependent direction plus a little per-pair noise."""

    def __init__(self, direction_of: dict[tuple[str, str], int], dim: int = 8) -> None:
        self.direction_of = direction_of
        self.dim = dim
        self.calls = 0

    def encode(self, pairs):
        self.calls += 1
        out = np.zeros((len(pairs), self.dim), dtype=np.float32)
        for i, pair in enumerate(pairs):
            rng = np.random.default_rng(zlib.crc32(repr(pair).encode()))
            out[i] = 0.1 * rng.standard_normal(self.dim)
            if pair in self.direction_of:
                out[i, self.direction_of[pair]] += 3.0
        return out


def make_split(labels: list[str], start: int) -> tuple[LexicalSplit, dict]:
    pairs = tuple((f"h{start + i}", f"t{start + i}") for i in range(len(labels)))
    direction_of = {pair: ["hyper", "mero", "random"].index(label) for pair, label in zip(pairs, labels, strict=True)}
    return LexicalSplit(pairs=pairs, labels=tuple(labels)), direction_of


def separable_dataset():
    cycle = ["hyper", "mero", "random"]
    train, d1 = make_split([cycle[i % 3] for i in range(300)], 0)
    val, d2 = make_split([cycle[i % 3] for i in range(30)], 1000)
    test, d3 = make_split([cycle[i % 3] for i in range(21)], 2000)
    return train, val, test, {**d1, **d2, **d3}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    labels = ["ANT", "HYPER", "PART_OF", "RANDOM", "SYN"]
    gold = list(rng.choice(labels, 200))
    predicted = [g if rng.random() < 0.6 else str(rng.choice(labels[:4])) for g in gold]
    metrics = classification_metrics(gold, predicted)
    assert metrics["accuracy"] == pytest.approx(100 * accuracy_score(gold, predicted), abs=0.005)
    assert metrics["f1_micro"] == pytest.approx(100 * f1_score(gold, predicted, average="micro"), abs=0.005)
    assert metrics["f1_macro"] == pytest.approx(100 * f1_score(gold, predicted, average="macro"), abs=0.005)
    per_class = f1_score(gold, predicted, average=None, labels=labels)
    for label, value in zip(labels, per_class, strict=True):
        assert metrics["per_class_f1"][label] == pytest.approx(100 * value, abs=0.005)


def test_features_are_both_directions_concatenated():
    embedder = HashEmbedder({})
    vectors = embed_pairs(embedder, [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")])
    features = pair_features(vectors, [("a", "b"), ("c", "d")])
    assert features.shape == (2, 16)
    np.testing.assert_array_equal(features[0, :8], embedder.encode([("a", "b")])[0])
    np.testing.assert_array_equal(features[0, 8:], embedder.encode([("b", "a")])[0])


def test_separable_data_is_classified_perfectly_and_the_search_runs():
    train, val, test, direction_of = separable_dataset()
    embedder = HashEmbedder(direction_of)
    grid = {"hidden_layer_sizes": [(4,), (8,)], "learning_rate_init": [1e-2, 1e-3]}
    result = lexical_classification(embedder, train, val, test, grid=grid, max_iter=300)
    assert embedder.calls == 1  # train, val and test in both directions, one call
    assert result["accuracy"] == result["f1_micro"] == result["f1_macro"] == 100.0
    assert set(result["per_class_f1"]) == {"hyper", "mero", "random"}
    assert len(result["search"]) == 4
    assert [(s["hidden_layer_sizes"], s["learning_rate_init"]) for s in result["search"]] == [
        ([4], 1e-2),
        ([4], 1e-3),
        ([8], 1e-2),
        ([8], 1e-3),
    ]
    best = max(result["search"], key=lambda s: s["val_f1_micro"])
    assert result["val_f1_micro"] == best["val_f1_micro"]
    first_best = next(s for s in result["search"] if s["val_f1_micro"] == best["val_f1_micro"])
    assert result["hyperparameters"]["hidden_layer_sizes"] == first_best["hidden_layer_sizes"]
    assert (result["train"], result["val"], result["test"]) == (300, 30, 21)
    assert result["unembedded_pairs"] == 0


def test_default_grid_has_four_settings():
    assert len(grid_settings(DEFAULT_GRID)) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"val": LexicalSplit(pairs=(), labels=())}, "val must be a non-empty LexicalSplit"),
        ({"grid": {"alpha": []}}, "grid must be a mapping"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"train": LexicalSplit(pairs=(("a", "b"),), labels=("x",))}, "single label"),
    ],
)
def test_bad_input_is_refused_before_embedding(change, message):
    train, val, test, direction_of = separable_dataset()
    embedder = HashEmbedder(direction_of)
    arguments = {"train": train, "val": val, "test": test, **change}
    with pytest.raises(RelvecError, match=message):
        lexical_classification(embedder, **arguments)
    assert embedder.calls == 0
