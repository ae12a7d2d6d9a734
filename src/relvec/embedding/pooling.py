"""Pooling: from the encoder's hidden states of a batch of prompts to one vector per prompt.

Each mode is a :class:`Pooling`: a name, whether it reads the two words' tokens (so that tokenising finds
them only when needed), and a pure function of ``hidden`` (batch, length, dim) and :class:`TokenRoles`, which
says where the real tokens, the mask token and the two words are in each padded prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from relvec.embedding.tokens import PaddedBatch
from relvec.errors import check_choice


@dataclass(frozen=True)
class TokenRoles:
    """Token positions in a padded batch of prompts.

    ``attention`` (batch, length): 1 for real tokens, 0 for padding; ``mask_index`` (batch,): position of
    the mask token; ``head`` and ``tail`` (batch, length): 1 on the tokens of the head / tail word (every
    occurrence), given only when the pooling needs them.
    """

    attention: torch.Tensor
    mask_index: torch.Tensor
    head: torch.Tensor | None = None
    tail: torch.Tensor | None = None

    @classmethod
    def of(cls, batch: PaddedBatch, device: torch.device) -> TokenRoles:
        """The roles of a padded token batch, on ``device``."""

        def tensor(array: np.ndarray | None) -> torch.Tensor | None:
            return None if array is None else torch.from_numpy(array).to(device)

        return cls(tensor(batch.attention), tensor(batch.mask_index), tensor(batch.head), tensor(batch.tail))


def _rows(hidden: torch.Tensor) -> torch.Tensor:
    return torch.arange(hidden.shape[0], device=hidden.device)


def _masked_mean(hidden: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    weights = weights.to(hidden.dtype).unsqueeze(-1)  # (batch, length, 1)
    # A true mean: divided by the number of tokens counted, unlike the reference implementation's sum.
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def pool_mask(hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
    """The hidden state at the mask token: (batch, dim)."""
    return hidden[_rows(hidden), roles.mask_index]


def pool_cls(hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
    """The hidden state of the first token ([CLS] or <s>): (batch, dim)."""
    return hidden[:, 0]


def pool_average(hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
    """Mean of the hidden states of all real tokens (special tokens included, padding excluded): (batch, dim)."""
    return _masked_mean(hidden, roles.attention)


def pool_average_no_mask(hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
    """Mean over the real tokens except the mask token: (batch, dim)."""
    weights = roles.attention.clone()
    weights[_rows(hidden), roles.mask_index] = 0
    return _masked_mean(hidden, weights)


def pool_difference(hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
    """Mean hidden state of the tail's tokens minus that of the head's tokens, read in the prompt: (batch, dim).

    A vector offset like ``glove(tail) - glove(head)``, but of contextual states: what the two words share
    cancels, and the template lets each word be read in the light of the other.
    """
    return _masked_mean(hidden, roles.tail) - _masked_mean(hidden, roles.head)


@dataclass(frozen=True)
class Pooling:
    """A pooling mode: ``pooling(hidden, roles)`` -> (batch, dim). ``needs_word_spans``: it reads
    ``roles.head`` and ``roles.tail``, so tokenising must find each word's tokens."""

    name: str
    function: Callable[[torch.Tensor, TokenRoles], torch.Tensor]
    needs_word_spans: bool = False

    def __call__(self, hidden: torch.Tensor, roles: TokenRoles) -> torch.Tensor:
        return self.function(hidden, roles)


POOLINGS: dict[str, Pooling] = {
    pooling.name: pooling
    for pooling in (
        Pooling("mask", pool_mask),
        Pooling("average", pool_average),
        Pooling("average_no_mask", pool_average_no_mask),
        Pooling("cls", pool_cls),
        Pooling("difference", pool_difference, needs_word_spans=True),
    )
}
DEFAULT_POOLING = "average_no_mask"


def check_pooling(pooling: object) -> str:
    """Return ``pooling`` if it names a mode, else raise listing the modes."""
    return check_choice("pooling", pooling, POOLINGS)
