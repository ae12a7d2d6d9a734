"""The HTTP service on the tiny encoder, through FastAPI's TestClient: every route, error status and the key."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from relvec.apps.complete import Completion
from relvec.apps.index import Hit
from relvec.errors import RelvecError
from relvec.serve import Backends, ServeSettings, create_app
from relvec.tasks.analogy import analogy_scores

PAIRS = [["paris", "france"], ["tokyo", "japan"], ["cat", "animal"]]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


class FakeIndex:
    """A search index and completer with fixed answers, in relvec's result types (Hit, Completion)."""

    def __init__(self) -> None:
        self.searched: list[tuple[list, int]] = []

    def search(self, pairs, k):
        self.searched.append((pairs, k))
        hits = [Hit("rome", "italy", 0.9, 0), Hit("berlin", "germany", 0.8, 1), Hit("oslo", "norway", 0.7, 2)]
        return [hits[:k] for _ in pairs]

    def complete(self, a, b, c, k):
        return [Completion("japan", 0.75, 0.7, 0.05), Completion("china", 0.5, 0.5, 0.0)][:k]


@pytest.fixture
def client(tiny_encoder):
    with TestClient(create_app(tiny_encoder)) as client:
        yield client


def error_of(response) -> dict:
    body = response.json()
    assert body["status"] == response.status_code
    assert set(body["errors"][0]) == {"field", "value", "expected"}
    return body["errors"][0]


# routes


def test_embed_gives_the_encoders_vectors_bit_for_bit(client, tiny_encoder):
    response = client.post("/embed", json={"pairs": PAIRS})
    assert response.status_code == 200
    body = response.json()
    assert body["dim"] == 32 and body["model"] == tiny_encoder.source
    # float32 -> JSON -> float32 is exact: a request encoded alone is one encode call on its own pairs.
    vectors = np.array(body["vectors"], dtype=np.float32)
    np.testing.assert_array_equal(vectors, tiny_encoder.encode([tuple(p) for p in PAIRS]))


def test_embed_strips_words_and_normalizes_on_request(client, tiny_encoder):
    response = client.post("/embed", json={"pairs": [[" paris ", "france"]], "normalize": True})
    vector = np.array(response.json()["vectors"][0])
    expected = tiny_encoder.encode([("paris", "france")])[0]
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)


def test_similarity_matrix_and_query_against_candidates(client, tiny_encoder):
    vectors = tiny_encoder.encode([tuple(p) for p in PAIRS])
    matrix = client.post("/similarity", json={"pairs": PAIRS}).json()
    assert set(matrix) == {"matrix"}
    np.testing.assert_allclose(matrix["matrix"], cosines(vectors, vectors), atol=1e-6)

    body = client.post("/similarity", json={"query": PAIRS[0], "candidates": PAIRS[1:]}).json()
    expected = cosines(vectors[:1], vectors[1:])[0]
    np.testing.assert_allclose(body["scores"], expected, atol=1e-6)
    assert body["best"] == int(np.argmax(expected)) and "matrix" not in body


@pytest.mark.parametrize("direction", ["forward", "reverse", "both"])
def test_analogy_scores_as_the_evaluation_does(client, tiny_encoder, direction):
    stem, choices = ("paris", "france"), [("tokyo", "japan"), ("cat", "animal"), ("big", "small")]
    response = client.post("/analogy", json={"stem": stem, "choices": choices, "direction": direction})
    assert response.status_code == 200
    body = response.json()
    question = SimpleNamespace(stem=stem, choices=choices, answer=0)
    expected = analogy_scores(tiny_encoder, [question], direction=direction)[0]
    np.testing.assert_allclose(body["scores"], expected, atol=1e-6)
    assert body["best"] == int(np.argmax(expected))
    assert tuple(body["best_choice"]) == choices[body["best"]]


def test_search_and_complete_go_to_the_injected_index(tiny_encoder):
    index = FakeIndex()
    with TestClient(create_app(tiny_encoder, index=index, completer=index)) as client:
        response = client.post("/search", json={"pairs": [["paris", "france"], ["a", "b"]], "k": 3})
        assert response.status_code == 200
        hits = [{"head": "rome", "tail": "italy", "score": 0.9}, {"head": "berlin", "tail": "germany", "score": 0.8}]
        hits.append({"head": "oslo", "tail": "norway", "score": 0.7})
        assert response.json() == {"results": [hits, hits]}
        assert index.searched == [([("paris", "france"), ("a", "b")], 3)]

        response = client.post("/complete", json={"a": "paris", "b": "france", "c": "tokyo", "k": 2})
        assert response.json() == {
            "completions": [
                {"word": "japan", "score": 0.75, "relation": 0.7, "offset": 0.05},
                {"word": "china", "score": 0.5, "relation": 0.5, "offset": 0.0},
            ]
        }
        assert client.get("/info").json()["search"] is True


def test_search_and_complete_without_an_index_are_409(client):
    response = client.post("/search", json={"pairs": PAIRS})
    assert response.status_code == 409
    assert error_of(response)["field"] == "index" and "--index" in error_of(response)["expected"]
    response = client.post("/complete", json={"a": "a", "b": "b", "c": "c"})
    assert response.status_code == 409 and error_of(response)["field"] == "completer"


def test_an_index_answer_the_service_cannot_read_is_500_and_logged(tiny_encoder):
    class Broken:
        def search(self, pairs, k):
            return [[42]]

    with TestClient(create_app(tiny_encoder, index=Broken()), raise_server_exceptions=False) as client:
        response = client.post("/search", json={"pairs": PAIRS[:1]})
    assert response.status_code == 500 and "BackendError" in error_of(response)["expected"]


def test_health_and_info(client, tiny_encoder):
    assert client.get("/health").json() == {"status": "ok"}
    info = client.get("/info").json()
    assert info["model"] == tiny_encoder.source
    assert (info["dim"], info["template"], info["pooling"], info["precision"]) == (32, "d", "average_no_mask", "fp32")
    assert info["version"] == __import__("relvec").__version__
    assert info["search"] is False and info["complete"] is False
    assert info["limits"]["max_pairs"] == 1024 and info["batching"]["enabled"] is True


def test_openapi_lists_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/embed", "/similarity", "/analogy", "/search", "/complete", "/health", "/info"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_ready_only_once_the_loader_has_finished(tiny_encoder):
    release = threading.Event()

    def load():
        release.wait(10)
        return Backends(tiny_encoder)

    with TestClient(create_app(loader=load)) as client:
        assert client.get("/health").status_code == 503
        assert client.get("/health").json() == {"status": "loading"}
        loading = client.post("/embed", json={"pairs": PAIRS})
        assert loading.status_code == 503 and error_of(loading)["value"] == "loading"
        release.set()
        for _ in range(200):
            if client.get("/health").status_code == 200:
                break
            threading.Event().wait(0.01)
        assert client.get("/health").json() == {"status": "ok"}
        assert client.post("/embed", json={"pairs": PAIRS}).status_code == 200


def test_a_failed_load_is_reported_and_handed_to_the_caller(tmp_path):
    failures = []

    def load():
        raise RelvecError("encoder folder missing")

    with TestClient(create_app(loader=load, on_load_failure=failures.append)) as client:
        for _ in range(200):
            if failures:
                break
            threading.Event().wait(0.01)
        assert client.get("/health").json() == {"status": "failed"}
    assert [str(error) for error in failures] == ["encoder folder missing"]


def test_create_app_needs_one_of_encoder_and_loader(tiny_encoder):
    with pytest.raises(TypeError):
        create_app()
    with pytest.raises(TypeError):
        create_app(tiny_encoder, loader=lambda: Backends(tiny_encoder))


# errors


def test_malformed_json_is_400(client):
    response = client.post("/embed", content=b'{"pairs": [["a", "b"]', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["field"] == "body" and "JSON" in error["expected"]


def test_a_body_not_sent_as_json_is_415(client):
    response = client.post("/embed", content=b'{"pairs": [["a", "b"]]}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 415 and "application/json" in error_of(response)["expected"]


@pytest.mark.parametrize(
    ("route", "body", "field", "value"),
    [
        ("/embed", {"pairs": [["a", "b"], ["c", " "]]}, "pairs[1][1]", " "),
        ("/embed", {"pairs": [["a", "b", "c"]]}, "pairs[0]", ["a", "b", "c"]),
        ("/embed", {"pairs": [["a", 3]]}, "pairs[0][1]", 3),
        ("/embed", {"pairs": []}, "pairs", []),
        ("/embed", {"pair": [["a", "b"]]}, "pairs", None),
        ("/embed", {"pairs": [["a", "b"]], "pair": 1}, "pair", 1),
        ("/similarity", {"pairs": PAIRS, "query": ["a", "b"]}, "body", None),
        ("/analogy", {"stem": ["a", "b"], "choices": [["c", "d"]], "direction": "sideways"}, "direction", "sideways"),
        ("/search", {"pairs": PAIRS, "k": 0}, "k", 0),
        ("/complete", {"a": "x", "b": "y"}, "c", None),
    ],
)
def test_invalid_fields_are_422_naming_field_value_and_expectation(tiny_encoder, route, body, field, value):
    with TestClient(create_app(tiny_encoder, index=FakeIndex(), completer=FakeIndex())) as client:
        response = client.post(route, json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field and error["expected"]
    if value is not None:
        assert error["value"] == value


def test_limits_words_pairs_k_and_body(tiny_encoder):
    settings = ServeSettings(max_pairs=4, max_word_length=10, max_body_bytes=2000, max_k=5)
    with TestClient(create_app(tiny_encoder, index=FakeIndex(), settings=settings)) as client:
        long_word = client.post("/embed", json={"pairs": [["a", "b"], ["x" * 11, "y"]]})
        assert long_word.status_code == 422
        assert error_of(long_word) == {
            "field": "pairs[1][0]",
            "value": "x" * 11,
            "expected": "a word of at most 10 characters (--max-word-length)",
        }
        too_many = client.post("/analogy", json={"stem": ["a", "b"], "choices": [["c", "d"]] * 4})
        assert too_many.status_code == 413
        assert error_of(too_many)["field"] == "stem + choices" and error_of(too_many)["value"] == "5 pairs"
        assert client.post("/search", json={"pairs": [["a", "b"]], "k": 6}).status_code == 422

        big = client.post("/embed", json={"pairs": [["a", "b"]] * 300})
        assert big.status_code == 413
        assert error_of(big)["field"] == "body" and "2000 bytes" in error_of(big)["expected"]

        def chunked():  # no Content-Length: the guard counts the bytes as they come
            yield b'{"pairs": ['
            for _ in range(300):
                yield b'["a", "b"],'
            yield b'["a", "b"]]}'

        streamed = client.post("/embed", content=chunked(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413 and error_of(streamed)["value"] == "more than 2000 bytes"
        assert client.post("/embed", json={"pairs": [["a", "b"]] * 4}).status_code == 200


def test_a_prompt_too_long_for_the_encoder_is_422_from_the_library(client):
    # The tiny encoder reads 128 tokens; "x." * 50 is 100 tokens, twice over.
    word = "x." * 50
    response = client.post("/embed", json={"pairs": [["a", "b"], [word, word]]})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "pairs[1]" and "128 tokens" in error["expected"]


def test_unknown_path_and_method_answer_in_the_same_shape(client):
    assert error_of(client.get("/nowhere"))["field"] == "path"
    response = client.get("/embed")
    assert response.status_code == 405 and error_of(response)["value"] == "GET"


# who gets in


@pytest.fixture
def keyed(tiny_encoder):
    with TestClient(create_app(tiny_encoder, settings=ServeSettings(api_key="s3cret-key"))) as client:
        yield client


def test_api_key_missing_is_401_and_wrong_is_403(keyed):
    missing = keyed.post("/embed", json={"pairs": PAIRS})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert error_of(missing)["field"] == "Authorization"
    wrong = keyed.post("/embed", json={"pairs": PAIRS}, headers={"Authorization": "Bearer s3cret-kez"})
    assert wrong.status_code == 403 and "s3cret" not in wrong.text
    assert keyed.get("/info", headers={"X-API-Key": "nope"}).status_code == 403


def test_api_key_opens_every_route_and_health_needs_none(keyed):
    assert keyed.get("/health").status_code == 200
    assert keyed.get("/docs").status_code == 401 and keyed.get("/openapi.json").status_code == 401
    assert keyed.post("/embed", json={"pairs": PAIRS}, headers={"Authorization": "Bearer s3cret-key"}).is_success
    assert keyed.get("/info", headers={"X-API-Key": "s3cret-key"}).is_success


def test_no_cors_unless_asked(tiny_encoder, client):
    origin = {"Origin": "https://example.org"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    settings = ServeSettings(cors_origins=("https://example.org",))
    with TestClient(create_app(tiny_encoder, settings=settings)) as allowed:
        headers = allowed.get("/health", headers=origin).headers
    assert headers["access-control-allow-origin"] == "https://example.org"


@pytest.mark.parametrize(
    ("option", "value"), [("max_pairs", 0), ("max_batch", -1), ("max_wait_ms", -1.0), ("api_key", "")]
)
def test_settings_are_checked(option, value):
    with pytest.raises(RelvecError, match=option):
        ServeSettings(**{option: value})


# batching, through the whole app


async def _concurrently(app, bodies: list[dict]) -> list[httpx.Response]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/embed", json=body) for body in bodies))


BATCH_REQUESTS = [
    [["paris", "france"]],
    [["a considerably longer head phrase", "tail"], ["cat", "animal"]],
    [["tokyo", "japan"], ["paris", "france"]],
    [["x", "y"]],
]


def test_concurrent_requests_are_batched_and_agree_with_unbatched_answers(tiny_encoder):
    """A request batched with others meets them in one encode call, deduplicated and length-sorted, so its
    prompts sit in forward batches of another shape and padding: kernels may sum in another order. The answers
    agree to 1e-5 (here they are bit-identical on this CPU: padding is masked out and the tiny model's sums
    happen to come out the same); unbatched, each request is one encode call of its own, bit for bit."""
    bodies = [{"pairs": pairs} for pairs in BATCH_REQUESTS]
    # A long wait so that all four certainly meet; tiny forward batches so that padding really differs.
    encoder = tiny_encoder.with_options(batch_size=2)
    batched_app = create_app(encoder, settings=ServeSettings(max_wait_ms=500))
    batched = asyncio.run(_concurrently(batched_app, bodies))
    assert batched_app.state.service.batcher.calls == 1
    unbatched_app = create_app(encoder, settings=ServeSettings(batching=False))
    unbatched = asyncio.run(_concurrently(unbatched_app, bodies))
    assert unbatched_app.state.service.batcher.calls == len(bodies)
    for pairs, one, alone in zip(BATCH_REQUESTS, batched, unbatched, strict=True):
        together, apart = np.array(one.json()["vectors"]), np.array(alone.json()["vectors"])
        np.testing.assert_array_equal(apart, encoder.encode([tuple(p) for p in pairs]))
        assert np.max(np.abs(together - apart)) <= 1e-5


def test_a_bad_request_never_harms_the_ones_batched_beside_it(tiny_encoder):
    too_long = "x." * 50
    bodies = [{"pairs": [["paris", "france"]]}, {"pairs": [["a", "b"], [too_long, too_long]]}, {"pairs": PAIRS}]
    app = create_app(tiny_encoder, settings=ServeSettings(max_wait_ms=500))
    good, bad, also_good = asyncio.run(_concurrently(app, bodies))
    assert bad.status_code == 422 and error_of(bad)["field"] == "pairs[1]"  # its own index, not the batch's
    np.testing.assert_array_equal(good.json()["vectors"], tiny_encoder.encode([("paris", "france")]))
    np.testing.assert_array_equal(also_good.json()["vectors"], tiny_encoder.encode([tuple(p) for p in PAIRS]))
    assert app.state.service.batcher.calls == 4  # the spoiled batch, then each request alone
