"""word2vec export: gensim reads it back and its most_similar agrees with relvec search."""

from __future__ import annotations

import numpy as np
import pytest

from apps_stubs import CAPITALS, INDEXED, TableEncoder

pytest.importorskip("faiss")
pytest.importorskip("gensim")

from gensim.models import KeyedVectors  # noqa: E402

from relvec.apps.export import export_word2vec, word2vec_key, word2vec_pair  # noqa: E402
from relvec.apps.index import RelationIndex  # noqa: E402
from relvec.cli import main  # noqa: E402


def test_keys():
    assert word2vec_key("new york", "usa") == "new_york__usa"
    assert word2vec_key("new_york", "usa") == "new%5Fyork__usa"
    assert word2vec_key("a\tb", "c  d") == "a%09b__c%20%20d"
    assert word2vec_key("100%", "c\u00a0d") == "100%25__c%C2%A0d"


TRICKY = ["new york", "new_york", "new  york", "a__b", "a", "b__c", "_a", "a_", "x%5Fy", "x_y", "é t", "naïve"]


def test_keys_are_injective_and_read_back():
    pairs = [(head, tail) for head in TRICKY for tail in TRICKY]
    keys = [word2vec_key(head, tail) for head, tail in pairs]
    assert len(set(keys)) == len(pairs)
    assert all(" " not in key and "\t" not in key for key in keys)
    assert [word2vec_pair(key) for key in keys] == pairs


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary"])
def test_gensim_reads_the_export_and_ranks_as_relvec_search(fmt, tmp_path):
    index = RelationIndex.build(TableEncoder(CAPITALS), INDEXED)
    index.add([("paris", "france"), ("new york", "usa")], np.array([[2, 0, 0], [0.1, 0.2, 0.9]]))  # a repeat
    path = tmp_path / "relations.w2v"
    assert export_word2vec(index, path, fmt=fmt) == (6, 1)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec-binary")
    assert kv.index_to_key == [
        "paris__france",
        "paris__city",
        "tokyo__japan",
        "rome__italy",
        "cat__animal",
        "new_york__usa",
    ]
    np.testing.assert_array_equal(kv.vectors, index.vectors()[[0, 1, 2, 3, 4, 6]])
    for row, (head, tail) in enumerate(INDEXED[:4]):  # cat:animal has ties at 0, which may come in any order
        hits = index.search(index.vectors()[row], len(index))[0]
        ours = [(word2vec_key(h.head, h.tail), round(h.score, 5)) for h in hits if h.id not in (row, 5)]
        theirs = [(key, round(score, 5)) for key, score in kv.most_similar(word2vec_key(head, tail), topn=4)]
        assert theirs == ours[:4], (head, tail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relations.w2v"]


def test_cli_export_round_trip_with_the_tiny_encoder(tiny_encoder_dir, tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("paris\tfrance\ntokyo\tjapan\ncat\tanimal\nbig\tbigger\nrome\titaly\n")
    folder, out = tmp_path / "idx", tmp_path / "out.txt"
    assert main(["index", "build", str(pairs), "-o", str(folder), "-m", str(tiny_encoder_dir), "-q"]) == 0
    assert main(["export", str(folder), "--format", "word2vec", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"exported 5 pairs to {out}"
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert main(["search", str(folder), "paris:france", "-k", "4", "--json", "-m", str(tiny_encoder_dir)]) == 0
    import json

    hits = json.loads(capsys.readouterr().out)["hits"][1:]
    expected = [(f"{h['head']}__{h['tail']}", round(h["score"], 5)) for h in hits]
    assert [(k, round(s, 5)) for k, s in kv.most_similar("paris__france", topn=3)] == expected


def test_cli_export_bad_input(tmp_path, capsys):
    assert main(["export", str(tmp_path / "none"), "-o", str(tmp_path / "x.txt")]) == 2
    assert "index folder '" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--format", "csv", "-o", str(tmp_path / "x.txt")]) == 2
    assert "--format must be one of 'word2vec', 'word2vec-binary'; got 'csv'" in capsys.readouterr().err
