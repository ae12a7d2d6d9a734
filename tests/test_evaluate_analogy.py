"""Analogy scoring on hand-made questions whose answers, ties and coverage are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from relvec.data import AnalogyQuestion
from relvec.errors import RelvecError
from relvec.tasks.analogy import analogy_accuracy, analogy_scores, predict


class DictEmbedder:
    """Fixed vectors per pair; records every encode call. Unlisted pairs are 'unknown' (zero vectors)."""

    def __init__(self, table: dict[tuple[str, str], list[float]], dim: int = 2) -> None:
        self.table = {pair: np.asarray(v, dtype=np.float32) for pair, v in table.items()}
        self.dim = dim
        self.calls: list[list[tuple[str, str]]] = []

    def encode(self, pairs):
        self.calls.append(list(pairs))
        return np.stack([self.table.get(tuple(p), np.zeros(self.dim, np.float32)) for p in pairs])

    def known(self, pairs):
        return np.array([tuple(p) in self.table for p in pairs])


def q(stem, choices, answer, prefix="g"):
    return AnalogyQuestion(stem=stem, choices=tuple(choices), answer=answer, prefix=prefix)


TABLE = {
    ("a", "b"): [1.0, 0.0],
    ("c", "d"): [0.9, 0.1],  # closest to a:b
    ("e", "f"): [0.0, 1.0],
    ("g", "h"): [-1.0, 0.0],
    # reversed pairs point elsewhere, so that reverse scoring gives different answers
    ("b", "a"): [0.0, 1.0],
    ("d", "c"): [1.0, 0.0],
    ("f", "e"): [0.0, 1.0],
    ("h", "g"): [0.5, 0.5],
}
QUESTIONS = [
    q(("a", "b"), [("e", "f"), ("c", "d"), ("g", "h")], answer=1, prefix="x"),  # right (c:d)
    q(("a", "b"), [("c", "d"), ("e", "f")], answer=1, prefix="x"),  # wrong: predicts c:d
    q(("e", "f"), [("g", "h"), ("e", "f")], answer=1, prefix="y"),  # right (identical pair)
]


def test_accuracy_per_prefix_and_counts():
    result = analogy_accuracy(DictEmbedder(TABLE), QUESTIONS, direction="forward")
    assert result["accuracy"] == pytest.approx(66.67)
    assert (result["correct"], result["total"], result["ties"]) == (2, 3, 0)
    assert result["per_prefix"] == {
        "x": {"accuracy": 50.0, "correct": 1, "total": 2},
        "y": {"accuracy": 100.0, "correct": 1, "total": 1},
    }
    assert (result["distinct_pairs"], result["unembedded_pairs"], result["coverage"]) == (4, 0, 100.0)


def test_scores_are_cosines():
    scores = analogy_scores(DictEmbedder(TABLE), QUESTIONS[:1], direction="forward")[0]
    expected = [0.0, 0.9 / np.hypot(0.9, 0.1), -1.0]
    np.testing.assert_allclose(scores, expected, rtol=1e-6)


def test_every_distinct_pair_embedded_once_in_one_call():
    embedder = DictEmbedder(TABLE)
    analogy_accuracy(embedder, QUESTIONS, direction="both")
    assert len(embedder.calls) == 1
    (call,) = embedder.calls
    assert len(call) == len(set(call)) == 8  # 4 forward + 4 reversed


def test_reverse_and_both_directions():
    embedder = DictEmbedder(TABLE)
    # reverse: b:a = [0, 1]; candidates f:e = [0, 1] (index 0), d:c = [1, 0], h:g = [.5, .5]
    reverse = analogy_scores(embedder, QUESTIONS[:1], direction="reverse")[0]
    assert predict(reverse) == 0
    both = analogy_scores(embedder, QUESTIONS[:1], direction="both")[0]
    forward = analogy_scores(embedder, QUESTIONS[:1], direction="forward")[0]
    np.testing.assert_allclose(both, (forward + reverse) / 2, rtol=1e-6)


def test_both_directions_is_the_default_and_can_change_the_answer():
    # Forward, c:d (cos 0.99) beats e:f (cos 0); reversed, b:a = (0, 1) matches f:e exactly and d:c not at all.
    # Mean: c:d (0.994 + 0) / 2 = 0.497 against e:f (0 + 1) / 2 = 0.5, so both-direction scoring picks e:f.
    question = [q(("a", "b"), [("c", "d"), ("e", "f")], answer=1)]
    assert analogy_accuracy(DictEmbedder(TABLE), question, direction="forward")["accuracy"] == 0.0
    default = analogy_accuracy(DictEmbedder(TABLE), question)
    assert (default["direction"], default["accuracy"]) == ("both", 100.0)
    expected_cd = (0.9 / np.hypot(0.9, 0.1) + 0.0) / 2
    np.testing.assert_allclose(analogy_scores(DictEmbedder(TABLE), question)[0], [expected_cd, 0.5], rtol=1e-6)


def test_ties_go_to_lowest_index_every_time():
    table = {("a", "b"): [1.0, 0.0], ("c", "d"): [2.0, 0.0], ("e", "f"): [3.0, 0.0]}  # all cosine 1
    questions = [q(("a", "b"), [("c", "d"), ("e", "f")], answer=1), q(("a", "b"), [("e", "f"), ("c", "d")], answer=0)]
    for _ in range(3):
        result = analogy_accuracy(DictEmbedder(table), questions, direction="forward")
        assert (result["correct"], result["ties"]) == (1, 2)
    assert predict(np.array([0.5, 0.7, 0.7], dtype=np.float32)) == 1


def test_unknown_pairs_are_counted_and_score_zero():
    table = {("a", "b"): [1.0, 0.0], ("c", "d"): [1.0, 0.0]}
    questions = [q(("a", "b"), [("x", "y"), ("c", "d")], answer=1)]
    result = analogy_accuracy(DictEmbedder(table), questions, direction="forward")
    assert result["accuracy"] == 100.0
    assert (result["distinct_pairs"], result["unembedded_pairs"], result["coverage"]) == (3, 1, 66.67)


def test_nothing_embeddable_is_an_error_before_encoding():
    embedder = DictEmbedder({})
    with pytest.raises(RelvecError, match="cannot embed any of the 3 pairs of u2"):
        analogy_accuracy(embedder, [q(("a", "b"), [("c", "d"), ("e", "f")], 0)], name="u2", direction="forward")
    assert embedder.calls == []


@pytest.mark.parametrize(
    ("questions", "kwargs", "message"),
    [
        ([], {}, "questions must be a non-empty list"),
        ([q(("a", "b"), [("c", "d")], answer=1)], {}, r"questions\[0\].answer must be an index into its 1 choices"),
        (QUESTIONS, {"direction": "sideways"}, "direction must be one of 'forward', 'reverse', 'both'"),
    ],
)
def test_bad_input_is_refused_before_encoding(questions, kwargs, message):
    embedder = DictEmbedder(TABLE)
    with pytest.raises(RelvecError, match=message):
        analogy_accuracy(embedder, questions, **kwargs)
    assert embedder.calls == []


def test_tiny_encoder_runs_end_to_end(tiny_encoder):
    result = analogy_accuracy(tiny_encoder, QUESTIONS)
    assert result["total"] == 3 and 0 <= result["accuracy"] <= 100
    assert result["unembedded_pairs"] == 0
    # the same scores by hand, one question at a time: the mean of the forward and reversed cosines ("both")
    correct = 0
    for question, scores in zip(QUESTIONS, analogy_scores(tiny_encoder, QUESTIONS), strict=True):
        pairs = [question.stem, *question.choices]
        expected = 0
        for batch in (pairs, [(tail, head) for head, tail in pairs]):
            vectors = tiny_encoder.encode(batch)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            expected = expected + (vectors[1:] @ vectors[0]) / 2
        np.testing.assert_allclose(scores, expected, atol=1e-5)
        correct += int(np.argmax(expected)) == question.answer
    assert result["correct"] == correct
    assert result["accuracy"] == round(100 * correct / 3, 2)


@pytest.mark.integration
def test_untrained_minilm_on_a_slice_of_u2(shared_data):
    from relvec import RelationEncoder
    from relvec.data import load_analogy

    questions = load_analogy("u2", "test", data_dir=shared_data)[:24]
    encoder = RelationEncoder("all-MiniLM-L6-v2", "d", "average_no_mask", device="cpu")
    result = analogy_accuracy(encoder, questions, direction="forward")  # the hand computation below is forward
    assert result["total"] == 24
    assert sum(group["total"] for group in result["per_prefix"].values()) == 24
    # the same answers computed by hand, one question at a time
    correct = 0
    for question in questions:
        vectors = encoder.encode([question.stem, *question.choices])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        correct += int(np.argmax(vectors[1:] @ vectors[0])) == question.answer
    assert result["correct"] == correct
