"""RelationIndex on hand-made vectors: exact order and scores, saving and loading, and every bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from apps_stubs import CAPITALS, INDEXED, TableEncoder

pytest.importorskip("faiss")

from relvec.apps.index import FORMAT_VERSION, IndexOptions, RelationIndex  # noqa: E402
from relvec.apps.index_folder import file_sha256  # noqa: E402
from relvec.errors import RelvecError  # noqa: E402


@pytest.fixture
def encoder():
    return TableEncoder(CAPITALS)


@pytest.fixture
def index(encoder):
    return RelationIndex.build(encoder, INDEXED)


def ranked(hits):
    return [(f"{hit.head}:{hit.tail}", round(hit.score, 5)) for hit in hits]


def test_search_order_and_cosine_scores(index):
    (hits,) = index.search("berlin:germany", k=5)
    assert ranked(hits) == [
        ("paris:france", 1.0),
        ("paris:city", 0.96),
        ("tokyo:japan", 0.8),
        ("rome:italy", 0.6),
        ("cat:animal", 0.0),
    ]
    assert [hit.id for hit in hits] == [0, 1, 2, 3, 4]


def test_queries_as_tuples_lists_and_vectors_agree(index):
    by_text = index.search(["berlin:germany", ("rome", "italy")], k=2)
    by_vector = index.search(np.array([[3, 0, 0], [0.6, 0.8, 0]], dtype=np.float32), k=2)
    assert [ranked(h) for h in by_text] == [ranked(h) for h in by_vector]
    assert ranked(by_text[1]) == [("rome:italy", 1.0), ("tokyo:japan", 0.96)]
    assert ranked(index.search(("berlin", "germany"), k=1)[0]) == [("paris:france", 1.0)]


def test_exclude_shared_words_drops_pairs_with_a_query_word(index):
    (hits,) = index.search("Paris:capital", k=2, exclude_shared_words=True)
    assert ranked(hits) == [("tokyo:japan", 0.8), ("rome:italy", 0.6)]
    (hits,) = index.search("paris:capital", k=5, exclude_shared_words=True)
    assert len(hits) == 3  # only three pairs are left once both paris pairs are dropped


def test_add_appends_and_search_sees_it(index):
    index.add([("berlin", "germany")])
    assert len(index) == 6
    (hits,) = index.search("paris:capital", k=2)
    assert [hit.id for hit in hits] in ([0, 5], [5, 0]) and hits[1].score == pytest.approx(1.0)
    index.add([("x", "y")], vectors=np.array([[0, 0, -1]]))
    assert ranked(index.search(np.array([0, 0, -2.0]), k=1)[0]) == [("x:y", 1.0)]


def test_save_and_load_give_the_same_results(index, encoder, tmp_path):
    folder = index.save(tmp_path / "idx")
    assert sorted(p.name for p in folder.iterdir()) == ["index.faiss", "manifest.json", "pairs.jsonl"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION and manifest["count"] == 5
    assert manifest["model"] == {"source": "table", "template": None, "pooling": "mask", "normalize": False, "dim": 3}
    assert (folder / "pairs.jsonl").read_text().splitlines()[0] == '["paris", "france"]'
    loaded = RelationIndex.load(folder, encoder)
    assert ranked(loaded.search("berlin:germany", 5)[0]) == ranked(index.search("berlin:germany", 5)[0])
    np.testing.assert_allclose(loaded.vectors()[2], [0.8, 0.6, 0], atol=1e-6)
    assert not list(tmp_path.glob(".idx.tmp-*"))


def test_a_query_encoder_with_other_settings_is_refused(index, tmp_path):
    other = TableEncoder(CAPITALS, pooling="average")
    with pytest.raises(RelvecError, match=r"differs from the model the index was built with: pooling 'average' \("):
        index.attach(other)
    folder = index.save(tmp_path / "idx")
    with pytest.raises(RelvecError, match="source 'other' \\(index: 'table'\\)"):
        RelationIndex.load(folder, TableEncoder(CAPITALS, source="other"))


def test_a_loaded_index_without_encoder_takes_vectors_but_not_pairs(index, tmp_path):
    loaded = RelationIndex.load(index.save(tmp_path / "idx"))
    assert ranked(loaded.search(np.array([0, 0, 1.0]), 1)[0]) == [("cat:animal", 1.0)]
    with pytest.raises(RelvecError, match="no encoder attached"):
        loaded.search("berlin:germany", 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda i: i.search("berlin:germany", 0), "k must be an integer from 1 to the index size 5; got 0"),
        (lambda i: i.search("berlin:germany", 6), "k must be an integer from 1 to the index size 5; got 6"),
        (lambda i: i.search("berlin", 1), "query must be 'head:tail'"),
        (lambda i: i.search("berlin: ", 1), "query tail must be a non-empty word"),
        (lambda i: i.search(np.zeros((1, 4)), 1), r"queries must be an array of shape \(n, 3\)"),
        (lambda i: i.search(np.ones(3), 1, exclude_shared_words=True), "exclude_shared_words must be False"),
        (lambda i: i.add([("a", "b")], np.ones((2, 3))), r"vectors must be \(1, 3\)"),
        (lambda i: i.search([], 1), "queries must be at least one query"),
    ],
)
def test_bad_search_and_add_arguments(index, call, message):
    with pytest.raises(RelvecError, match=message):
        call(index)


def test_bad_options():
    with pytest.raises(RelvecError, match="kind must be one of 'flat', 'hnsw', 'ivf'; got 'lsh'"):
        IndexOptions(kind="lsh")
    with pytest.raises(RelvecError, match="ef_search must be a positive integer; got 0"):
        IndexOptions(ef_search=0)


def test_save_refuses_an_existing_folder_and_leaves_nothing_half_written(index, tmp_path, monkeypatch):
    folder = index.save(tmp_path / "idx")
    with pytest.raises(RelvecError, match="already exists"):
        index.save(folder)
    index.add([("berlin", "germany")])
    index.save(folder, overwrite=True)
    assert json.loads((folder / "manifest.json").read_text())["count"] == 6

    import faiss

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken)
    with pytest.raises(RelvecError, match="writing index folder '.*new' failed \\(disk full\\); it was left as it was"):
        index.save(tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


def corrupt(folder, name, text):
    """Damage a file and record its new checksum, as a crafted folder would: the checks after the checksums."""
    (folder / name).write_text(text)
    if name != "manifest.json":
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["sha256"][name] = file_sha256(folder / name)
        (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "manifest.json").unlink(), "has no manifest.json: not a relvec index"),
        (lambda f: corrupt(f, "manifest.json", "{"), "manifest.json is corrupt"),
        (lambda f: corrupt(f, "index.faiss", "garbage"), "index.faiss is missing or corrupt"),
        (lambda f: corrupt(f, "pairs.jsonl", '["a", "b"]\n'), "corrupt: 1 pairs, 5 vectors"),
        (lambda f: corrupt(f, "pairs.jsonl", "not json\n"), "corrupt: pairs.jsonl, line 1"),
        (lambda f: (f / "pairs.jsonl").write_text('["x", "y"]\n'), "pairs.jsonl has changed since relvec wrote"),
        (
            lambda f: corrupt(f, "manifest.json", json.dumps({**_manifest(f), "sha256": None})),
            "records no sha256 of index.faiss and pairs.jsonl .*rebuild it",
        ),
        (
            lambda f: corrupt(f, "manifest.json", json.dumps({**_manifest(f), "format_version": FORMAT_VERSION + 1})),
            f"has format version {FORMAT_VERSION + 1}, newer than this relvec reads \\({FORMAT_VERSION}\\)",
        ),
    ],
)
def test_corrupt_or_newer_folders_are_refused(index, tmp_path, damage, message):
    folder = index.save(tmp_path / "idx")
    damage(folder)
    with pytest.raises(RelvecError, match=message):
        RelationIndex.load(folder)


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(RelvecError, match="index folder '.*nope' does not exist"):
        RelationIndex.load(tmp_path / "nope")


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_kinds_find_the_exact_neighbours_of_a_small_set(kind, tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    pairs = [(f"h{i}", f"t{i}") for i in range(300)]
    model = {"source": "random", "template": None, "pooling": None, "normalize": False, "dim": 16}
    exact = RelationIndex(model)
    exact.add(pairs, vectors)
    approximate = RelationIndex(model, IndexOptions(kind=kind, nlist=8, nprobe=8, ivf_train_size=100))
    approximate.add(pairs[:50], vectors[:50])  # IVF: held back until 100 vectors have come to train on
    approximate.add(pairs[50:], vectors[50:])
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    expected = [[hit.id for hit in hits] for hits in exact.search(queries, 5)]
    assert [[hit.id for hit in hits] for hits in approximate.search(queries, 5)] == expected
    loaded = RelationIndex.load(approximate.save(tmp_path / kind))
    assert [[hit.id for hit in hits] for hits in loaded.search(queries, 5)] == expected
    np.testing.assert_allclose(loaded.vectors()[7], vectors[7] / np.linalg.norm(vectors[7]), atol=1e-6)
