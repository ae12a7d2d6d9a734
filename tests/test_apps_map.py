"""The relation map: reading a labels column, the t-SNE projection and the picture file."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from apps_stubs import TableEncoder

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from relvec.apps.relmap import read_labelled_pairs, relation_map  # noqa: E402
from relvec.cli import main  # noqa: E402
from relvec.errors import RelvecError  # noqa: E402

# Two tight groups far apart: t-SNE must keep each group together.
TABLE = {
    **{(f"city{i}", f"country{i}"): [1, 0.05 * i, 0] for i in range(4)},
    **{(f"small{i}", f"smaller{i}"): [0, 0.05 * i, 1] for i in range(4)},
}


def test_read_labels_from_a_tsv_column_or_a_json_key():
    pairs, labels = read_labelled_pairs(io.StringIO("a\tb\tx\n\nc\td\ty\n"), "tsv", "p.tsv", "3")
    assert pairs == [("a", "b"), ("c", "d")] and labels == ["x", "y"]
    lines = '{"head": "a", "tail": "b", "rel": "x"}\n{"head": "c", "tail": "d", "rel": 2}\n'
    assert read_labelled_pairs(io.StringIO(lines), "jsonl", "p.jsonl", "rel") == ([("a", "b"), ("c", "d")], ["x", "2"])
    assert read_labelled_pairs(io.StringIO('["a", "b", "x"]\n'), "jsonl", "p.jsonl", "3") == ([("a", "b")], ["x"])
    assert read_labelled_pairs(io.StringIO("a\tb\n"), "tsv", "p.tsv", None) == ([("a", "b")], None)


@pytest.mark.parametrize(
    ("text", "fmt", "column", "message"),
    [
        ("a\tb\tx\nc\td\n", "tsv", "3", "--labels must be a column number every line has; p, line 2 has 2 columns"),
        (
            "a\tb\tx\n",
            "tsv",
            "label",
            r"--labels must be a column number \(1, 2, 3, \.\.\.\) for a TSV file; got .label.",
        ),
        (
            '{"head": "a", "tail": "b"}\n',
            "jsonl",
            "rel",
            r"--labels must be a key of every line; p, line 1 has \['head'",
        ),
    ],
)
def test_a_missing_labels_column_is_named(text, fmt, column, message):
    with pytest.raises(RelvecError, match=message):
        read_labelled_pairs(io.StringIO(text), fmt, "p", column)


def test_map_keeps_groups_apart_and_writes_a_png(tmp_path):
    pairs = list(TABLE)
    labels = ["capital"] * 4 + ["comparative"] * 4
    out = tmp_path / "map.png"
    points = relation_map(TableEncoder(TABLE), pairs, out, labels)
    assert points.shape == (8, 2)
    centre = points.mean(axis=0)
    first, second = points[:4].mean(axis=0) - centre, points[4:].mean(axis=0) - centre
    spread = max(np.linalg.norm(points[:4] - points[:4].mean(axis=0), axis=1).max(), 1e-9)
    assert np.linalg.norm(first - second) > spread  # the groups are further apart than a group is wide
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_map_needs_four_pairs_and_a_picture_suffix(tmp_path):
    with pytest.raises(RelvecError, match="a map needs at least 4 pairs; got 3"):
        relation_map(TableEncoder(TABLE), list(TABLE)[:3], tmp_path / "m.png")
    with pytest.raises(RelvecError, match="--output must be a .png, .svg, .pdf or .jpg file"):
        relation_map(TableEncoder(TABLE), list(TABLE), tmp_path / "m.txt")


def test_cli_map(tiny_encoder_dir, tmp_path, capsys):
    source = tmp_path / "pairs.jsonl"
    rows = [{"head": h, "tail": t, "relation": "a" if i < 4 else "b"} for i, (h, t) in enumerate(TABLE)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "map.svg"
    command = ["map", str(source), "-o", str(out), "--labels", "relation", "-m", str(tiny_encoder_dir)]
    assert main(command) == 0
    assert "drew 8 pairs" in capsys.readouterr().out and "<svg" in out.read_text()
    assert main([*command[:-2], "--labels", "kind"]) == 2
    assert "--labels must be a key of every line" in capsys.readouterr().err
