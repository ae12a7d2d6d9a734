"""relvec's built-in models: shipped delta folders, loaded without training; the default; the packaged SemEval."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import AutoModel

from relvec import RelationEncoder, RelvecError
from relvec.data import load_semeval
from relvec.data.paths import PACKAGED_DATA
from relvec.embedding import builtin
from relvec.embedding.models import RELVEC_CONFIG, resolve_source

PAIRS = [("paris", "france"), ("dog", "bark"), ("hot", "cold")]


def test_packaged_semeval_equals_what_the_loader_builds_from_the_full_file(shared_data):
    packaged = load_semeval(PACKAGED_DATA)
    assert packaged == load_semeval(shared_data)
    assert len(packaged.train) == len(packaged.validation) == 79
    assert (PACKAGED_DATA / "semeval2012_task2" / "NOTICE.md").read_text().count("CC BY-SA 3.0") >= 1


def test_a_delta_folder_is_its_base_plus_the_low_rank_product(tiny_builtins, tiny_encoder_dir):
    folder = tiny_builtins / "relvec-minilm"
    encoder = RelationEncoder(folder, device="cpu")
    base = AutoModel.from_pretrained(tiny_encoder_dir)
    config = json.loads((folder / RELVEC_CONFIG).read_text())
    from safetensors.torch import load_file

    factors = load_file(folder / config["delta"]["file"])
    changed = 0
    for name, weight in encoder.model.named_parameters():
        expected = base.get_parameter(name).detach()
        if name + ".lora_A" in factors:
            expected = (
                expected.double() + factors[name + ".lora_B"].double() @ factors[name + ".lora_A"].double()
            ).float()
            changed += 1
        assert torch.equal(weight.detach(), expected), name
    assert changed == 2  # the tiny encoder's two layers
    assert (encoder.template.name, encoder.pooling) == ("c", "difference")


def test_built_in_names_load_the_shipped_folders_without_training(tiny_builtins):
    minilm = RelationEncoder("relvec-minilm", device="cpu")
    mpnet = RelationEncoder("relvec-mpnet", device="cpu")
    assert (minilm.source, mpnet.source) == ("relvec-minilm", "relvec-mpnet")
    assert not np.allclose(minilm.encode(PAIRS), mpnet.encode(PAIRS))
    again = RelationEncoder("relvec-minilm", device="cpu")
    assert np.array_equal(again.encode(PAIRS), minilm.encode(PAIRS))


def test_the_default_is_mpnet_where_its_parts_are_installed_and_says_so_once(tiny_builtins, capsys):
    first = RelationEncoder(device="cpu")
    second = RelationEncoder(device="cpu")
    assert first.source == second.source == "relvec-mpnet"
    err = capsys.readouterr().err
    assert err.count("relvec: model relvec-mpnet (the default on this machine)") == 1
    assert "-m relvec-minilm" in err


def test_the_default_is_minilm_without_the_mpnet_parts(tiny_builtins, monkeypatch, capsys):
    monkeypatch.setattr(builtin, "mpnet_installed", lambda: False)
    assert RelationEncoder(device="cpu").source == "relvec-minilm"
    assert RelationEncoder("default", device="cpu").source == "relvec-minilm"
    err = capsys.readouterr().err
    assert "model relvec-minilm (the default on this machine)" in err
    assert builtin.MPNET_INSTALL in err
    with pytest.raises(RelvecError, match="relvec-mpnet' needs its base encoder all-mpnet-base-v2; run: pip install"):
        RelationEncoder("relvec-mpnet")


def test_a_missing_shipped_model_says_how_to_repair_the_install(tiny_builtins):
    (tiny_builtins / "relvec-minilm" / RELVEC_CONFIG).unlink()
    with pytest.raises(RelvecError, match="reinstall it"):
        RelationEncoder("relvec-minilm")


def test_a_corrupt_delta_is_refused_naming_the_file(tiny_builtins):
    delta = tiny_builtins / "relvec-minilm" / "delta.safetensors"
    data = bytearray(delta.read_bytes())
    data[-1] ^= 1
    delta.write_bytes(bytes(data))
    with pytest.raises(RelvecError, match=r"delta.safetensors has sha256 .* corrupt or was changed; reinstall"):
        RelationEncoder("relvec-minilm")
    delta.unlink()
    with pytest.raises(RelvecError, match="delta file delta.safetensors is missing"):
        RelationEncoder("relvec-minilm")


def test_a_base_encoder_with_other_bytes_is_refused(tiny_builtins, tiny_encoder_dir, tmp_path):
    import shutil

    from conftest import make_delta_folder

    base = tmp_path / "base"
    shutil.copytree(tiny_encoder_dir, base)
    folder = make_delta_folder(tmp_path / "delta", base)
    model = AutoModel.from_pretrained(base)
    with torch.no_grad():
        next(model.parameters()).add_(1e-3)
    model.save_pretrained(base)
    with pytest.raises(RelvecError, match="has weights with sha256 .* refusing a mismatched model"):
        RelationEncoder(folder)


def test_a_delta_that_does_not_fit_its_base_is_refused(tiny_encoder_dir, tmp_path):
    from relvec.embedding.models import save_delta_folder

    name = "encoder.layer.0.attention.self.query.weight"
    for factors, message in [
        ({"no.such.weight.lora_A": torch.ones(2, 32), "no.such.weight.lora_B": torch.ones(32, 2)}, "does not have"),
        ({name + ".lora_A": torch.ones(2, 31), name + ".lora_B": torch.ones(32, 2)}, "do not fit"),
        ({name + ".lora_A": torch.ones(2, 32)}, "only one of its two factors"),
        ({name + ".lora_A": torch.ones(2, 32), name + ".lora_B": torch.ones(32, 2), "extra": torch.ones(1)}, "extra"),
    ]:
        folder = save_delta_folder(tmp_path / message.replace(" ", "-"), str(tiny_encoder_dir), factors, {})
        with pytest.raises(RelvecError, match=message):
            RelationEncoder(folder)


def test_an_unknown_built_in_name_lists_the_names():
    from relvec.embedding.builtin import builtin_path

    with pytest.raises(RelvecError, match="'relvec-mpnet', 'relvec-minilm'"):
        builtin_path("relvec-large")


def test_an_explicit_encoder_name_is_the_untrained_encoder():
    from relvec.embedding.models import MINILM

    assert resolve_source("all-MiniLM-L6-v2")[1] == MINILM


def test_the_core_never_imports_training():
    import ast
    from pathlib import Path

    import relvec.embedding

    for file in Path(relvec.embedding.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("relvec.training"), f"{file.name} imports {node.module}"
