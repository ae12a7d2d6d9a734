"""Shared fixtures: a tiny randomly initialised encoder (fast, for unit tests) and the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if SHARED_DATA.is_dir():
    # Loaders read the data folder from RELVEC_DATA; tests and CI use the shared copy beside the checkout.
    os.environ.setdefault("RELVEC_DATA", str(SHARED_DATA))


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain Hugging Face folder: the real MiniLM tokenizer and a 2-layer, 32-dim random BERT.

    Built once per test run; tests that change it copy it first.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from relvec.embedding.models import embedded_minilm_path

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-encoder")
    tokenizer = AutoTokenizer.from_pretrained(embedded_minilm_path(), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def tiny_encoder(tiny_encoder_dir: Path):
    """A RelationEncoder on the tiny model (template d, average_no_mask), on the CPU."""
    from relvec import RelationEncoder

    return RelationEncoder(tiny_encoder_dir, device="cpu")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (or $RELVEC_DATA); integration tests skip without it."""
    folder = Path(os.environ.get("RELVEC_DATA", SHARED_DATA))
    if not folder.is_dir():
        pytest.skip(f"shared data folder not found at {folder}")
    return folder


@pytest.fixture(autouse=True)
def no_real_builtin_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that names no model would build relvec's real default (minutes of training): fail it at once.

    Tests of the built-in models swap in a tiny encoder (tests/test_builtin.py), which passes through.
    """
    from relvec.embedding import builtin

    real_build = builtin.build

    def guarded(config, folder, **kwargs):
        if config.encoder in ("all-MiniLM-L6-v2", "all-mpnet-base-v2"):
            raise AssertionError("this test would train relvec's real built-in model; name a model explicitly")
        return real_build(config, folder, **kwargs)

    monkeypatch.setattr(builtin, "build", guarded)
