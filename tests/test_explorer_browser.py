"""The explorer page in a real headless Chromium against a real ``relvec serve`` on 127.0.0.1.

The server runs the tiny test encoder with a 12-pair index, completion and an API key; the browser types into
the page and clicks as a person would, and every number the page shows is checked against the JSON API's own
answer to the same request. Skipped, with the reason, when no Chromium is installed (``apt-get install
chromium``; .ci/run installs it and sets RELVEC_REQUIRE_BROWSER=1, which turns that skip into a failure).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from browser import Chromium, find_chromium
from relvec.serve import API_KEY_ENV

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("RELVEC_REQUIRE_BROWSER") == "1":
        raise RuntimeError("RELVEC_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
    pytest.skip("no Chromium installed: apt-get install chromium (.ci/run does)", allow_module_level=True)

KEY = "explorer-test-key"
INDEX_PAIRS = [
    ("paris", "france"), ("tokyo", "japan"), ("rome", "italy"), ("berlin", "germany"),
    ("dog", "bark"), ("cat", "meow"), ("cow", "moo"), ("duck", "quack"),
    ("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"),
]  # fmt: skip
READY_WITHIN_S = 120  # imports, the model, GloVe for completion; a busy 2-core machine needs tens of seconds
HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def server(tiny_encoder_dir, tmp_path_factory):
    """``relvec serve --open`` on a port of the system's choosing; yields (page address, its output so far)."""
    from relvec import RelationEncoder
    from relvec.apps.index import RelationIndex

    folder = tmp_path_factory.mktemp("explorer") / "index"
    RelationIndex.build(RelationEncoder(tiny_encoder_dir, device="cpu"), INDEX_PAIRS).save(folder)
    command = [sys.executable, "-m", "relvec", "serve", "-m", str(tiny_encoder_dir), "--index", str(folder)]
    command += ["--complete", "--port", "0", "--open", "--threads", "1", "--max-word-length", "60"]
    env = {**os.environ, API_KEY_ENV: KEY, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        url = _announced_url(process, lines)
        _wait_until_healthy(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _announced_url(process: subprocess.Popen, lines: queue.Queue) -> str:
    deadline = time.monotonic() + READY_WITHIN_S
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                raise AssertionError(f"relvec serve exited with {process.returncode}: {''.join(seen)}") from None
            continue
        seen.append(line)
        match = re.search(r"the explorer page is at (\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError(f"relvec serve --open printed no address within {READY_WITHIN_S} s: {''.join(seen)}")


def _wait_until_healthy(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline and process.poll() is None:
        if httpx.get(f"{url}health", timeout=5).status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError("relvec serve did not become healthy")


@pytest.fixture(scope="module")
def browser():
    with Chromium(CHROMIUM) as browser:
        yield browser


@pytest.fixture
def page(browser, server):
    """The page loaded and given the key, ready."""
    page = browser.new_page()
    page.goto(server)
    page.type("#api-key", KEY)
    page.click("#key-form button")
    page.wait_until("document.getElementById('status').textContent === 'ready'", 20, "the page to be ready")
    yield page
    _assert_clean(page, server)
    page.send("Page.close")


def _assert_clean(page, server: str) -> None:
    """No script error, nothing fetched from anywhere but the service, and the key never in an address."""
    assert page.events("Runtime.exceptionThrown") == []
    for request in page.events("Network.requestWillBeSent"):
        url = request["request"]["url"]
        assert url.startswith((server, "blob:", "data:")), url
        assert KEY not in url
    assert page.evaluate("window.__pwned === undefined")


def api(server: str, path: str, body: dict) -> dict:
    response = httpx.post(f"{server}{path.lstrip('/')}", json=body, headers={"X-API-Key": KEY}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def shown_numbers(page, selector: str) -> list[list[tuple[float, str]]]:
    """Each row's number cells: (the exact value the page holds, the text it shows)."""
    rows = page.evaluate(
        f"[...document.querySelectorAll({json.dumps(selector + ' tbody tr')})].map(row => "
        "[...row.querySelectorAll('td.num')].map(cell => [cell.dataset.value, cell.textContent]))"
    )
    return [[(float(value), text) for value, text in row] for row in rows]


def assert_shown(shown: list[tuple[float, str]], expected: list[float]) -> None:
    assert [value for value, _ in shown] == expected  # the page holds the API's numbers exactly
    for value, text in shown:
        assert re.fullmatch(r"-?\d\.\d{3}", text) and abs(float(text) - value) <= 0.0005 + 1e-12


def cells(page, selector: str) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll({json.dumps(selector)})].map(cell => cell.textContent)")


def test_the_key_is_asked_for_and_a_wrong_one_is_refused(browser, server):
    page = browser.new_page()
    page.goto(server)
    page.wait_until("document.getElementById('status').textContent === 'API key needed'", 20, "the key request")
    assert "needs an API key" in page.text("#api-key-error")
    page.click("#similarity-form button[type=submit]")
    page.wait_until("document.getElementById('similarity-form-error').textContent !== ''", 10, "the 401")
    assert "needs an API key" in page.text("#similarity-form-error")

    page.type("#api-key", "not-the-key")
    page.click("#key-form button")
    page.wait_until("document.getElementById('status').textContent === 'API key refused'", 10, "the 403")
    assert page.text("#api-key-error") == "The API key is wrong."
    sent = [r["request"]["headers"].get("Authorization") for r in page.events("Network.requestWillBeSent")]
    assert "Bearer not-the-key" in sent

    page.type("#api-key", KEY)
    page.click("#key-form button")
    page.wait_until("document.getElementById('status').textContent === 'ready'", 10, "the page to be ready")
    assert page.text("#api-key-error") == ""
    assert page.text("#info-dim") == "32" and page.text("#info-index") == "12 pairs"
    assert page.evaluate("document.getElementById('search-mode').hidden")  # no /most_similar: no arithmetic
    _assert_clean(page, server)
    page.send("Page.close")


def test_similarity_matrix_shows_the_apis_cosines_and_markup_as_text(page, server):
    typed = f"paris:france, dog:bark\n{HOSTILE}:bark; hot:cold"
    page.type("#similarity-pairs", typed)
    page.click("#similarity-form button[type=submit]")
    page.wait_until("!!document.getElementById('similarity-table')", 20, "the matrix")
    pairs = [["paris", "france"], ["dog", "bark"], [HOSTILE, "bark"], ["hot", "cold"]]
    matrix = api(server, "/similarity", {"pairs": pairs})["matrix"]
    for shown, row in zip(shown_numbers(page, "#similarity-table"), matrix, strict=True):
        assert_shown(shown, row)
    assert cells(page, "#similarity-table th.row-head .pair") == [f"{h}:{t}" for h, t in pairs]
    # The markup is text: no element was made from it, and its handler never ran.
    assert page.evaluate("document.querySelectorAll('#similarity-result img').length") == 0


def test_search_shows_the_nearest_pairs_of_the_index(page, server):
    page.type("#search-query", "paris:france")
    page.type("#search-k", "5")
    page.click("#search-form button[type=submit]")
    page.wait_until("!!document.getElementById('search-table-0')", 20, "the hits")
    hits = api(server, "/search", {"pairs": [["paris", "france"]], "k": 5})["results"][0]
    assert cells(page, "#search-table-0 td.pair") == [f"{hit['head']}:{hit['tail']}" for hit in hits]
    assert_shown([row[0] for row in shown_numbers(page, "#search-table-0")], [hit["score"] for hit in hits])


def test_completion_shows_scores_with_their_relation_and_offset_parts(page, server):
    for field, word in zip("abc", ["paris", "france", "rome"], strict=True):
        page.type(f"#complete-{field}", word)
    page.type("#complete-k", "5")
    page.click("#complete-form button[type=submit]")
    page.wait_until("!!document.getElementById('complete-table')", 30, "the completions")
    found = api(server, "/complete", {"a": "paris", "b": "france", "c": "rome", "k": 5})["completions"]
    assert cells(page, "#complete-table td.word") == [item["word"] for item in found]
    for shown, item in zip(shown_numbers(page, "#complete-table"), found, strict=True):
        assert_shown(shown, [item["score"], item["relation"], item["offset"]])


def test_labels_show_each_pairs_nearest_relation(page, server, tiny_encoder):
    page.type("#label-relations", "capital = paris:france, tokyo:japan\nsound = dog:bark, cat:meow")
    page.type("#label-pairs", f"rome:italy, cow:moo, {HOSTILE}:x")
    page.click("#label-form button[type=submit]")
    page.wait_until("!!document.getElementById('label-table')", 20, "the labels")
    relations = {"capital": [["paris", "france"], ["tokyo", "japan"]], "sound": [["dog", "bark"], ["cat", "meow"]]}
    pairs = [["rome", "italy"], ["cow", "moo"], [HOSTILE, "x"]]
    answer = api(server, "/label", {"relations": relations, "pairs": pairs})
    assert cells(page, "#label-table td .chip") == [label["relation"] for label in answer["labels"]]
    assert cells(page, "#label-table td.pair")[2] == f"{HOSTILE}:x"
    for shown, label in zip(shown_numbers(page, "#label-table"), answer["labels"], strict=True):
        assert_shown(shown, [label["score"], *label["scores"]])
    from relvec.apps.label import RelationLabeller

    labeller = RelationLabeller(tiny_encoder, {name: [tuple(p) for p in ps] for name, ps in relations.items()})
    expected = labeller.scores([tuple(pair) for pair in pairs])
    np.testing.assert_allclose([label["scores"] for label in answer["labels"]], expected, atol=1e-5)


def test_maps_of_typed_pairs_and_of_the_index_are_drawn(page):
    page.click("#map-form button[type=submit]")
    loaded = "(() => { const i = document.getElementById('map-image'); return !!i && i.complete && i.naturalWidth; })()"
    width = page.wait_until(loaded, 60, "the map of typed pairs")
    assert width > 500
    page.evaluate("document.getElementById('map-image').remove()")
    page.type("#map-sample", "12")
    page.click("#map-index-button")
    assert page.wait_until(loaded, 60, "the map of the index") > 500
    assert page.evaluate("document.getElementById('map-image').alt") == "relation map of the index"


def test_errors_are_shown_next_to_the_field_that_caused_them(page):
    page.type("#similarity-pairs", "paris:france, dog")  # not head:tail: the page says so before asking
    page.click("#similarity-form button[type=submit]")
    page.wait_until("document.getElementById('similarity-pairs-error').textContent !== ''", 10, "the input error")
    assert 'Pair 2, "dog", is not head:tail' in page.text("#similarity-pairs-error")

    long_word = "x" * 61  # the server runs with --max-word-length 60
    page.type("#similarity-pairs", f"paris:france, {long_word}:y")
    page.click("#similarity-form button[type=submit]")
    page.wait_until("document.getElementById('similarity-pairs-error').textContent.includes('60')", 10, "the 422")
    message = page.text("#similarity-pairs-error")
    assert "Pair 2 (xxxxxxxxxx" in message and "), head: expected a word of at most 60 characters" in message
    assert "--max-word-length" in message
    assert page.evaluate("document.getElementById('similarity-pairs').classList.contains('invalid')")

    page.type("#complete-k", "55")  # the completer re-ranks 50 3CosAdd candidates
    page.click("#complete-form button[type=submit]")
    page.wait_until("document.getElementById('complete-k-error').textContent !== ''", 30, "the k error")
    assert "at most the number of candidates re-ranked (50)" in page.text("#complete-k-error")
    assert page.text("#complete-form-error") == ""


@pytest.fixture
def arithmetic_server(tiny_encoder):
    """The service in this process over a stand-in index that has ``most_similar`` (relation arithmetic):
    the page must offer the arithmetic form, send the expression as typed and show the index's answer."""
    import uvicorn

    from relvec.apps.index import Hit
    from relvec.serve import create_app

    class Index:
        asked = None

        def search(self, pairs, k):
            return [[Hit(pair[0], pair[1], 1.0, 0)] for pair in pairs]

        def most_similar(self, positive, negative, topn):
            Index.asked = {"positive": [list(p) for p in positive], "negative": [list(p) for p in negative], "k": topn}
            return [Hit("rome", "italy", 0.75, 0), Hit("oslo", "norway", 0.5, 1)]

    index = Index()
    app = create_app(tiny_encoder, index=index)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield index, f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=30)


def test_relation_arithmetic_is_offered_when_the_service_has_most_similar(browser, arithmetic_server):
    index, url = arithmetic_server
    page = browser.new_page()
    page.goto(url)
    page.wait_until("document.getElementById('status').textContent === 'ready'", 20, "the page to be ready")
    page.wait_until("!document.getElementById('search-mode').hidden", 10, "the arithmetic switch")
    page.click('input[name="search-mode"][value="arithmetic"]')
    page.type("#search-positive", "paris:france, tokyo:japan")
    page.type("#search-negative", "dog:bark")
    page.type("#search-k", "2")
    page.click("#search-form button[type=submit]")
    page.wait_until("!!document.getElementById('search-table-0')", 20, "the hits")
    assert index.asked == {
        "positive": [["paris", "france"], ["tokyo", "japan"]],
        "negative": [["dog", "bark"]],
        "k": 2,
    }
    assert cells(page, "#search-table-0 td.pair") == ["rome:italy", "oslo:norway"]
    assert_shown([row[0] for row in shown_numbers(page, "#search-table-0")], [0.75, 0.5])
    assert page.text("#search-result h3") == "nearest to paris:france + tokyo:japan − dog:bark"
    _assert_clean(page, url)
    page.send("Page.close")
