"""The embedding pipeline's stages on their own: the batch plan, padding, the options record, pooling
objects and the factory, each with exact expected values."""

from __future__ import annotations

import numpy as np
import pytest

from relvec import RelationEncoder, RelvecError
from relvec.embedding.batching import Chunk, length_sorted_batches, plan_chunks
from relvec.embedding.factory import load_embedder, vector_length
from relvec.embedding.options import EncoderOptions
from relvec.embedding.pooling import POOLINGS
from relvec.embedding.prompt import TEMPLATES, Template
from relvec.embedding.tokens import TokenizedPairs

A, B, C = ("a", "b"), ("c", "d"), ("e", "f")


def test_a_chunk_keeps_each_distinct_pair_once_in_first_seen_order():
    chunk = Chunk.of([B, A, B, C, A], start=10)
    assert chunk.pairs == [B, A, C]
    assert chunk.inverse.tolist() == [0, 1, 0, 2, 1]
    assert chunk.first == [10, 11, 13]  # input indices, for error messages
    assert (chunk.start, chunk.stop) == (10, 15)


def test_the_plan_cuts_consecutive_chunks_and_dedups_only_within_each():
    plan = plan_chunks([A, A, B, A, C], chunk_size=2)
    assert [(c.start, c.pairs) for c in plan] == [(0, [A]), (2, [B, A]), (4, [C])]
    assert [c.inverse.tolist() for c in plan] == [[0, 0], [0, 1], [0]]


def test_batches_go_longest_first_and_keep_input_order_among_equals():
    assert length_sorted_batches([3, 5, 3, 9, 1], batch_size=2) == [[3, 1], [0, 2], [4]]


def test_padding_fills_each_row_to_the_longest_prompt():
    tokens = TokenizedPairs([[7, 8, 9], [5]], [1, 0], head_positions=[[0], [0]], tail_positions=[[2], [0]])
    padded = tokens.padded(pad_id=0)
    assert padded.input_ids.tolist() == [[7, 8, 9], [5, 0, 0]]
    assert padded.attention.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert padded.mask_index.tolist() == [1, 0]
    assert padded.head.tolist() == [[1, 0, 0], [1, 0, 0]]
    assert padded.tail.tolist() == [[0, 0, 1], [1, 0, 0]]
    assert TokenizedPairs([[1]], [0]).padded(0).head is None


def test_only_the_difference_pooling_reads_word_spans():
    assert {name for name, pooling in POOLINGS.items() if pooling.needs_word_spans} == {"difference"}


def test_the_options_record_checks_every_value_on_construction():
    with pytest.raises(RelvecError, match="batch_size must be a positive integer; got 0"):
        EncoderOptions(batch_size=0)
    with pytest.raises(RelvecError, match="normalize must be True or False; got 'yes'"):
        EncoderOptions(normalize="yes")
    with pytest.raises(RelvecError, match="pooling must be one of"):
        EncoderOptions(pooling="max")
    options = EncoderOptions(template="c", batch_size=8)
    assert options.template == Template(TEMPLATES["c"])
    with pytest.raises(RelvecError, match="chunk_size must be a positive integer"):
        options.replace(chunk_size=-1)


def test_the_options_record_round_trips_through_plain_values():
    options = EncoderOptions(template="c", pooling="difference", normalize=True, batch_size=8, device="cpu")
    values = options.to_dict()
    assert values["template"] == TEMPLATES["c"] and values["device"] == "cpu"
    assert EncoderOptions(**values) == options


def test_an_encoder_takes_the_record_or_keywords_but_not_both(tiny_encoder_dir):
    options = EncoderOptions(pooling="mask", batch_size=2, device="cpu")
    by_record = RelationEncoder(tiny_encoder_dir, options=options)
    by_keywords = RelationEncoder(tiny_encoder_dir, pooling="mask", batch_size=2, device="cpu")
    pairs = [("paris", "france"), ("cat", "animal")]
    np.testing.assert_array_equal(by_record.encode(pairs), by_keywords.encode(pairs))
    assert by_record.options.pooling == "mask" and by_record.options.batch_size == 2
    with pytest.raises(RelvecError, match="either as an EncoderOptions record or as arguments"):
        RelationEncoder(tiny_encoder_dir, options=options, batch_size=4)


def test_parts_in_memory_take_the_record_too(tiny_encoder_dir):
    from transformers import AutoModel, AutoTokenizer

    tokenizer, model = AutoTokenizer.from_pretrained(tiny_encoder_dir), AutoModel.from_pretrained(tiny_encoder_dir)
    encoder = RelationEncoder.from_parts(tokenizer, model, options=EncoderOptions(batch_size=2, device="cpu"))
    assert (encoder.template.name, encoder.pooling, encoder.batch_size) == ("d", "average_no_mask", 2)


def test_the_factory_knows_the_vector_length_without_loading_weights(tiny_encoder_dir):
    options = EncoderOptions(device="cpu")
    assert vector_length(str(tiny_encoder_dir), options) == load_embedder(str(tiny_encoder_dir), options).dim == 32


def test_the_command_line_and_the_torch_free_stages_load_without_torch():
    import subprocess
    import sys

    code = (
        "import sys, relvec.cli, relvec.embedding.tokens, relvec.embedding.batching, relvec.io.pairfiles; "
        "relvec.cli.build_parser(); print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_tokenizer_whose_mask_token_is_spelled_like_the_slot_reads_every_template(tiny_encoder_dir):
    """MPNet and RoBERTa spell their mask token ``<mask>``, like the template slot: the slot is not a second
    mask, and each prompt holds the mask token once."""
    from transformers import AutoTokenizer

    from relvec.embedding.tokens import PromptTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    tokenizer.add_special_tokens({"mask_token": "<mask>"})
    for name in TEMPLATES:
        prompts = PromptTokenizer(tokenizer, Template.from_name_or_text(name), 64, words_for=None)
        tokens = prompts([("paris", "france")])
        assert list(tokens.ids[0]).count(tokenizer.mask_token_id) == 1
