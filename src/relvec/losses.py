"""Contrastive losses on relation embeddings: InfoNCE, InfoLOOB and triplet.

Every loss sees one training step the same way: ``embeddings`` (C, dim) of the step's distinct pairs, and
T terms, each an anchor, its positive and a set of negatives given as indices into those embeddings:
``anchors`` (T,), ``positives`` (T,), ``negatives`` (T, C) boolean. Each loss is the mean over the T terms,
so it does not grow with the batch, and an anchor is never its own positive.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from relvec.errors import check_choice, invalid


def _check_terms(embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor):
    if (anchors == positives).any():
        raise invalid("positives", positives.tolist(), "indices different from their anchors")
    if negatives.shape != (anchors.shape[0], embeddings.shape[0]):
        raise invalid(
            "negatives",
            tuple(negatives.shape),
            f"a (terms, candidates) mask of shape ({anchors.shape[0]}, {embeddings.shape[0]})",
        )
    if not negatives.any(dim=1).all():
        raise invalid("negatives", "a term with no negative", "at least one negative per anchor")


def _cosine(embeddings: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of each anchor with every candidate: (T, C)."""
    unit = F.normalize(embeddings, dim=-1)
    return unit[anchors] @ unit.T


class InfoNCE(nn.Module):
    r"""InfoNCE with cosine similarity :math:`s` and temperature :math:`\tau`:

    .. math:: \ell = -\log \frac{e^{s(a,p)/\tau}}{e^{s(a,p)/\tau} + \sum_{n \in N(a)} e^{s(a,n)/\tau}}
    """

    def __init__(self, temperature: float = 0.05) -> None:
        super().__init__()
        if not isinstance(temperature, (int, float)) or not 0 < temperature <= 10:
            raise invalid("temperature", temperature, "a number in (0, 10]")
        self.temperature = float(temperature)

    def _scores(self, embeddings, anchors, positives, negatives) -> tuple[torch.Tensor, torch.Tensor]:
        _check_terms(embeddings, anchors, positives, negatives)
        logits = _cosine(embeddings, anchors) / self.temperature  # (T, C)
        positive = logits.gather(1, positives.unsqueeze(1)).squeeze(1)  # (T,)
        negative = logits.masked_fill(~negatives, float("-inf"))  # (T, C), only negatives finite
        return positive, negative

    def forward(
        self, embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        positive, negative = self._scores(embeddings, anchors, positives, negatives)
        denominator = torch.logsumexp(torch.cat([positive.unsqueeze(1), negative], dim=1), dim=1)
        return (denominator - positive).mean()


class InfoLOOB(InfoNCE):
    r"""InfoLOOB ("leave one out"): InfoNCE with the positive left out of the denominator,

    .. math:: \ell = -\log \frac{e^{s(a,p)/\tau}}{\sum_{n \in N(a)} e^{s(a,n)/\tau}}

    which keeps pushing a positive closer after it already wins (the loss can go below zero).
    """

    def forward(
        self, embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        positive, negative = self._scores(embeddings, anchors, positives, negatives)
        return (torch.logsumexp(negative, dim=1) - positive).mean()


class Triplet(nn.Module):
    r"""Triplet loss on cosine distance :math:`d = 1 - s`, averaged over every (anchor, positive, negative):

    .. math:: \ell = \max(0,\ d(a,p) - d(a,n) + m)
    """

    def __init__(self, margin: float = 0.2) -> None:
        super().__init__()
        if not isinstance(margin, (int, float)) or not 0 < margin <= 2:
            raise invalid("margin", margin, "a number in (0, 2] (cosine distances lie in [0, 2])")
        self.margin = float(margin)

    def forward(
        self, embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        _check_terms(embeddings, anchors, positives, negatives)
        distance = 1 - _cosine(embeddings, anchors)  # (T, C)
        positive = distance.gather(1, positives.unsqueeze(1))  # (T, 1)
        hinge = F.relu(positive - distance + self.margin)  # (T, C)
        weights = negatives.to(hinge.dtype)
        return (hinge * weights).sum() / weights.sum()


LOSSES: dict[str, type[nn.Module]] = {"infonce": InfoNCE, "infoloob": InfoLOOB, "triplet": Triplet}


def make_loss(name: str, temperature: float = 0.05, margin: float = 0.2) -> nn.Module:
    """The loss ``name`` (``infonce``, ``infoloob`` or ``triplet``) with its temperature or margin."""
    check_choice("loss", name, LOSSES)
    return Triplet(margin) if name == "triplet" else LOSSES[name](temperature)
