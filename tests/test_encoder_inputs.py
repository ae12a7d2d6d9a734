"""Inputs that would have given silent garbage or a raw torch error: unknown words, broken tokenizers."""

import shutil

import numpy as np
import pytest

from relvec import RelationEncoder, RelvecError
from relvec.cli import main


@pytest.fixture
def no_tokenizer_dir(tiny_encoder_dir, tmp_path):
    """A model folder whose tokenizer files were deleted (the weights and config.json are left)."""
    folder = tmp_path / "broken"
    shutil.copytree(tiny_encoder_dir, folder)
    for file in folder.iterdir():
        if file.name not in ("config.json", "model.safetensors"):
            file.unlink()
    return folder


def test_a_folder_without_tokenizer_files_is_refused(no_tokenizer_dir, tmp_path, capsys):
    with pytest.raises(RelvecError, match="only special tokens .* missing its tokenizer files"):
        RelationEncoder(no_tokenizer_dir, device="cpu")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("paris\tfrance\ncat\tanimal\n", encoding="utf-8")
    assert main(["embed", str(pairs), "-o", str(tmp_path / "out.npy"), "-m", str(no_tokenizer_dir), "-q"]) == 2
    assert "missing its tokenizer files" in capsys.readouterr().err
    assert not (tmp_path / "out.npy").exists()


@pytest.mark.parametrize(
    ("pairs", "word"),
    [
        ([("a" * 10000, "x"), ("b" * 10000, "x")], "aaaaaaaaaaaaaaaaaaaa...aaaaaaaaaa (10000 characters)"),
        ([("paris", "france"), ("\u2603", "snow")], "\u2603"),
        ([("natural " + "z" * 150, "thing")], "zzzzzzzzzzzzzzzzzzzz...zzzzzzzzzz (150 characters)"),
    ],
)
def test_a_word_that_is_only_the_unknown_token_is_refused(tiny_encoder, pairs, word):
    with pytest.raises(RelvecError, match="becomes only the unknown token '\\[UNK\\]'") as raised:
        tiny_encoder.encode(pairs)
    assert repr(word) in str(raised.value)


def test_a_word_that_becomes_no_token_is_refused_whatever_the_pooling(tiny_encoder):
    with pytest.raises(RelvecError, match=r"pairs\[0\] must be words the tokenizer keeps: '\\u200b' becomes no token"):
        tiny_encoder.encode([("ok", "\u200b")])  # a zero-width space: not whitespace, but no token either


def test_words_with_some_known_pieces_are_kept(tiny_encoder):
    vectors = tiny_encoder.encode([("paris-\u2603", "x"), ("paris", "france")])
    assert vectors.shape == (2, 32) and np.isfinite(vectors).all()


def test_max_length_above_the_position_limit_is_refused(tiny_encoder_dir):
    with pytest.raises(RelvecError, match="max_length must be at most the encoder's limit of 128 tokens; got 1000"):
        RelationEncoder(tiny_encoder_dir, device="cpu", max_length=1000)
