"""relvec's built-in trained models: the packaged SemEval copy, and building on first use (tiny encoder)."""

from __future__ import annotations

import pytest
from safetensors.numpy import load_file

from relvec import RelationEncoder
from relvec.data import load_semeval
from relvec.embedding import builtin
from relvec.training.config import TrainConfig


def tiny_config(tiny_encoder_dir) -> TrainConfig:
    return TrainConfig.from_recipe(
        "minilm", encoder=str(tiny_encoder_dir), epochs=1, max_steps=2, static_weight=0.0, device="cpu"
    )


def test_packaged_semeval_equals_what_the_loader_builds_from_the_full_file(shared_data):
    packaged = load_semeval(builtin.PACKAGED_DATA)
    assert packaged == load_semeval(shared_data)
    assert len(packaged.train) == len(packaged.validation) == 79
    assert (builtin.PACKAGED_DATA / "semeval2012_task2" / "NOTICE.md").read_text().count("CC BY-SA 3.0") >= 1


def test_a_build_is_the_same_bits_twice(tiny_encoder_dir, tmp_path):
    config = tiny_config(tiny_encoder_dir)
    first = builtin.build(config, tmp_path / "a", progress=False)
    second = builtin.build(config, tmp_path / "b", progress=False)
    a, b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    assert not (first / "checkpoint").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temporary folder left


def test_default_encoder_is_built_once_then_loaded(tiny_encoder_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RELVEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(builtin, "builtin_config", lambda name: tiny_config(tiny_encoder_dir))
    encoder = RelationEncoder(device="cpu")
    assert encoder.source == "relvec-minilm"
    assert "building the model 'relvec-minilm' on first use" in capsys.readouterr().err

    def no_training(*args, **kwargs):
        raise AssertionError("the cached model must be loaded, not trained again")

    monkeypatch.setattr(builtin, "build", no_training)
    again = RelationEncoder("relvec-minilm", device="cpu")
    assert (again.encode([("paris", "france")]) == encoder.encode([("paris", "france")])).all()


def test_an_interrupted_build_leaves_nothing_under_the_final_name(tiny_encoder_dir, tmp_path, monkeypatch):
    import relvec.training.loop

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(relvec.training.loop, "train", crash)
    with pytest.raises(KeyboardInterrupt):
        builtin.build(tiny_config(tiny_encoder_dir), tmp_path / "model", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_encoder_name_is_the_untrained_encoder():
    from relvec.embedding.models import MINILM, resolve_source

    assert resolve_source("all-MiniLM-L6-v2")[1] == MINILM


def test_a_missing_base_encoder_is_reported_before_the_build(tmp_path, monkeypatch, capsys):
    from relvec import RelvecError

    monkeypatch.setenv("RELVEC_CACHE", str(tmp_path / "cache"))
    missing = TrainConfig.from_recipe("mpnet", encoder=str(tmp_path / "no-such-encoder"))
    monkeypatch.setattr(builtin, "builtin_config", lambda name: missing)
    with pytest.raises(RelvecError, match="no-such-encoder"):
        builtin.builtin_path("relvec-mpnet")
    assert "building" not in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()
