"""Pooling: from the encoder's hidden states of a batch of prompts to one vector per prompt.

Each mode is a pure function of ``hidden`` (batch, length, dim), ``attention_mask`` (batch, length; 1 for real
tokens, 0 for padding) and ``mask_positions`` (batch,), the index of the mask token in each prompt.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from relvec.errors import check_choice


def pool_mask(hidden: torch.Tensor, attention_mask: torch.Tensor, mask_positions: torch.Tensor) -> torch.Tensor:
    """The hidden state at the mask token: (batch, dim)."""
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), mask_positions]


def pool_cls(hidden: torch.Tensor, attention_mask: torch.Tensor, mask_positions: torch.Tensor) -> torch.Tensor:
    """The hidden state of the first token ([CLS] or <s>): (batch, dim)."""
    return hidden[:, 0]


def _masked_mean(hidden: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    weights = weights.to(hidden.dtype).unsqueeze(-1)  # (batch, length, 1)
    # A true mean: divided by the number of tokens counted, unlike the reference implementation's sum.
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def pool_average(hidden: torch.Tensor, attention_mask: torch.Tensor, mask_positions: torch.Tensor) -> torch.Tensor:
    """Mean of the hidden states of all real tokens (special tokens included, padding excluded): (batch, dim)."""
    return _masked_mean(hidden, attention_mask)


def pool_average_no_mask(
    hidden: torch.Tensor, attention_mask: torch.Tensor, mask_positions: torch.Tensor
) -> torch.Tensor:
    """Mean over the real tokens except the mask token: (batch, dim)."""
    weights = attention_mask.clone()
    weights[torch.arange(weights.shape[0], device=weights.device), mask_positions] = 0
    return _masked_mean(hidden, weights)


PoolingFunction = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

POOLINGS: dict[str, PoolingFunction] = {
    "mask": pool_mask,
    "average": pool_average,
    "average_no_mask": pool_average_no_mask,
    "cls": pool_cls,
}
DEFAULT_POOLING = "average_no_mask"


def check_pooling(pooling: object) -> str:
    """Return ``pooling`` if it names a mode, else raise listing the modes."""
    return check_choice("pooling", pooling, POOLINGS)
