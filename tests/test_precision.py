"""Inference precisions: int8, auto, the bf16 warning, and the errors before any model work."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import relvec.embedding.models as relvec_models
from relvec import RelationEncoder
from relvec.cli import main
from relvec.embedding import precision as precision_module
from relvec.embedding.precision import check_precision, resolve_precision
from relvec.errors import RelvecError

PAIRS = [("paris", "france"), ("cat", "animal"), ("big", "bigger"), ("a much longer head word", "t"), ("x", "y")]


@pytest.fixture
def no_model_load(monkeypatch):
    monkeypatch.setattr(relvec_models, "load_pretrained", lambda source: pytest.fail("loaded a model"))
    monkeypatch.setattr("relvec.embedding.encoder.load_pretrained", lambda source: pytest.fail("loaded a model"))


@pytest.fixture
def slow_bf16(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_int8_stays_close_to_fp32_and_leaves_the_model_in_fp32(tiny_encoder_dir):
    exact = RelationEncoder(tiny_encoder_dir, device="cpu").encode(PAIRS)
    encoder = RelationEncoder(tiny_encoder_dir, device="cpu", precision="int8")
    fast = encoder.encode(PAIRS)
    assert fast.dtype == np.float32 and fast.shape == exact.shape
    assert cosines(exact, fast).min() > 0.98
    assert not np.array_equal(exact, fast)  # it really ran in int8
    assert all(type(m) is torch.nn.Linear for m in encoder.model.modules() if "Linear" in type(m).__name__)


def test_int8_keeps_the_chunk_plan_bit_for_bit(tiny_encoder_dir):
    pairs = PAIRS * 3 + [("one", "more")]
    encoder = RelationEncoder(tiny_encoder_dir, device="cpu", precision="int8", chunk_size=4, batch_size=2)
    whole = encoder.encode(pairs)
    by_chunk = np.concatenate([encoder.encode(pairs[i : i + 4]) for i in range(0, len(pairs), 4)])
    np.testing.assert_array_equal(whole, by_chunk)


def test_int8_vector_of_a_pair_does_not_depend_on_its_batch(tiny_encoder_dir):
    # Per-token scales: beside a much longer prompt (other scales, other padding) a pair keeps its vector.
    encoder = RelationEncoder(tiny_encoder_dir, device="cpu", precision="int8")
    alone = encoder.encode(PAIRS[:1])
    beside = encoder.encode([PAIRS[0], ("a much longer head phrase here", "and a long tail phrase too")])[:1]
    np.testing.assert_allclose(alone, beside, rtol=0, atol=1e-5)


def test_int8_without_a_quantized_engine_fails_before_loading(tiny_encoder_dir, no_model_load, monkeypatch):
    monkeypatch.setattr(precision_module, "int8_engine", lambda: None)
    with pytest.raises(RelvecError, match="precision must be 'fp32', 'bf16' or 'auto' here: .*no int8 matrix product"):
        RelationEncoder(tiny_encoder_dir, precision="int8")


def test_int8_on_a_gpu_is_refused():
    with pytest.raises(RelvecError, match="precision must be 'fp32', 'bf16' or 'auto' on cuda: int8 runs on the CPU"):
        check_precision("int8", torch.device("cuda"))


def test_int8_with_compile_is_refused_before_loading(tiny_encoder_dir, no_model_load):
    with pytest.raises(RelvecError, match="compile must be False with precision 'int8'"):
        RelationEncoder(tiny_encoder_dir, precision="int8", compile=True)


@pytest.mark.parametrize(
    ("amx", "engine", "device", "expected"),
    [
        (True, "x86", "cpu", "bf16"),
        (False, "x86", "cpu", "int8"),
        (False, None, "cpu", "fp32"),
        (False, "x86", "cuda", "bf16"),
    ],
)
def test_auto_picks_what_is_fast_here(monkeypatch, amx, engine, device, expected):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(precision_module, "int8_engine", lambda: engine)
    choice = resolve_precision("auto", torch.device(device))
    assert choice.precision == expected and choice.reason
    assert resolve_precision("fp32", torch.device(device)).precision == "fp32"


def test_auto_encoder_says_what_it_picked(tiny_encoder_dir, slow_bf16):
    encoder = RelationEncoder(tiny_encoder_dir, device="cpu", precision="auto")
    assert encoder.precision == "int8"
    assert "without fast bfloat16" in encoder.precision_reason


def test_cli_auto_prints_its_choice_on_stderr(tiny_encoder_dir, tmp_path, capsys, slow_bf16):
    source = tmp_path / "pairs.tsv"
    source.write_text("paris\tfrance\n", encoding="utf-8")
    command = ["embed", str(source), "-o", str(tmp_path / "v.npy"), "-m", str(tiny_encoder_dir), "--precision", "auto"]
    assert main([*command, "--device", "cpu"]) == 0
    assert "relvec: precision auto -> int8 (" in capsys.readouterr().err


def test_cli_int8_without_engine_is_one_line_before_loading(tiny_encoder_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(precision_module, "int8_engine", lambda: None)
    monkeypatch.setattr("relvec.embedding.encoder.load_pretrained", lambda source: pytest.fail("loaded a model"))
    source = tmp_path / "pairs.tsv"
    source.write_text("paris\tfrance\n", encoding="utf-8")
    command = ["embed", str(source), "-o", str(tmp_path / "v.npy"), "-m", str(tiny_encoder_dir)]
    assert main([*command, "--precision", "int8", "--device", "cpu"]) == 2
    assert "no int8 matrix product" in capsys.readouterr().err


def test_bf16_without_fast_hardware_warns_once(tiny_encoder_dir, slow_bf16):
    with pytest.warns(UserWarning, match=r"precision='bf16' on this \w+ CPU \(no AMX or AVX-512 BF16\) is emulated"):
        RelationEncoder(tiny_encoder_dir, device="cpu", precision="bf16")


def test_bf16_with_amx_does_not_warn(tiny_encoder_dir, monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RelationEncoder(tiny_encoder_dir, device="cpu", precision="bf16")


def test_per_token_int8_linear_matches_hand_quantized_arithmetic():
    from relvec.embedding.backend import PerTokenInt8Linear

    linear = torch.nn.Linear(2, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, -0.5], [0.25, 2.0]]))
        linear.bias.copy_(torch.tensor([0.5, -1.0]))
    layer = PerTokenInt8Linear(linear)
    # Weight rows scale by max|w| / 127: row 0 -> [127, -64] (round(63.5) is 64), row 1 -> [16, 127].
    assert layer.weight_int8.T.tolist() == [[127, -64], [16, 127]]
    # One token: [1, 100] -> scale 100/127 -> [1, 127]: a batch-wide scale would have rounded 1 to 0 for all.
    x = torch.tensor([[1.0, 100.0], [3.0, -3.0]])
    out = layer(x)
    sx = torch.tensor([100 / 127, 3 / 127])
    qx = torch.tensor([[1.0, 127.0], [127.0, -127.0]])
    sw = torch.tensor([1 / 127, 2 / 127])
    qw = torch.tensor([[127.0, -64.0], [16.0, 127.0]])
    expected = (qx @ qw.T) * sx[:, None] * sw[None, :] + linear.bias
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)
    torch.testing.assert_close(out, linear(x).detach(), rtol=0.02, atol=0.05)  # within 2% of fp32
    assert layer(x.reshape(1, 2, 2)).shape == (1, 2, 2)
