import pytest
import torch

from relvec.embedding.pooling import POOLINGS, TokenRoles, check_pooling
from relvec.errors import RelvecError

# Two prompts, dim 2: the first has 3 real tokens (mask at 1), the second 2 real tokens and 1 padding (mask at 0).
HIDDEN = torch.tensor(
    [
        [[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]],
        [[2.0, 0.0], [4.0, 6.0], [100.0, 100.0]],
    ]
)
ATTENTION = torch.tensor([[1, 1, 1], [1, 1, 0]])
MASK_POSITIONS = torch.tensor([1, 0])
# Head word on token 0 of each prompt; tail on token 2 of the first and token 1 of the second.
HEAD = torch.tensor([[1, 0, 0], [1, 0, 0]])
TAIL = torch.tensor([[0, 0, 1], [0, 1, 0]])
ROLES = TokenRoles(ATTENTION, MASK_POSITIONS, HEAD, TAIL)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("mask", [[3.0, 4.0], [2.0, 0.0]]),
        ("cls", [[1.0, 2.0], [2.0, 0.0]]),
        ("average", [[3.0, 5.0], [3.0, 3.0]]),  # padding's 100s excluded, divided by the real token count
        ("average_no_mask", [[3.0, 5.5], [4.0, 6.0]]),
        ("difference", [[4.0, 7.0], [2.0, 6.0]]),  # tail minus head
    ],
)
def test_pooling_hand_computed(mode, expected):
    assert POOLINGS[mode](HIDDEN, ROLES).tolist() == expected


def test_difference_averages_every_token_of_a_word():
    two_token_tail = TokenRoles(ATTENTION, MASK_POSITIONS, HEAD, torch.tensor([[0, 1, 1], [0, 1, 0]]))
    assert POOLINGS["difference"](HIDDEN, two_token_tail)[0].tolist() == [3.0, 4.5]  # mean(3,5) - 1, mean(4,9) - 2


def test_average_no_mask_leaves_the_attention_mask_untouched():
    attention = ATTENTION.clone()
    POOLINGS["average_no_mask"](HIDDEN, TokenRoles(attention, MASK_POSITIONS))
    assert torch.equal(attention, ATTENTION)


def test_unknown_pooling_names_the_choices():
    with pytest.raises(
        RelvecError,
        match=r"pooling must be one of 'mask', 'average', 'average_no_mask', 'cls', 'difference'; got 'avg'",
    ):
        check_pooling("avg")
