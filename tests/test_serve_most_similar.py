"""POST /most_similar: relation arithmetic over the service's index, its strict body and its 409."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from relvec.apps.index import Hit
from relvec.serve import ServeSettings, create_app


class ArithmeticIndex:
    """Records what it is asked; answers two fixed hits."""

    def __init__(self):
        self.asked = []

    def search(self, pairs, k):
        return [[] for _ in pairs]

    def most_similar(self, positive, negative, topn):
        self.asked.append((positive, negative, topn))
        return [Hit("rome", "italy", 0.9, 3), Hit("oslo", "norway", 0.5, 7)][:topn]


@pytest.fixture
def index():
    return ArithmeticIndex()


@pytest.fixture
def client(tiny_encoder, index):
    with TestClient(create_app(tiny_encoder, index=index, settings=ServeSettings(max_pairs=3, max_k=5))) as client:
        yield client


def test_most_similar_goes_to_the_index_and_answers_hits(client, index):
    body = {"positive": [["paris", "france"], [" tokyo ", "japan"]], "negative": [["cat", "animal"]], "k": 2}
    response = client.post("/most_similar", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "results": [{"head": "rome", "tail": "italy", "score": 0.9}, {"head": "oslo", "tail": "norway", "score": 0.5}]
    }
    assert index.asked == [([("paris", "france"), ("tokyo", "japan")], [("cat", "animal")], 2)]


def test_negative_and_k_have_defaults(tiny_encoder, index):
    with TestClient(create_app(tiny_encoder, index=index)) as client:
        assert client.post("/most_similar", json={"positive": [["a", "b"]]}).status_code == 200
    assert index.asked == [([("a", "b")], [], 10)]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "positive"),
        ({"positive": []}, 422, "positive"),
        ({"positive": [["a", "b"]], "negatives": []}, 422, "negatives"),
        ({"positive": [["a", "b"]], "k": "3"}, 422, "k"),
        ({"positive": [["a", "b"]], "k": 0}, 422, "k"),
        ({"positive": [["a", "b"]], "k": 6}, 422, "k"),
        ({"positive": ["a:b"]}, 422, "positive"),
        ({"positive": [["a", "b"], ["c", "d"]], "negative": [["e", "f"], ["g", "h"]]}, 413, "positive + negative"),
    ],
)
def test_bad_bodies_are_refused_before_the_index(client, index, body, status, field):
    response = client.post("/most_similar", json=body)
    assert response.status_code == status
    assert field in response.json()["errors"][0]["field"]
    assert index.asked == []


def test_without_an_index_it_is_409_and_the_explorer_finds_the_route(tiny_encoder):
    with TestClient(create_app(tiny_encoder)) as client:
        response = client.post("/most_similar", json={"positive": [["a", "b"]]})
        assert response.status_code == 409 and response.json()["errors"][0]["field"] == "index"
        assert "post" in client.get("/openapi.json").json()["paths"]["/most_similar"]
