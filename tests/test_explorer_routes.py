"""The explorer's side of the service, through FastAPI's TestClient: the page and its headers, POST /label,
POST /map, completion's score parts, the index size in /info and ``relvec serve --open``'s address."""

from __future__ import annotations

import fnmatch
import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from relvec.apps.label import RelationLabeller
from relvec.cli.serve import page_url
from relvec.serve import ServeSettings, create_app
from relvec.serve.page import CONTENT_SECURITY_POLICY, PAGE_PATHS, page_file

RELATIONS = {
    "capital": [["paris", "france"], ["tokyo", "japan"]],
    "sound": [["dog", "bark"], ["cat", "meow"]],
}
PAIRS = [["rome", "italy"], ["cow", "moo"], ["hot", "cold"]]
PNG = b"\x89PNG\r\n\x1a\n"


class ListedIndex:
    """An index that lists its pairs (as RelationIndex does) and answers search with fixed hits."""

    def __init__(self, pairs):
        self.pairs = [tuple(pair) for pair in pairs]

    def __len__(self):
        return len(self.pairs)

    def search(self, pairs, k):
        return [[(pair, 0.5) for pair in self.pairs[:k]] for _ in pairs]


@pytest.fixture
def client(tiny_encoder):
    index = ListedIndex(PAIRS + [pair for pairs in RELATIONS.values() for pair in pairs])
    with TestClient(create_app(tiny_encoder, index=index)) as client:
        yield client


def error_of(response) -> dict:
    body = response.json()
    assert body["status"] == response.status_code
    return body["errors"][0]


def test_the_page_and_its_files_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.content == page_file("index.html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    for path, media in [("/static/explorer.js", "text/javascript"), ("/static/explorer.css", "text/css")]:
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        assert path.rsplit("/", 1)[1].encode() in page.content
    # Not API: the OpenAPI schema leaves the page out.
    assert not PAGE_PATHS & set(client.get("/openapi.json").json()["paths"])


def test_the_page_loads_nothing_from_elsewhere():
    page = page_file("index.html").decode()
    script = page_file("explorer.js").decode()
    for text in (page, script, page_file("explorer.css").decode()):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    # Values go into the page as text, never as markup, and the key never into an address.
    assert "innerHTML" not in script and "outerHTML" not in script and "insertAdjacentHTML" not in script
    assert "localStorage" not in script and "sessionStorage" not in script and "document.cookie" not in script
    assert "<script>" not in page and "style=" not in page  # the policy allows no inline script or style


def test_the_page_is_open_without_the_key_and_the_api_is_not(tiny_encoder):
    with TestClient(create_app(tiny_encoder, settings=ServeSettings(api_key="k3y"))) as client:
        for path in PAGE_PATHS:
            assert client.get(path).status_code == 200
        assert client.get("/info").status_code == 401
        assert client.post("/label", json={"relations": RELATIONS, "pairs": PAIRS}).status_code == 401
        assert client.post("/map", json={"pairs": PAIRS * 2}).status_code == 401


def test_label_answers_as_the_relation_labeller_does(client, tiny_encoder):
    response = client.post("/label", json={"relations": RELATIONS, "pairs": PAIRS})
    assert response.status_code == 200
    body = response.json()
    labeller = RelationLabeller(tiny_encoder, {name: [tuple(p) for p in pairs] for name, pairs in RELATIONS.items()})
    expected = labeller.scores([tuple(pair) for pair in PAIRS])
    assert body["relations"] == ["capital", "sound"]
    np.testing.assert_allclose([label["scores"] for label in body["labels"]], expected, atol=1e-5)
    for label, pair, row in zip(body["labels"], PAIRS, expected, strict=True):
        assert [label["head"], label["tail"]] == pair
        assert label["relation"] == labeller.names[int(np.argmax(row))]
        assert label["score"] == max(label["scores"])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"relations": {}, "pairs": PAIRS}, 422, "relations"),
        ({"relations": {"capital": []}, "pairs": PAIRS}, 422, "relations.capital"),
        ({"relations": {"capital": [["paris", ""]]}, "pairs": PAIRS}, 422, "relations.capital[0][1]"),
        ({"relations": RELATIONS, "pairs": []}, 422, "pairs"),
        ({"relations": RELATIONS, "pairs": [["a", "b"]] * 5}, 413, "pairs + relations.capital + relations.sound"),
        ({"relations": {"x" * 11: [["a", "b"]]}, "pairs": PAIRS}, 422, "relations"),
    ],
)
def test_label_refuses_bad_relations_naming_the_field(tiny_encoder, body, status, field):
    with TestClient(create_app(tiny_encoder, settings=ServeSettings(max_pairs=8, max_word_length=10))) as client:
        response = client.post("/label", json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_map_draws_typed_pairs_with_labels_or_relations_and_the_index(client):
    pairs = PAIRS + [["dog", "bark"], ["cat", "meow"]]
    for extra in ({}, {"labels": ["a", "b", "a", "b", "b"]}, {"relations": RELATIONS}):
        response = client.post("/map", json={"pairs": pairs, **extra})
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG)
    response = client.post("/map", json={"relations": RELATIONS, "sample": 5})
    assert response.status_code == 200 and response.content.startswith(PNG)
    from PIL import Image

    assert Image.open(io.BytesIO(response.content)).size[0] > 500


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"pairs": PAIRS}, 422, "pairs"),  # fewer than 4
        ({"pairs": PAIRS * 2, "labels": ["a"]}, 422, "body"),
        ({"pairs": PAIRS * 2, "labels": ["a"] * 6, "relations": RELATIONS}, 422, "body"),
        ({"sample": 3}, 422, "sample"),
        ({"sample": 2001}, 422, "sample"),
        ({"sample": 1500}, 413, "sample"),  # over --max-pairs
    ],
)
def test_map_refuses_bad_requests_naming_the_field(client, body, status, field):
    response = client.post("/map", json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_map_of_the_index_needs_one(tiny_encoder):
    with TestClient(create_app(tiny_encoder)) as client:
        response = client.post("/map", json={})
    assert response.status_code == 409 and "--index" in error_of(response)["expected"]


def test_info_gives_the_index_size(client):
    assert client.get("/info").json()["index_size"] == 7


def test_completion_passes_the_parts_of_its_score_when_the_completer_has_them(tiny_encoder):
    class Completer:
        def complete(self, a, b, c, k):
            return [
                SimpleNamespace(word="italy", score=1.5, relation=0.9, offset=0.8),
                SimpleNamespace(word="spain", score=1.0),
            ][:k]

    with TestClient(create_app(tiny_encoder, completer=Completer())) as client:
        response = client.post("/complete", json={"a": "paris", "b": "france", "c": "rome", "k": 2})
    assert response.json() == {
        "completions": [
            {"word": "italy", "score": 1.5, "relation": 0.9, "offset": 0.8},
            {"word": "spain", "score": 1.0},
        ]
    }


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/"),
        ("0.0.0.0", "http://127.0.0.1:8000/"),
        ("::", "http://[::1]:8000/"),
        ("::1", "http://[::1]:8000/"),
        ("192.168.1.5", "http://192.168.1.5:8000/"),
    ],
)
def test_the_page_address_printed_by_open(host, url):
    assert page_url(host, 8000) == url


def test_the_page_files_are_package_data():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["relvec"]
    static = root / "src" / "relvec" / "serve" / "static"
    names = sorted(path.name for path in static.iterdir())
    assert names == ["explorer.css", "explorer.js", "index.html"]
    for name in names:
        assert any(fnmatch.fnmatch(f"serve/static/{name}", pattern) for pattern in globs), name
