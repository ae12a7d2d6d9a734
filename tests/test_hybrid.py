"""Hybrid relation vectors: [unit(contextual), sqrt(w) * unit(static)], on hand-made vectors."""

from __future__ import annotations

import numpy as np
import pytest

from relvec import RelationEncoder, RelvecError
from relvec.embedding.glove import GloveDifference
from relvec.embedding.hybrid import StaticOffset
from relvec.tasks.analogy import analogy_accuracy
from relvec.training.config import RECIPES, TrainConfig

WORDS = {"paris": 0, "france": 1, "tokyo": 2, "japan": 3}
VECTORS = np.array([[1.0, 0.0], [1.0, 2.0], [0.0, 1.0], [3.0, 1.0]], dtype=np.float32)


def table() -> GloveDifference:
    return GloveDifference(WORDS, VECTORS)


def cosine(a, b) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_join_makes_dot_products_cos_plus_w_cos():
    contextual = np.array([[3.0, 4.0, 0.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    pairs = [("paris", "france"), ("tokyo", "japan")]
    joined = StaticOffset(0.5, table()).join(contextual, pairs)
    assert joined.shape == (2, 5) and joined.dtype == np.float32
    # static offsets: france - paris = (0, 2); japan - tokyo = (3, 0): cosine 0
    expected = cosine(contextual[0], contextual[1]) + 0.5 * 0.0
    assert joined[0] @ joined[1] == pytest.approx(expected, abs=1e-6)
    np.testing.assert_allclose(joined[0], [0.6, 0.8, 0.0, 0.0, np.sqrt(0.5)], rtol=1e-6)


def test_unknown_words_get_a_zero_static_part_and_are_counted():
    offset = StaticOffset(1.0, table())
    joined = offset.join(np.ones((2, 2), dtype=np.float32), [("paris", "france"), ("paris", "zzz")])
    np.testing.assert_array_equal(joined[1, 2:], [0.0, 0.0])
    np.testing.assert_array_equal(offset.known([("paris", "france"), ("paris", "zzz")]), [True, False])


def test_encoder_with_a_static_part(tiny_encoder):
    plain = tiny_encoder.encode([("paris", "france"), ("tokyo", "japan"), ("paris", "zzz")])
    hybrid = RelationEncoder.from_parts(
        tiny_encoder.tokenizer, tiny_encoder.model, device="cpu", static=StaticOffset(0.25, table())
    )
    vectors = hybrid.encode([("paris", "france"), ("tokyo", "japan"), ("paris", "zzz")])
    assert hybrid.dim == 34 and vectors.shape == (3, 34) and hybrid.static_weight == 0.25
    static_cosine = cosine(np.array([0.0, 2.0]), np.array([3.0, 0.0]))
    assert vectors[0] @ vectors[1] == pytest.approx(cosine(plain[0], plain[1]) + 0.25 * static_cosine, abs=1e-5)
    questions = [_question(("paris", "france"), [("tokyo", "japan"), ("paris", "zzz")])]
    result = analogy_accuracy(hybrid, questions, direction="forward")
    assert result["static_missing_pairs"] == 1  # (paris, zzz)
    assert "static_missing_pairs" not in analogy_accuracy(tiny_encoder, questions, direction="forward")


def _question(stem, choices):
    from relvec.data import AnalogyQuestion

    return AnalogyQuestion(stem=stem, choices=tuple(choices), answer=0, prefix="")


@pytest.mark.parametrize("weight", [-0.5, True, "0.3", float("nan"), 1e300, float("inf")])
def test_a_bad_static_weight_is_refused_before_loading(tmp_path, weight):
    with pytest.raises(RelvecError, match=r"static_weight must be a number in \[0, 1000\]"):
        RelationEncoder(tmp_path / "missing-folder", static_weight=weight)
    with pytest.raises(RelvecError, match=r"static_weight must be a number in \[0, 1000\]"):
        TrainConfig(static_weight=weight).check()


def test_saved_folder_keeps_the_static_weight(tiny_encoder, tmp_path):
    tiny_encoder.save(tmp_path / "model", static_weight=0.25)
    loaded = RelationEncoder(tmp_path / "model", device="cpu")
    assert loaded.static_weight == 0.25 and loaded.dim == 32 + 50
    assert RelationEncoder(tmp_path / "model", device="cpu", static_weight=0).dim == 32


def test_recipes():
    minilm = TrainConfig.from_recipe("minilm")
    assert (minilm.adapter, minilm.lora_rank, minilm.lora_targets, minilm.lr, minilm.static_weight) == (
        "lora",
        8,
        "all",
        5e-4,
        0.1,
    )
    assert TrainConfig.from_recipe("minilm-full") == TrainConfig()
    mpnet = TrainConfig.from_recipe("mpnet", seed=2)
    assert (mpnet.encoder, mpnet.static_weight, mpnet.seed, mpnet.template) == ("all-mpnet-base-v2", 0.0, 2, "c")
    assert (mpnet.adapter, mpnet.lr) == ("lora", 5e-4)
    assert TrainConfig.from_recipe("mpnet-full").adapter is None
    paper = TrainConfig.from_recipe("paper")
    assert (paper.template, paper.pooling, paper.loss, paper.lr, paper.epochs) == (
        "d",
        "average_no_mask",
        "infonce",
        5e-6,
        10,
    )
    assert set(RECIPES) == {"minilm", "mpnet", "minilm-full", "mpnet-full", "paper"}
    with pytest.raises(RelvecError, match="recipe must be one of 'minilm', 'mpnet', 'minilm-full', .*; got 'large'"):
        TrainConfig.from_recipe("large")


def test_cli_refuses_an_unknown_recipe(tmp_path, capsys):
    from relvec.cli import main

    assert main(["train", "-o", str(tmp_path / "run"), "--recipe", "large", "-q"]) == 2
    assert "--recipe must be one of 'minilm', 'mpnet', 'minilm-full', 'mpnet-full', 'paper'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
