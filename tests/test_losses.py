import math

import pytest
import torch

from relvec.errors import RelvecError
from relvec.training.losses import InfoLOOB, InfoNCE, Triplet, make_loss

# Candidates in 2-d: cos(e0, e2) = 1/sqrt(2), cos(e0, e1) = 0, cos(e0, e3) = -1.
EMBEDDINGS = torch.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0], [-1.0, 0.0]])
ANCHORS = torch.tensor([0])
POSITIVES = torch.tensor([2])
NEGATIVES = torch.tensor([[False, True, False, True]])
S = 1 / math.sqrt(2)


def test_infonce_hand_computed():
    tau = 0.5
    expected = -math.log(math.exp(S / tau) / (math.exp(S / tau) + math.exp(0 / tau) + math.exp(-1 / tau)))
    loss = InfoNCE(temperature=tau)(EMBEDDINGS, ANCHORS, POSITIVES, NEGATIVES)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_infoloob_leaves_the_positive_out_of_the_denominator():
    tau = 0.5
    expected = -math.log(math.exp(S / tau) / (math.exp(0 / tau) + math.exp(-1 / tau)))
    loss = InfoLOOB(temperature=tau)(EMBEDDINGS, ANCHORS, POSITIVES, NEGATIVES)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert loss.item() < 0  # the positive already wins: LOOB keeps pulling


def test_triplet_hand_computed():
    # d(a,p) = 1 - S; d(a,e1) = 1; d(a,e3) = 2; margin 1: hinges (1 - S - 1 + 1) = 1 - S and max(0, -S) = 0.
    loss = Triplet(margin=1.0)(EMBEDDINGS, ANCHORS, POSITIVES, NEGATIVES)
    assert loss.item() == pytest.approx((1 - S) / 2, abs=1e-6)


@pytest.mark.parametrize("loss", [InfoNCE(0.05), InfoLOOB(0.05), Triplet(0.5)])
def test_losses_are_means_not_sums(loss):
    one = loss(EMBEDDINGS, ANCHORS, POSITIVES, NEGATIVES)
    twice = loss(EMBEDDINGS, torch.tensor([0, 0]), torch.tensor([2, 2]), NEGATIVES.repeat(2, 1))
    assert twice.item() == pytest.approx(one.item(), abs=1e-6)


def test_only_marked_candidates_are_negatives():
    # Marking e3 alone must give the two-candidate InfoNCE.
    negatives = torch.tensor([[False, False, False, True]])
    expected = -math.log(math.exp(S) / (math.exp(S) + math.exp(-1)))
    assert InfoNCE(1.0)(EMBEDDINGS, ANCHORS, POSITIVES, negatives).item() == pytest.approx(expected, abs=1e-6)


def test_an_anchor_is_never_its_own_positive():
    with pytest.raises(RelvecError, match="positives must be indices different from their anchors"):
        InfoNCE()(EMBEDDINGS, torch.tensor([0]), torch.tensor([0]), NEGATIVES)


def test_a_term_without_negatives_is_refused():
    with pytest.raises(RelvecError, match="at least one negative per anchor"):
        InfoNCE()(EMBEDDINGS, ANCHORS, POSITIVES, torch.zeros(1, 4, dtype=torch.bool))


def test_gradients_flow():
    embeddings = EMBEDDINGS.clone().requires_grad_()
    InfoNCE(0.05)(embeddings, ANCHORS, POSITIVES, NEGATIVES).backward()
    assert embeddings.grad is not None and embeddings.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "nce"}, "loss must be one of 'infonce', 'infoloob', 'triplet'; got 'nce'"),
        ({"name": "infonce", "temperature": 0}, r"temperature must be a number in \(0, 10\]; got 0"),
        ({"name": "infoloob", "temperature": -1.0}, "temperature must be a number in"),
        ({"name": "triplet", "margin": 3}, r"margin must be a number in \(0, 2\]"),
    ],
)
def test_bad_loss_options(kwargs, message):
    with pytest.raises(RelvecError, match=message):
        make_loss(**kwargs)
