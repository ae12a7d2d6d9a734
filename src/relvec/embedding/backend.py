"""The encoder's backend seam: a token batch in, hidden states out.

A backend is any callable ``(input_ids, attention_mask) -> hidden states`` with shapes (batch, length) int64,
(batch, length) int64 -> (batch, length, dim) float. :class:`relvec.RelationEncoder` pools what it returns,
so every user of ``encode`` (``relvec embed``, evaluation, search, serving) runs on whichever backend the
encoder's precision picked. Backends never see more than one batch, and batches are fixed by the encoder's
chunk plan, so a backend cannot make a pair's vector depend on anything outside its chunk.
"""

from __future__ import annotations

import copy
from typing import Protocol

import torch

from relvec.embedding.precision import int8_engine


class HiddenStates(Protocol):
    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor: ...


class TorchBackend:
    """A Hugging Face encoder module (eager, compiled or quantized) as a backend."""

    def __init__(self, module: torch.nn.Module) -> None:
        self.module = module

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.module(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


class PerTokenInt8Linear(torch.nn.Module):
    """A linear layer in int8 with one scale per output channel for the weights and one scale per token (row)
    for the activations, the products summed in int32 (``torch._int_mm``, VNNI where the CPU has it).

    Why per token: torch's and ONNX Runtime's dynamic int8 layers quantize a whole batch's activations with one
    scale, and a few tokens with very large activations then set the step for all others. On the shipped
    relvec-mpnet that left a mean cosine to fp32 of 0.82 (both runtimes); one scale per token gives 0.994, at
    2.86x fp32 (relvec-minilm: 1.80x) on a Zen 4 EPYC (docs/performance.md). Each token is quantized on its
    own, so no other prompt in the batch sets its step."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()  # (out, in)
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127
        self.register_buffer("weight_int8", torch.round(weight / scale[:, None]).to(torch.int8).T.contiguous())
        self.register_buffer("weight_scale", scale)
        bias = linear.bias.detach().float() if linear.bias is not None else torch.zeros(weight.shape[0])
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., in) float -> (..., out) float32."""
        rows = x.reshape(-1, x.shape[-1]).float()
        scale = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127)
        quantized = (rows / scale).round_().to(torch.int8)
        summed = torch._int_mm(quantized, self.weight_int8)  # (rows, out) int32
        out = torch.mul(summed, scale * self.weight_scale).add_(self.bias)
        return out.reshape(*x.shape[:-1], out.shape[-1])


def quantize_int8(model: torch.nn.Module, keep_fp32: tuple[str, ...] = ()) -> torch.nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` layers run in int8 (:class:`PerTokenInt8Linear`): weights
    quantized once, per output channel, activations per token on the fly. Layers whose names end with one of
    ``keep_fp32`` stay in fp32. The original model is untouched (training keeps using it)."""
    if int8_engine() is None:  # checked before loading; this guards direct callers
        raise RuntimeError("this torch build has no int8 matrix product")
    quantized = copy.deepcopy(model).float().eval()
    for name, module in list(quantized.named_modules()):
        if isinstance(module, torch.nn.Linear) and not name.endswith(keep_fp32):
            parent, _, attribute = name.rpartition(".")
            setattr(quantized.get_submodule(parent) if parent else quantized, attribute, PerTokenInt8Linear(module))
    return quantized


def make_backend(model: torch.nn.Module, precision: str, compile: bool) -> HiddenStates:
    """The backend that runs ``model`` at ``precision``: int8 quantizes a copy; ``compile`` compiles it with
    frozen weights (both assume the weights no longer change); otherwise the module itself, eagerly."""
    if precision == "int8":  # compile is refused with int8, and ignored when "auto" picked int8
        return TorchBackend(quantize_int8(model))
    if compile:
        # Compiled lazily at the first call, which encode makes in eval mode. Frozen weights let inductor
        # pre-pack the matrices and fold constants; dynamic shapes give one compilation for every batch
        # and prompt length.
        return TorchBackend(torch.compile(model, dynamic=True, options={"freezing": True}))
    return TorchBackend(model)


__all__ = ["HiddenStates", "PerTokenInt8Linear", "TorchBackend", "make_backend", "quantize_int8"]
