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

from relvec.errors import check_choice, check_number, invalid


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def _check_terms(
    embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Refuse what torch would turn into a raw IndexError or a silently wrong loss (float or bool indices, an
    integer mask, indices outside the embeddings, numpy arrays)."""
    if not isinstance(embeddings, torch.Tensor) or embeddings.ndim != 2 or not embeddings.is_floating_point():
        raise invalid("embeddings", _describe(embeddings), "a float torch.Tensor of shape (candidates, dim)")
    count = embeddings.shape[0]
    for name, indices in (("anchors", anchors), ("positives", positives)):
        if (
            not isinstance(indices, torch.Tensor)
            or indices.ndim != 1
            or indices.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
        ):
            raise invalid(name, _describe(indices), "a 1-D integer torch.Tensor of indices into embeddings")
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= count):
            raise invalid(name, indices.tolist(), f"indices into the {count} embeddings, 0 to {count - 1}")
    if anchors.shape != positives.shape or anchors.numel() == 0:
        raise invalid("positives", _describe(positives), f"one index per anchor ({anchors.shape[0]}), at least one")
    if not isinstance(negatives, torch.Tensor) or negatives.dtype != torch.bool:
        raise invalid("negatives", _describe(negatives), "a boolean torch.Tensor mask (terms, candidates)")
    anchors, positives = anchors.long(), positives.long()
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
    return anchors, positives


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
        self.temperature = check_number("temperature", temperature, low=0, high=10, low_open=True)

    def _scores(self, embeddings, anchors, positives, negatives) -> tuple[torch.Tensor, torch.Tensor]:
        anchors, positives = _check_terms(embeddings, anchors, positives, negatives)
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
        self.margin = check_number(
            "margin",
            margin,
            low=0,
            high=2,
            low_open=True,
            expected="a number in (0, 2] (cosine distances lie in [0, 2])",
        )

    def forward(
        self, embeddings: torch.Tensor, anchors: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        anchors, positives = _check_terms(embeddings, anchors, positives, negatives)
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
