"""sentence-transformers' habits on RelationEncoder: encode's keywords, "head:tail" strings, similarity and the
dimension accessors, on the tiny random encoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relvec.errors import RelvecError

PAIRS = [("paris", "france"), ("dog", "bark"), ("hot", "cold")]


def test_head_tail_strings_encode_like_pairs(tiny_encoder):
    expected = tiny_encoder.encode(PAIRS)
    mixed = tiny_encoder.encode(["paris:france", ("dog", "bark"), " hot : cold "])
    np.testing.assert_array_equal(mixed, expected)


@pytest.mark.parametrize("bad", ["paris", "a:b:c", ":france", "paris: "])
def test_a_bad_head_tail_string_names_the_argument_and_value(tiny_encoder, bad):
    with pytest.raises(RelvecError) as error:
        tiny_encoder.encode([("dog", "bark"), bad])
    assert "pairs[1]" in str(error.value)
    assert repr(bad) in str(error.value)


def test_a_bare_string_is_still_refused(tiny_encoder):
    with pytest.raises(RelvecError, match="pairs"):
        tiny_encoder.encode("paris:france")


def test_default_output_is_the_same_float32_array(tiny_encoder):
    vectors = tiny_encoder.encode(PAIRS)
    assert isinstance(vectors, np.ndarray) and vectors.dtype == np.float32 and vectors.shape == (3, 32)
    np.testing.assert_array_equal(tiny_encoder(PAIRS), vectors)


def test_batch_size_positional_and_keyword_give_the_same_rows(tiny_encoder):
    expected = tiny_encoder.encode(PAIRS)
    np.testing.assert_allclose(tiny_encoder.encode(PAIRS, 1), expected, atol=1e-6)
    np.testing.assert_allclose(tiny_encoder.encode(PAIRS, batch_size=2), expected, atol=1e-6)
    with pytest.raises(RelvecError, match="batch_size"):
        tiny_encoder.encode(PAIRS, batch_size=0)


def test_normalize_embeddings_gives_unit_rows_in_the_same_direction(tiny_encoder):
    raw = tiny_encoder.encode(PAIRS)
    unit = tiny_encoder.encode(PAIRS, normalize_embeddings=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(unit, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)  # the default is not normalised


def test_convert_to_tensor_gives_a_float32_tensor_and_wins_over_numpy(tiny_encoder):
    expected = tiny_encoder.encode(PAIRS)
    for kwargs in ({"convert_to_tensor": True}, {"convert_to_tensor": True, "convert_to_numpy": True}):
        tensor = tiny_encoder.encode(PAIRS, **kwargs)
        assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32
        assert tensor.shape == (3, 32) and tensor.device == tiny_encoder.device
        np.testing.assert_array_equal(tensor.numpy(), expected)
    unit = tiny_encoder.encode(PAIRS, convert_to_tensor=True, normalize_embeddings=True)
    np.testing.assert_allclose(unit.norm(dim=1).numpy(), 1.0, atol=1e-6)


def test_convert_to_numpy_false_gives_a_list_of_tensors(tiny_encoder):
    expected = tiny_encoder.encode(PAIRS)
    rows = tiny_encoder.encode(PAIRS, convert_to_numpy=False)
    assert isinstance(rows, list) and len(rows) == 3
    assert all(isinstance(row, torch.Tensor) and row.shape == (32,) for row in rows)
    np.testing.assert_array_equal(torch.stack(rows).numpy(), expected)


def test_show_progress_bar_draws_the_bar(tiny_encoder, capsys):
    tiny_encoder.encode(PAIRS, show_progress_bar=True)
    assert "embedding" in capsys.readouterr().err
    tiny_encoder.encode(PAIRS, show_progress_bar=False, progress=True)  # the explicit keyword wins
    assert "embedding" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "keyword", ["show_progress_bar", "convert_to_numpy", "convert_to_tensor", "normalize_embeddings"]
)
def test_the_flags_take_only_booleans(tiny_encoder, keyword):
    with pytest.raises(RelvecError, match=keyword):
        tiny_encoder.encode(PAIRS, **{keyword: "yes"})


def test_similarity_is_the_cosine_matrix_of_pairs_strings_arrays_or_tensors(tiny_encoder):
    vectors = tiny_encoder.encode(PAIRS)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = unit @ unit[:2].T
    got = tiny_encoder.similarity(PAIRS, ["paris:france", "dog:bark"])
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(tiny_encoder.similarity(vectors, torch.from_numpy(vectors[:2])), expected, atol=1e-5)
    np.testing.assert_allclose(tiny_encoder.similarity("paris:france", vectors[1]), expected[:1, 1:2], atol=1e-5)
    np.testing.assert_allclose(tiny_encoder.similarity(("hot", "cold"), vectors), unit[2:] @ unit.T, atol=1e-5)


def test_similarity_refuses_vectors_of_another_width(tiny_encoder):
    with pytest.raises(RelvecError, match="b"):
        tiny_encoder.similarity(PAIRS, np.ones((2, 5), dtype=np.float32))


def test_dimension_accessors_agree(tiny_encoder):
    assert tiny_encoder.get_sentence_embedding_dimension() == tiny_encoder.vector_size == tiny_encoder.dim == 32


def test_hybrid_vectors_have_norm_sqrt_1_plus_w_and_normalize_embeddings_makes_them_unit(tiny_encoder):
    from relvec import RelationEncoder
    from relvec.embedding.glove import GloveDifference
    from relvec.embedding.hybrid import StaticOffset

    words = GloveDifference({"paris": 0, "france": 1}, np.array([[1.0, 0.0], [1.0, 2.0]], dtype=np.float32))
    hybrid = RelationEncoder.from_parts(
        tiny_encoder.tokenizer, tiny_encoder.model, device="cpu", static=StaticOffset(0.25, words)
    )
    pairs = ["paris:france", "paris:zzz"]  # GloVe knows both words; then it lacks one
    np.testing.assert_allclose(np.linalg.norm(hybrid.encode(pairs), axis=1), [np.sqrt(1.25), 1.0], rtol=1e-5)
    unit = hybrid.encode(pairs, normalize_embeddings=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), [1.0, 1.0], rtol=1e-6)
    assert hybrid.get_sentence_embedding_dimension() == hybrid.vector_size == 34
