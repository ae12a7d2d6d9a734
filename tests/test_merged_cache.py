"""The merged-weights cache of delta models: the same bits as merging, checked on load, rebuilt when damaged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relvec.embedding.delta import apply_delta, apply_delta_cached


def model_and_factors():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Linear(5, 4))
    factors = {
        "0.weight.lora_A": torch.randn(2, 6),
        "0.weight.lora_B": torch.randn(5, 2),
        "1.weight.lora_A": torch.randn(2, 5),
        "1.weight.lora_B": torch.randn(4, 2),
    }
    return model, factors


def test_warm_load_copies_the_merged_bits(tmp_path):
    cached = tmp_path / "merged" / "x.safetensors"
    reference, factors = model_and_factors()
    apply_delta(reference, factors, "ref")
    cold, _ = model_and_factors()
    assert apply_delta_cached(cold, factors, "cold", cached) == 2 and cached.is_file()
    warm, _ = model_and_factors()
    no_merge = {key: torch.zeros_like(value) for key, value in factors.items()}  # the merge would change nothing
    apply_delta_cached(warm, no_merge, "warm", cached)
    for ref, got in zip(reference.parameters(), warm.parameters(), strict=True):
        assert torch.equal(ref, got)  # the weights came from the cache file, bit for bit
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no temporary file left


@pytest.mark.parametrize("damage", ["garbage", "nan", "other"])
def test_damaged_cache_is_rebuilt_with_a_message(tmp_path, damage, capsys):
    from safetensors.torch import save_file

    cached = tmp_path / "x.safetensors"
    model, factors = model_and_factors()
    apply_delta_cached(model, factors, "first", cached)
    if damage == "garbage":
        cached.write_bytes(b"not safetensors")
    elif damage == "nan":
        save_file({"0.weight": torch.full((5, 6), float("nan")), "1.weight": torch.zeros(4, 5)}, str(cached))
    else:
        save_file({"0.weight": torch.zeros(5, 6)}, str(cached))
    reference, _ = model_and_factors()
    apply_delta(reference, factors, "ref")
    again, _ = model_and_factors()
    apply_delta_cached(again, factors, "again", cached)
    assert "rebuilding the merged-weights cache" in capsys.readouterr().err
    for ref, got in zip(reference.parameters(), again.parameters(), strict=True):
        assert torch.equal(ref, got) and np.isfinite(got.detach().numpy()).all()
