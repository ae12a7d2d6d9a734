"""Zero-shot labelling on hand-made vectors: prototypes, scores, labels, the relations file and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from apps_stubs import TableEncoder
from relvec.apps.label import RelationLabeller, read_relations
from relvec.cli import main
from relvec.errors import RelvecError

TABLE = {
    ("paris", "france"): [1, 0, 0],
    ("tokyo", "japan"): [0, 1, 0],  # prototype of "capital": mean of (1,0,0), (0,1,0) = (0.5, 0.5, 0)
    ("cat", "animal"): [0, 0, 3],  # prototype of "hypernym": (0, 0, 1)
    ("rome", "italy"): [1, 1, 0],  # cos with capital 1, with hypernym 0
    ("dog", "pet"): [0, 1, 1],  # cos with capital 0.5, with hypernym 1/sqrt(2)
    ("x", "y"): [-1, -1, 0],  # cos -1 and 0: hypernym wins with 0
}
RELATIONS = {"capital": [("paris", "france"), ("tokyo", "japan")], "hypernym": [("cat", "animal")]}


def test_labels_and_scores_are_cosines_with_the_mean_prototype():
    labeller = RelationLabeller(TableEncoder(TABLE), RELATIONS)
    np.testing.assert_allclose(labeller.prototypes, [[0.5, 0.5, 0], [0, 0, 1]])
    pairs = [("rome", "italy"), ("dog", "pet"), ("x", "y")]
    np.testing.assert_allclose(labeller.scores(pairs), [[1, 0], [0.5, 2**-0.5], [-1, 0]], atol=1e-6)
    labels = labeller.label(pairs)
    assert [(label.relation, round(label.score, 6)) for label in labels] == [
        ("capital", 1.0),
        ("hypernym", round(2**-0.5, 6)),
        ("hypernym", 0.0),
    ]
    assert labels[0].as_dict() == {"head": "rome", "tail": "italy", "relation": "capital", "score": pytest.approx(1)}


def test_relations_file(tmp_path):
    path = tmp_path / "relations.jsonl"
    lines = [
        {"relation": "capital", "pairs": [["paris", "france"]]},
        {"relation": "hypernym", "pairs": [["cat", "animal"]]},
        {"relation": "capital", "pairs": [["tokyo", "japan"]]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    assert read_relations(path) == RELATIONS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--relations '.*': no such file"),
        ("\n", "is empty; expected one relation per line"),
        ("{", "line 1: not valid JSON"),
        ('{"name": "x"}', 'line 1: expected {"relation": NAME'),
        ('{"relation": "x", "pairs": []}', "line 1: 'pairs' must be a non-empty list"),
        ('{"relation": "x", "pairs": [["a", ""]]}', r"line 1, pairs\[0\]\[1\] \(tail\) must be a non-empty word"),
    ],
)
def test_bad_relations_files(tmp_path, content, message):
    path = tmp_path / "relations.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RelvecError, match=message):
        read_relations(path)


def test_cli_label_writes_tsv_or_jsonl(tiny_encoder_dir, tmp_path, capsys):
    from relvec import RelationEncoder

    relations = tmp_path / "relations.jsonl"
    relations.write_text(
        json.dumps({"relation": "capital", "pairs": [["paris", "france"]]})
        + "\n"
        + json.dumps({"relation": "hypernym", "pairs": [["cat", "animal"], ["dog", "mammal"]]})
    )
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("rome\titaly\nlion\tanimal\n")
    model = ["-m", str(tiny_encoder_dir), "-q"]
    assert main(["label", str(pairs), "--relations", str(relations), *model]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    expected = RelationLabeller(RelationEncoder(tiny_encoder_dir, device="cpu"), read_relations(relations)).label(
        [("rome", "italy"), ("lion", "animal")]
    )
    assert [(h, t, r) for h, t, r, _ in lines] == [(e.head, e.tail, e.relation) for e in expected]
    np.testing.assert_allclose([float(s) for *_, s in lines], [e.score for e in expected], atol=1e-5)
    out = tmp_path / "labels.jsonl"
    assert main(["label", str(pairs), "--relations", str(relations), "-o", str(out), *model]) == 0
    assert [json.loads(line)["relation"] for line in out.read_text().splitlines()] == [e.relation for e in expected]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.jsonl", "pairs.tsv", "relations.jsonl"]


def test_cli_label_bad_input_writes_nothing(tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("rome\titaly\n")
    out = tmp_path / "labels.tsv"
    assert main(["label", str(pairs), "--relations", str(tmp_path / "none.jsonl"), "-o", str(out)]) == 2
    assert "--relations '" in capsys.readouterr().err and not out.exists()
