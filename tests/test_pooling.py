import pytest
import torch

from relvec.errors import RelvecError
from relvec.pooling import POOLINGS, check_pooling

# Two prompts, dim 2: the first has 3 real tokens (mask at 1), the second 2 real tokens and 1 padding (mask at 0).
HIDDEN = torch.tensor(
    [
        [[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]],
        [[2.0, 0.0], [4.0, 6.0], [100.0, 100.0]],
    ]
)
ATTENTION = torch.tensor([[1, 1, 1], [1, 1, 0]])
MASK_POSITIONS = torch.tensor([1, 0])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("mask", [[3.0, 4.0], [2.0, 0.0]]),
        ("cls", [[1.0, 2.0], [2.0, 0.0]]),
        ("average", [[3.0, 5.0], [3.0, 3.0]]),  # padding's 100s excluded, divided by the real token count
        ("average_no_mask", [[3.0, 5.5], [4.0, 6.0]]),
    ],
)
def test_pooling_hand_computed(mode, expected):
    assert POOLINGS[mode](HIDDEN, ATTENTION, MASK_POSITIONS).tolist() == expected


def test_average_no_mask_leaves_the_attention_mask_untouched():
    attention = ATTENTION.clone()
    POOLINGS["average_no_mask"](HIDDEN, attention, MASK_POSITIONS)
    assert torch.equal(attention, ATTENTION)


def test_unknown_pooling_names_the_choices():
    with pytest.raises(
        RelvecError, match=r"pooling must be one of 'mask', 'average', 'average_no_mask', 'cls'; got 'avg'"
    ):
        check_pooling("avg")
