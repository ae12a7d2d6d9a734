"""relvec index build / search / similarity on the tiny encoder: what they print and how they refuse bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

pytest.importorskip("faiss")

from relvec import RelationEncoder  # noqa: E402
from relvec.apps.index import RelationIndex  # noqa: E402
from relvec.cli import main  # noqa: E402

PAIRS = [("paris", "france"), ("tokyo", "japan"), ("cat", "animal"), ("big", "bigger"), ("rome", "italy")]


@pytest.fixture
def pair_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{h}\t{t}\n" for h, t in PAIRS), encoding="utf-8")
    return path


@pytest.fixture
def built(tiny_encoder_dir, pair_file, tmp_path):
    folder = tmp_path / "idx"
    command = ["index", "build", str(pair_file), "-o", str(folder), "-m", str(tiny_encoder_dir), "-p", "mask", "-q"]
    assert main(command) == 0
    return folder


def test_build_then_search_prints_the_api_results(built, tiny_encoder_dir, capsys):
    assert main(["search", str(built), "paris:france", "-k", "3", "--json", "-m", str(tiny_encoder_dir)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    encoder = RelationEncoder(tiny_encoder_dir, pooling="mask", device="cpu")
    expected = RelationIndex.load(built, encoder).search("paris:france", 3)[0]
    assert record["query"] == ["paris", "france"]
    assert [(h["head"], h["tail"], h["id"]) for h in record["hits"]] == [(h.head, h.tail, h.id) for h in expected]
    assert record["hits"][0] == {"head": "paris", "tail": "france", "score": pytest.approx(1.0, abs=1e-5), "id": 0}
    vectors = encoder.encode(PAIRS)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose([h["score"] for h in record["hits"]], np.sort(unit @ unit[0])[::-1][:3], atol=1e-5)


def test_search_without_m_names_the_folder_to_pass(built, tiny_encoder_dir, capsys):
    assert main(["search", str(built), "paris:france"]) == 2
    err = capsys.readouterr().err
    assert f"the index was built with the model folder '{tiny_encoder_dir}'" in err
    assert f"pass -m {tiny_encoder_dir} if you trust that folder" in err


def test_search_text_output_and_exclusion(built, tiny_encoder_dir, capsys):
    command = ["search", str(built), "paris:europe", "-k", "2", "--exclude-shared-words", "-m", str(tiny_encoder_dir)]
    assert main(command) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "paris:europe" and len(out) == 3
    assert all(re.fullmatch(r"\s+\d  -?\d\.\d{4}  \w+:\w+", line) for line in out[1:])
    assert "paris:france" not in "\n".join(out[1:])


def test_build_refuses_an_existing_folder_and_reports_the_count(built, pair_file, tiny_encoder_dir, capsys):
    assert main(["index", "build", str(pair_file), "-o", str(built), "-m", str(tiny_encoder_dir)]) == 2
    assert "--output '" in capsys.readouterr().err
    assert main(["index", "build", str(pair_file), "-o", str(built), "-m", str(tiny_encoder_dir), "--overwrite"]) == 0
    assert "indexed 5 pairs (flat, dim 32)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["paris"], "QUERY must be 'head:tail' (two words joined by one colon), e.g. 'paris:france'; got 'paris'."),
        (["paris:"], "QUERY tail must be a non-empty word; got ''."),
        (["paris:france", "-k", "0"], "-k must be a positive integer; got 0."),
        (["paris:france", "-k", "6"], "-k must be at most the index size 5; got 6."),
        (["paris:france", "-k", "2", "-p", "average"], "pooling 'average' (index: 'mask')"),
    ],
)
def test_bad_search_arguments_are_one_line_errors(built, capsys, args, message):
    assert main(["search", str(built), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relvec search: error: ") and "\n" not in err and message in err


def test_missing_or_newer_index_folders(built, tmp_path, capsys):
    assert main(["search", str(tmp_path / "none"), "a:b"]) == 2
    assert f"index folder '{tmp_path / 'none'}' does not exist" in capsys.readouterr().err
    manifest = json.loads((built / "manifest.json").read_text())
    (built / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    assert main(["search", str(built), "a:b"]) == 2
    assert "has format version 99, newer than this relvec reads (1); upgrade relvec" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [("paris\tfrance\ncat\n", "pairs.tsv, line 2: expected 'head<TAB>tail'"), ("", "holds no pairs")],
)
def test_bad_pair_file_fails_before_the_model_loads_and_writes_nothing(tmp_path, capsys, content, message):
    source = tmp_path / "pairs.tsv"
    source.write_text(content)
    assert main(["index", "build", str(source), "-o", str(tmp_path / "idx"), "-m", str(tmp_path / "none")]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.tsv"]


def test_similarity_matrix(tiny_encoder_dir, capsys):
    assert main(["similarity", "paris:france", "tokyo:japan", "cat:animal", "-m", str(tiny_encoder_dir), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    vectors = RelationEncoder(tiny_encoder_dir, device="cpu").encode(PAIRS[:3])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(record["cosine"], unit @ unit.T, atol=1e-5)
    assert main(["similarity", "paris:france", "tokyo:japan", "-m", str(tiny_encoder_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["paris:france", "tokyo:japan"] and lines[1].split()[:2] == ["paris:france", "1.000"]


def test_similarity_needs_two_well_formed_pairs(capsys):
    assert main(["similarity", "paris:france"]) == 2
    assert "give at least two pairs" in capsys.readouterr().err
    assert main(["similarity", "paris:france", "tokyo-japan"]) == 2
    assert "PAIR must be 'head:tail'" in capsys.readouterr().err


@pytest.mark.integration
def test_embedded_model_index_finds_capitals(tmp_path, capsys):
    pairs = [("tokyo", "japan"), ("rome", "italy"), ("dog", "puppy"), ("hot", "cold"), ("wheel", "car")]
    source = tmp_path / "pairs.jsonl"
    source.write_text("".join(json.dumps(p) + "\n" for p in pairs))
    folder = tmp_path / "idx"
    model = ["-m", "all-MiniLM-L6-v2", "-t", "c", "-p", "difference"]
    assert main(["index", "build", str(source), "-o", str(folder), *model, "-q"]) == 0
    assert main(["search", str(folder), "paris:france", "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert {(h["head"], h["tail"]) for h in hits} == {("tokyo", "japan"), ("rome", "italy")}
