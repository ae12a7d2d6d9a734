"""One pair file for every subcommand: extra columns ignored by embed and index build, map's --label-column,
and index build's letter-case folding."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("faiss")

from relvec.apps.index import RelationIndex  # noqa: E402
from relvec.cli import build_parser, main  # noqa: E402

LABELLED = (
    "Stockholm\tSweden\tcapital\n"
    "stockholm\tsweden\tcapital\n"
    "paris\tfrance\tcapital\n"
    "Paris\tFrance\tcapital\n"
    "cat\tanimal\thypernym\n"
    "cat\tanimal\thypernym\n"
    "dog\tpuppy\tyoung\n"
)


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "labelled.tsv"
    path.write_text(LABELLED, encoding="utf-8")
    return path


def test_embed_ignores_extra_columns(labelled, tmp_path, tiny_encoder_dir):
    plain = tmp_path / "plain.tsv"
    plain.write_text("".join("\t".join(line.split("\t")[:2]) + "\n" for line in LABELLED.splitlines()))
    for source, out in ((labelled, "a.npy"), (plain, "b.npy")):
        assert main(["embed", str(source), "-o", str(tmp_path / out), "-m", str(tiny_encoder_dir), "-q"]) == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (7, 32)
    np.testing.assert_array_equal(a, b)


def test_index_build_folds_case_and_says_how_many_it_merged(labelled, tmp_path, tiny_encoder_dir, capsys):
    folder = tmp_path / "idx"
    assert main(["index", "build", str(labelled), "-o", str(folder), "-m", str(tiny_encoder_dir), "-q"]) == 0
    err = capsys.readouterr().err
    assert "merged 3 pair(s) that repeat another in letter case or exactly" in err
    index = RelationIndex.load(folder)
    assert index.pairs == [("stockholm", "sweden"), ("paris", "france"), ("cat", "animal"), ("dog", "puppy")]
    assert main(["search", str(folder), "stockholm:sweden", "-k", "4", "--json", "-m", str(tiny_encoder_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count('"head": "stockholm"') == 1 and "Stockholm" not in out


def test_keep_case_keeps_every_pair_as_written(labelled, tmp_path, tiny_encoder_dir, capsys):
    folder = tmp_path / "idx"
    command = ["index", "build", str(labelled), "-o", str(folder), "-m", str(tiny_encoder_dir), "-q", "--keep-case"]
    assert main(command) == 0
    assert "merged" not in capsys.readouterr().err
    assert len(RelationIndex.load(folder)) == 7
    assert RelationIndex.load(folder).pairs[0] == ("Stockholm", "Sweden")


def test_nothing_to_merge_says_nothing(tmp_path, tiny_encoder_dir, capsys):
    source = tmp_path / "p.tsv"
    source.write_text("paris\tfrance\ncat\tanimal\n")
    assert main(["index", "build", str(source), "-o", str(tmp_path / "idx"), "-m", str(tiny_encoder_dir), "-q"]) == 0
    assert "merged" not in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--label-column", "--labels"])
def test_map_takes_the_label_column_under_both_names(flag):
    args = build_parser().parse_args(["map", "labelled.tsv", "-o", "m.png", flag, "3"])
    assert args.labels == "3"
