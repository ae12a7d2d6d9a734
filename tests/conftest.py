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


def make_delta_folder(folder: Path, base: Path, *, seed: int = 0, static_weight: float = 0.0) -> Path:
    """A delta folder over the tiny encoder: rank-2 factors on every attention query, template c, difference."""
    import torch
    from transformers import AutoModel

    from relvec.embedding.models import save_delta_folder
    from relvec.embedding.prompt import Template

    generator = torch.Generator().manual_seed(seed)
    model = AutoModel.from_pretrained(base)
    factors = {}
    for name, parameter in model.named_parameters():
        if name.endswith("attention.self.query.weight"):
            out_features, in_features = parameter.shape
            factors[name + ".lora_A"] = torch.randn(2, in_features, generator=generator) * 0.3
            factors[name + ".lora_B"] = torch.randn(out_features, 2, generator=generator) * 0.3
    settings = {"template": Template.from_name_or_text("c").text, "pooling": "difference"}
    if static_weight:
        settings["static_weight"] = static_weight
    return save_delta_folder(folder, str(base), factors, settings)


@pytest.fixture
def tiny_builtins(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """relvec-minilm and relvec-mpnet as tiny delta folders over the tiny encoder, in place of the shipped ones.

    The mpnet parts count as installed; a test that wants them missing patches ``mpnet_installed``.
    """
    from relvec.embedding import builtin

    root = tmp_path_factory.mktemp("models")
    for seed, name in enumerate(builtin.BUILTINS):
        make_delta_folder(root / name, tiny_encoder_dir, seed=seed)
    monkeypatch.setattr(builtin, "MODELS_DIR", root)
    monkeypatch.setattr(builtin, "mpnet_installed", lambda: True)
    monkeypatch.setattr(builtin, "_announced", [])
    return root
