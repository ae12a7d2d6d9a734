import json
import shutil

import numpy as np
import pytest
import torch

from relvec import RelationEncoder, RelvecError
from relvec.embedding import models as relvec_models
from relvec.embedding import options as options_module

PAIRS = [("paris", "france"), ("cat", "animal"), ("a", "b")]
LONG = ("a very long head phrase with many words", "an even longer tail phrase with yet more words in it")


def reference_vector(encoder, pair, pooling):
    """Pool one unpadded prompt by hand from the model's own hidden states."""
    ids = encoder.tokenizer(encoder.prompts([pair]))["input_ids"][0]
    with torch.no_grad():
        hidden = encoder.model(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
    mask_at = ids.index(encoder.tokenizer.mask_token_id)
    if pooling == "difference":
        tokens = encoder.tokenizer.convert_ids_to_tokens(ids)
        head, tail = (encoder.tokenizer.tokenize(word) for word in pair)
        # The head and tail sit right after "that" and "of" in template d.
        head_at = tokens.index("that") + 1
        tail_at = len(tokens) - 1 - len(tail)
        assert tokens[head_at : head_at + len(head)] == head and tokens[tail_at:-1] == tail
        return hidden[tail_at:-1].mean(axis=0) - hidden[head_at : head_at + len(head)].mean(axis=0)
    if pooling == "mask":
        return hidden[mask_at]
    if pooling == "cls":
        return hidden[0]
    if pooling == "average":
        return hidden.mean(axis=0)
    return np.delete(hidden, mask_at, axis=0).mean(axis=0)


@pytest.mark.parametrize("pooling", ["mask", "average", "average_no_mask", "cls", "difference"])
def test_each_pooling_matches_a_hand_pooled_unpadded_prompt(tiny_encoder_dir, pooling):
    encoder = RelationEncoder(tiny_encoder_dir, pooling=pooling, device="cpu")
    # The short pair is batched with a much longer one, so it is padded: a sum or padded mean would differ.
    vectors = encoder.encode([("cat", "animal"), LONG])
    np.testing.assert_allclose(vectors[0], reference_vector(encoder, ("cat", "animal"), pooling), atol=1e-5)
    np.testing.assert_allclose(vectors[1], reference_vector(encoder, LONG, pooling), atol=1e-5)


def test_mean_is_a_mean_whatever_the_batch(tiny_encoder):
    alone = tiny_encoder.encode([("cat", "animal")])
    with_longer = tiny_encoder.encode([LONG, ("cat", "animal"), ("x" * 30, "y " * 20)])
    np.testing.assert_allclose(with_longer[1], alone[0], atol=1e-5)


def test_output_in_input_order_and_duplicates_encoded_once(tiny_encoder, monkeypatch):
    seen = []
    forward = tiny_encoder._forward
    monkeypatch.setattr(tiny_encoder, "_forward", lambda model, batch: seen.append(len(batch)) or forward(model, batch))
    pairs = [LONG, ("cat", "animal"), LONG, ("paris", "france"), ("cat", "animal")]
    vectors = tiny_encoder.encode(pairs, batch_size=2)
    assert sum(seen) == 3  # three distinct pairs
    singles = np.stack([tiny_encoder.encode([pair])[0] for pair in pairs])
    np.testing.assert_allclose(vectors, singles, atol=1e-5)
    assert vectors.dtype == np.float32 and vectors.shape == (5, tiny_encoder.dim)


def test_batches_are_sorted_by_length_and_padded_per_batch(tiny_encoder, monkeypatch):
    widths = []
    forward = tiny_encoder._forward
    monkeypatch.setattr(
        tiny_encoder, "_forward", lambda model, batch: widths.append(max(map(len, batch.ids))) or forward(model, batch)
    )
    tiny_encoder.encode([("a", "b"), LONG, ("c", "d"), ("e", "f")], batch_size=2)
    short = len(tiny_encoder.tokenize([("a", "b")]).ids[0])
    assert widths == [len(tiny_encoder.tokenize([LONG]).ids[0]), short]


def test_a_chunked_list_gives_the_same_bits_as_its_chunks_one_by_one(tiny_encoder):
    # Pairs of many lengths, repeated across chunk borders: each chunk is deduplicated and sorted on its own,
    # so streaming a file chunk by chunk (relvec embed) reproduces one call exactly.
    words = ["cat", "paris", "a b c", "x" * 12, "dog house", "q"]
    pairs = [(words[i % 6], words[(i * 5 + 1) % 6] + " " * (i % 2)) for i in range(23)]
    encoder = tiny_encoder.with_options(chunk_size=5)
    whole = encoder.encode(pairs, batch_size=2)
    pieces = np.concatenate([encoder.encode(pairs[i : i + 5], batch_size=2) for i in range(0, 23, 5)])
    np.testing.assert_array_equal(whole, pieces)


def test_chunks_are_deduplicated_and_every_pair_is_checked_before_the_model_runs(tiny_encoder, monkeypatch):
    seen = []
    encoder = tiny_encoder.with_options(chunk_size=2)
    forward = encoder._forward
    monkeypatch.setattr(encoder, "_forward", lambda model, batch: seen.append(len(batch)) or forward(model, batch))
    encoder.encode([("a", "b")] * 4 + [("c", "d")] * 2)
    assert seen == [1, 1, 1]  # one distinct pair in each chunk
    seen.clear()
    with pytest.raises(RelvecError, match=r"pairs\[3\] must be words without the mask token"):
        encoder.encode([("a", "b"), ("c", "d"), ("e", "f"), ("[MASK]", "g")])
    assert seen == []


def test_an_error_names_the_input_position_not_the_distinct_one(tiny_encoder):
    with pytest.raises(RelvecError, match=r"pairs\[2\] must be words without the mask token"):
        tiny_encoder.encode([("a", "b"), ("a", "b"), ("[MASK]", "g")])


def test_chunk_size_and_compile_are_checked_before_loading(tiny_encoder_dir):
    with pytest.raises(RelvecError, match=r"chunk_size must be a positive integer; got 0"):
        RelationEncoder(tiny_encoder_dir, chunk_size=0)
    with pytest.raises(RelvecError, match=r"compile must be True or False; got 'yes'"):
        RelationEncoder(tiny_encoder_dir, compile="yes")


def test_normalize_gives_unit_vectors(tiny_encoder_dir):
    vectors = RelationEncoder(tiny_encoder_dir, normalize=True, device="cpu").encode(PAIRS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_words_are_stripped(tiny_encoder):
    np.testing.assert_array_equal(
        tiny_encoder.encode([(" cat ", "animal\t")]), tiny_encoder.encode([("cat", "animal")])
    )


def test_empty_input_gives_an_empty_array(tiny_encoder):
    assert tiny_encoder.encode([]).shape == (0, tiny_encoder.dim)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("cat", "")], r"pairs\[0\]\[1\] \(tail\) must be a non-empty word; got ''"),
        ([("cat", "animal"), ("  ", "x")], r"pairs\[1\]\[0\] \(head\) must be a non-empty word; got '  '"),
        ([("cat", 3)], r"pairs\[0\]\[1\] \(tail\) must be a string; got 3"),
        ([("cat", "animal", "x")], r"pairs\[0\] must be a \(head, tail\) pair of two words"),
        (["cat"], r"pairs\[0\] must be 'head:tail' \(two words joined by one colon\), e.g. 'paris:france'; got 'cat'"),
        ("cat", r"pairs must be a list of \(head, tail\) pairs or 'head:tail' strings"),
        ([("[MASK]", "x")], r"pairs\[0\] must be words without the mask token '\[MASK\]'"),
    ],
)
def test_bad_pairs_are_named(tiny_encoder, monkeypatch, pairs, message):
    monkeypatch.setattr(tiny_encoder, "_forward", lambda model, batch: pytest.fail("model ran on bad input"))
    with pytest.raises(RelvecError, match=message):
        tiny_encoder.encode(pairs)


def test_prompt_longer_than_the_limit_is_an_error_never_cut(tiny_encoder_dir):
    encoder = RelationEncoder(tiny_encoder_dir, max_length=30, device="cpu")
    with pytest.raises(RelvecError, match=r"pairs\[1\] must be a pair whose prompt fits the encoder's 30 tokens"):
        encoder.encode([("cat", "animal"), ("word " * 20, "x")])


def test_limit_defaults_to_the_encoders_position_limit(tiny_encoder):
    assert tiny_encoder.max_length == 128


@pytest.fixture
def no_model_load(monkeypatch):
    monkeypatch.setattr(relvec_models, "load_pretrained", lambda source: pytest.fail("loaded a model"))
    monkeypatch.setattr("relvec.embedding.encoder.load_pretrained", lambda source: pytest.fail("loaded a model"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"pooling": "avg"},
            "pooling must be one of 'mask', 'average', 'average_no_mask', 'cls', 'difference'; got 'avg'",
        ),
        ({"template": "z"}, "template must be one of the names a, b, c, d, e"),
        ({"template": "<subj> <obj>"}, "exactly one <mask>"),
        ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
        ({"max_length": -1}, "max_length must be a positive integer; got -1"),
    ],
)
def test_bad_options_fail_before_loading(tiny_encoder_dir, no_model_load, kwargs, message):
    with pytest.raises(RelvecError, match=message):
        RelationEncoder(tiny_encoder_dir, **kwargs)


def test_missing_folder(no_model_load, tmp_path):
    with pytest.raises(RelvecError, match="encoder must be an existing model folder"):
        RelationEncoder(str(tmp_path / "nowhere" / "model"))


def test_folder_without_config_is_not_a_model_folder(no_model_load, tmp_path):
    with pytest.raises(RelvecError, match="has no config.json: it is not a Hugging Face or relvec model folder"):
        RelationEncoder(tmp_path)


def test_corrupt_weights_are_reported(tiny_encoder_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_encoder_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(RelvecError, match=f"could not load an encoder from model folder {broken}"):
        RelationEncoder(broken)


def test_save_and_load_round_trip(tiny_encoder_dir, tmp_path):
    original = RelationEncoder(tiny_encoder_dir, template="a", pooling="mask", device="cpu")
    original.save(tmp_path / "saved")
    config = json.loads((tmp_path / "saved" / "relvec_config.json").read_text())
    assert config["format_version"] == 1 and config["pooling"] == "mask"
    reloaded = RelationEncoder(tmp_path / "saved", device="cpu")
    assert reloaded.template == original.template and reloaded.pooling == "mask"
    np.testing.assert_array_equal(reloaded.encode(PAIRS), original.encode(PAIRS))


def test_explicit_options_override_the_stored_ones(tiny_encoder_dir, tmp_path):
    RelationEncoder(tiny_encoder_dir, template="a", pooling="mask", device="cpu").save(tmp_path / "saved")
    assert RelationEncoder(tmp_path / "saved", pooling="cls", device="cpu").pooling == "cls"


def test_newer_format_version_is_refused(tiny_encoder_dir, tmp_path):
    RelationEncoder(tiny_encoder_dir, device="cpu").save(tmp_path / "saved")
    (tmp_path / "saved" / "relvec_config.json").write_text('{"format_version": 99}')
    with pytest.raises(RelvecError, match="format_version 99; this relvec reads versions up to 2"):
        RelationEncoder(tmp_path / "saved")


@pytest.mark.parametrize(
    "relbert_config",
    [
        {
            "template": "Today, I finally discovered the relation between <subj> and <obj> : <mask>",
            "aggregation_mode": "mask",
        },
        {"template_type": "c", "mode": "mask"},  # relbert < 2.0
    ],
)
def test_reference_implementation_folder(tiny_encoder_dir, tmp_path, relbert_config):
    folder = tmp_path / "relbert"
    shutil.copytree(tiny_encoder_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["relbert_config"] = relbert_config
    (folder / "config.json").write_text(json.dumps(config))
    encoder = RelationEncoder(folder, device="cpu")
    assert encoder.template.name == "c" and encoder.pooling == "mask"
    np.testing.assert_allclose(
        encoder.encode([("cat", "animal")])[0], reference_vector(encoder, ("cat", "animal"), "mask"), atol=1e-5
    )


@pytest.mark.integration
def test_embedded_minilm_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = RelationEncoder("all-MiniLM-L6-v2", device="cpu")
    assert encoder.source == "all-MiniLM-L6-v2" and encoder.dim == 384
    assert (encoder.template.name, encoder.pooling) == ("d", "average_no_mask")
    vectors = encoder.encode([("paris", "france"), ("tokyo", "japan"), ("paris", "france")])
    assert vectors.shape == (3, 384)
    # Values measured once with this encoder (template d, average_no_mask).
    np.testing.assert_allclose(vectors[0, :4], [0.006344, -0.036466, 0.086496, -0.274220], atol=1e-4)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_difference_pooling_refuses_a_word_the_tokenizer_drops(tiny_encoder_dir):
    encoder = RelationEncoder(tiny_encoder_dir, pooling="difference", device="cpu")
    with pytest.raises(RelvecError, match=r"pairs\[0\] must be words the tokenizer keeps"):
        encoder.encode([("cat", "\u200b")])  # a zero-width space: not whitespace, but no token either


@pytest.mark.filterwarnings("ignore:precision='bf16'")
def test_bf16_fast_path_stays_close_to_fp32(tiny_encoder_dir):
    exact = RelationEncoder(tiny_encoder_dir, device="cpu").encode(PAIRS)
    encoder = RelationEncoder(tiny_encoder_dir, device="cpu", precision="bf16")
    fast = encoder.encode(PAIRS)
    assert fast.dtype == np.float32
    # bf16 is really applied: the vectors differ from fp32 (a silently ignored precision would match exactly) ...
    assert not np.array_equal(fast, exact)
    cosines = (exact * fast).sum(1) / np.linalg.norm(exact, axis=1) / np.linalg.norm(fast, axis=1)
    assert cosines.min() > 0.99  # ... and stay close to it
    # forward (the training path) runs at the encoder's precision too: the linear layers give bfloat16
    seen = []
    layer = next(m for m in encoder.model.modules() if isinstance(m, torch.nn.Linear))
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    encoder.forward(encoder.tokenize(PAIRS))
    handle.remove()
    assert seen == [torch.bfloat16]


def test_unknown_precision(tiny_encoder_dir, no_model_load):
    with pytest.raises(RelvecError, match="precision must be one of 'fp32', 'bf16', 'int8', 'auto'; got 'int4'"):
        RelationEncoder(tiny_encoder_dir, precision="int4")


@pytest.mark.parametrize(
    ("device", "message"),
    [("gpu0", "device must be a torch device such as 'cpu' or 'cuda'; got 'gpu0'"), ("cuda", "torch sees no CUDA")],
)
def test_bad_device_fails_before_loading(tiny_encoder_dir, no_model_load, device, message):
    if device == "cuda" and __import__("torch").cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(RelvecError, match=message):
        RelationEncoder(tiny_encoder_dir, device=device)


def test_corrupt_relvec_config_is_reported(tiny_encoder_dir, tmp_path, no_model_load):
    shutil.copytree(tiny_encoder_dir, tmp_path / "m")
    (tmp_path / "m" / "relvec_config.json").write_text("{not json")
    with pytest.raises(RelvecError, match="relvec_config.json is not valid JSON"):
        RelationEncoder(tmp_path / "m")


@pytest.mark.skipif(not options_module._cpp_compiler(), reason="torch.compile on the CPU needs a C++ compiler")
def test_compiled_encoder_matches_the_eager_one(tiny_encoder):
    pairs = [("cat", "animal"), LONG, ("paris", "france"), ("a", "b")]
    eager = tiny_encoder.encode(pairs, batch_size=3)
    compiled = tiny_encoder.with_options(compile=True)
    np.testing.assert_allclose(compiled.encode(pairs, batch_size=3), eager, atol=1e-5)
    assert ("fp32", True) in compiled._backends


def test_compile_without_a_cpp_compiler_is_refused_before_loading(tiny_encoder_dir, monkeypatch):
    monkeypatch.setattr(options_module.shutil, "which", lambda name: None)
    with pytest.raises(RelvecError, match=r"compile must be False on this machine: .*needs a C\+\+ compiler"):
        RelationEncoder(tiny_encoder_dir, compile=True, device="cpu")


def test_options_are_kept_whole_and_changed_only_through_the_record(tiny_encoder):
    assert tiny_encoder.options.chunk_size == tiny_encoder.chunk_size == 8192
    with pytest.raises(AttributeError):
        tiny_encoder.precision = "int8"  # a setter would skip the record's checks
    copy = tiny_encoder.with_options(batch_size=3, template="c")
    assert (copy.batch_size, copy.template.name, copy.model) == (3, "c", tiny_encoder.model)
    assert (tiny_encoder.batch_size, tiny_encoder.template.name) == (64, "d")
    with pytest.raises(RelvecError, match="compile must be False with precision 'int8'"):
        tiny_encoder.with_options(precision="int8", compile=True)
    with pytest.raises(RelvecError, match="batch_size must be a positive integer"):
        tiny_encoder.with_options(batch_size=0)
    # The record as it runs rebuilds the same encoder (a Ray worker loads it so).
    assert RelationEncoder(tiny_encoder.source, options=copy.options).options == copy.options


def test_int8_on_cuda_is_refused_by_the_record_through_with_options(tiny_encoder, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # refused before any weights would move
    with pytest.raises(RelvecError, match="precision must be 'fp32', 'bf16' or 'auto' on cuda"):
        tiny_encoder.with_options(device="cuda", precision="int8")
    assert tiny_encoder.device.type == "cpu"


def test_encode_stream_gives_the_rows_of_one_encode_call_chunk_by_chunk(tiny_encoder):
    pairs = [("cat", "animal"), LONG, ("paris", "france"), ("a", "b"), ("cat", "animal")]
    encoder = tiny_encoder.with_options(chunk_size=2)
    chunks = list(encoder.encode_stream(iter(pairs)))
    assert [chunk for chunk, _ in chunks] == [pairs[0:2], pairs[2:4], pairs[4:]]
    np.testing.assert_array_equal(np.concatenate([rows for _, rows in chunks]), encoder.encode(pairs))
    with pytest.raises(RelvecError, match=r"pairs\[3\]\[0\] \(head\) must be a non-empty word"):
        list(encoder.encode_stream(pairs[:3] + [("", "x")]))
