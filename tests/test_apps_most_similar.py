"""RelationIndex.most_similar: gensim-style relation arithmetic on hand-made vectors, exact order and scores."""

from __future__ import annotations

import numpy as np
import pytest

from apps_stubs import TableEncoder

pytest.importorskip("faiss")

from relvec.apps.index import RelationIndex  # noqa: E402
from relvec.errors import RelvecError  # noqa: E402

TABLE = {
    ("a", "b"): [1, 0, 0],
    ("c", "d"): [0, 2, 0],
    ("e", "f"): [0.6, 0.8, 0],
    ("g", "h"): [0.28, -0.96, 0],
    ("i", "j"): [0, 0, 3],
}
PAIRS = list(TABLE)


@pytest.fixture
def index():
    return RelationIndex.build(TableEncoder(TABLE), PAIRS)


def ranked(hits):
    return [(f"{hit.head}:{hit.tail}", round(hit.score, 5)) for hit in hits]


def gensim_order(positive, negative):
    """gensim's recipe written out: mean of +unit(positive) and -unit(negative), unit, cosine with every row."""
    unit = {pair: np.asarray(v, float) / np.linalg.norm(v) for pair, v in TABLE.items()}
    mean = np.mean([unit[p] for p in positive] + [-unit[n] for n in negative], axis=0)
    mean /= np.linalg.norm(mean)
    scores = {f"{h}:{t}": round(float(unit[(h, t)] @ mean), 5) for h, t in PAIRS if (h, t) not in positive + negative}
    return sorted(scores.items(), key=lambda item: -item[1])


def test_two_positives_rank_by_the_cosine_with_their_mean(index):
    hits = index.most_similar(positive=["a:b", ("c", "d")])
    assert ranked(hits) == [("e:f", 0.98995), ("i:j", 0.0), ("g:h", -0.48083)]
    assert ranked(hits) == gensim_order([("a", "b"), ("c", "d")], [])
    assert [hit.id for hit in hits] == [2, 4, 3]


def test_a_negative_is_subtracted_and_excluded(index):
    hits = index.most_similar(positive="e:f", negative=["c:d"])
    assert ranked(hits) == [("a:b", 0.94868), ("g:h", 0.56921), ("i:j", 0.0)]
    assert ranked(hits) == gensim_order([("e", "f")], [("c", "d")])


def test_vectors_are_terms_and_are_not_excluded(index):
    hits = index.most_similar(positive=[np.array([1.0, 0, 0])], negative="i:j")
    assert ranked(hits) == [("a:b", 0.70711), ("e:f", 0.42426), ("g:h", 0.19799), ("c:d", 0.0)]


def test_query_pairs_are_excluded_whatever_their_letter_case(index):
    assert ranked(index.most_similar("A:B", topn=1)) == [("e:f", 0.6)]


def test_topn_and_restrict(index):
    assert ranked(index.most_similar(["a:b", "c:d"], topn=1)) == [("e:f", 0.98995)]
    # restrict=3 searches the first three pairs only (gensim's restrict_vocab): a:b and c:d are queries
    assert ranked(index.most_similar(["a:b", "c:d"], restrict=3)) == [("e:f", 0.98995)]
    assert ranked(index.most_similar(negative="c:d", restrict=4, topn=2)) == [("g:h", 0.96), ("a:b", 0.0)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "positive"),
        ({"positive": []}, "positive"),
        ({"positive": ["a"]}, r"positive\[0\]"),
        ({"positive": "a:b", "negative": ["c:d", "x:y:z"]}, r"negative\[1\]"),
        ({"positive": "a:b", "topn": 0}, "topn"),
        ({"positive": "a:b", "restrict": 0}, "restrict"),
        ({"positive": "a:b", "restrict": 6}, "restrict"),
        ({"positive": [np.ones(5)]}, r"positive\[0\]"),
        ({"positive": [np.array([np.nan, 0, 0])]}, r"positive\[0\]"),
        ({"positive": "a:b", "negative": "a:b"}, "cancel"),
    ],
)
def test_bad_arguments_are_refused_naming_them(index, kwargs, message):
    with pytest.raises(RelvecError, match=message):
        index.most_similar(**kwargs)
