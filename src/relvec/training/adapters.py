"""Parameter-efficient fine-tuning: LoRA adapters (through peft) on an encoder's linear layers.

``add_lora`` freezes the encoder and puts a rank-r adapter beside each chosen linear layer; ``lora_factors``
reads the trained adapters back as the low-rank delta that relvec.embedding.delta saves and merges on load,
so an adapter-trained model encodes at exactly the cost of its base encoder.
"""

from __future__ import annotations

import torch

from relvec.errors import RelvecError

ADAPTERS = ("lora",)
#: Which linear layers of each transformer layer get an adapter: the attention projections (query, key, value
#: and attention output) or every linear layer of the encoder's layers (adding the feed-forward pair).
LORA_TARGETS = ("attention", "all")
_ADAPTER = "default"


def lora_target_modules(model: torch.nn.Module, targets: str) -> list[str]:
    """Full names of the linear layers ``targets`` names, inside the encoder's layers (never the pooler)."""
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and ".layer." in f".{name}"
    ]
    if targets == "attention":
        names = [name for name in names if ".attention." in name]
    if not names:
        raise RelvecError(f"the encoder has no linear layers for lora_targets {targets!r} to adapt")
    return names


def add_lora(model: torch.nn.Module, rank: int, alpha: float, dropout: float, targets: str) -> int:
    """Freeze ``model`` and inject LoRA adapters in place (B starts at zero, so the model is unchanged until
    trained); return the number of trainable parameters."""
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError as error:
        raise RelvecError(
            "adapter 'lora' needs peft; run: pip install 'relvec[train]' (or pip install peft)"
        ) from error

    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=lora_target_modules(model, targets),
        bias="none",
    )
    inject_adapter_in_model(config, model, adapter_name=_ADAPTER)
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def lora_factors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The trained adapters as ``{weight name}.lora_A`` (r, in) and ``.lora_B`` (out, r) with the LoRA scale
    folded into B, named as the base model's weights (``encoder.layer.0.attention.self.query.weight``)."""
    from peft.tuners.lora import LoraLayer

    factors = {}
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer) and _ADAPTER in module.lora_A:
            down = module.lora_A[_ADAPTER].weight.detach()
            up = module.lora_B[_ADAPTER].weight.detach() * module.scaling[_ADAPTER]
            factors[f"{name}.weight.lora_A"] = down.float().cpu().clone()
            factors[f"{name}.weight.lora_B"] = up.float().cpu().clone()
    return factors


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The parameters being trained, by name: what an adapter run's checkpoint needs to hold."""
    return {name: parameter.detach().clone() for name, parameter in model.named_parameters() if parameter.requires_grad}
