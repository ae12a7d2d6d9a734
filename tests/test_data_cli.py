"""``relvec data`` (the table) and ``relvec data download`` against a local HTTP server (never the internet)."""

from __future__ import annotations

import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from relvec.cli import main
from relvec.data import load_analogy, load_mapping
from relvec.data.download import download, fetch, source_url
from relvec.data.registry import DATASETS, Source
from relvec.errors import RelvecError

# --- the table ------------------------------------------------------------------------------------------------


def table(capsys, argv: list[str]) -> dict[tuple[str, str], list[str]]:
    """Run ``relvec data`` and return its rows by (dataset, split)."""
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("data folder: ") and lines[1].split()[:6] == [
        "dataset",
        "kind",
        "split",
        "expected",
        "present",
        "loaded",
    ]
    rows, name = {}, ""
    for line in lines[2:]:
        cells = line.split()
        if line[0] != " ":
            name, cells = cells[0], cells[2:]
        rows[name, cells[0]] = cells[1:4]
    return rows


def test_table_on_an_empty_folder(tmp_path, capsys):
    rows = table(capsys, ["data", "--data-dir", str(tmp_path)])
    assert rows["bless", "train"] == ["18582", "no", "-"]
    assert rows["sat", "test"] == ["337", "no", "-"]
    assert len(rows) == 35


def test_table_with_a_present_split(tmp_path, capsys):
    (tmp_path / "u2").mkdir()
    (tmp_path / "u2" / "valid.jsonl").write_text(
        '{"stem": ["a", "b"], "answer": 0, "choice": [["c", "d"], ["e", "f"]]}'
    )
    rows = table(capsys, ["data", "list", "--data-dir", str(tmp_path)])
    assert rows["u2", "valid"] == ["24", "yes", "1"] and rows["u2", "test"] == ["228", "no", "-"]


def test_table_takes_the_data_folder_from_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RELVEC_DATA", str(tmp_path))
    assert table(capsys, ["data"])["khn", "val"] == ["2876", "no", "-"]


def test_without_a_data_folder_the_catalogue_is_listed_with_where_to_point_it(capsys, monkeypatch):
    monkeypatch.delenv("RELVEC_DATA", raising=False)
    assert main(["data"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("data folder: none set") and "bless" in captured.out
    assert captured.err.startswith("relvec data: no data folder given: pass --data-dir") and "download" in captured.err


def test_errors_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RELVEC_DATA", raising=False)
    assert main(["data", "--data-dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relvec data: error: data_dir (--data-dir) must be") and err.count("\n") == 1
    (tmp_path / "u2").mkdir()
    (tmp_path / "u2" / "test.jsonl").write_text("{broken")
    assert main(["data", "--data-dir", str(tmp_path)]) == 2
    assert "u2/test.jsonl, line 1: not valid JSON" in capsys.readouterr().err


def test_real_table(shared_data, capsys):
    rows = table(capsys, ["data", "--data-dir", str(shared_data)])
    for (name, split), (expected, present, loaded) in rows.items():
        if present == "no":
            assert (name, split) in {("sat", "valid"), ("sat", "test"), ("scan", "valid"), ("nell_one", "valid")}
        elif (name, split) == ("cogalexv", "train"):
            assert (expected, loaded) == ("3054", "2748")  # 306 held out as val
        else:
            assert loaded == expected, (name, split)


# --- download, from 127.0.0.1 only ----------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A static file server for ``tmp_path / 'site'`` on 127.0.0.1; yields (root folder, base URL)."""
    for variable in ("no_proxy", "NO_PROXY"):  # a configured proxy must not see these requests
        monkeypatch.setenv(variable, "127.0.0.1,localhost")
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


def publish(root: Path, source: Source, content: bytes) -> None:
    """Put ``content`` where the server answers for ``source`` (the raw.githubusercontent layout)."""
    path = root / source.repo / source.commit / source.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


CONTENT = b'{"stem": ["a", "b"], "answer": 0, "choice": [["c", "d"], ["e", "f"]]}'
SOURCE = Source("owner/repo", "0" * 40, "data/x & y/file.jsonl", hashlib.sha256(CONTENT).hexdigest())


def test_fetch_checks_the_hash_and_skips_a_good_copy(server, tmp_path):
    root, base = server
    publish(root, SOURCE, CONTENT)
    target = tmp_path / "out" / "u2" / "test.jsonl"
    assert fetch(SOURCE, target, base) is True
    assert target.read_bytes() == CONTENT
    assert fetch(SOURCE, target, base) is False  # already there with the right hash: no request needed


def test_fetch_rejects_a_wrong_hash_and_leaves_nothing(server, tmp_path):
    root, base = server
    publish(root, SOURCE, CONTENT + b" ")
    target = tmp_path / "out" / "file.jsonl"
    with pytest.raises(RelvecError, match=rf"sha256 is [0-9a-f]{{64}}, expected {SOURCE.sha256}; the file was not"):
        fetch(SOURCE, target, base)
    assert list(target.parent.iterdir()) == []


def test_fetch_does_not_overwrite_a_different_file(server, tmp_path):
    root, base = server
    publish(root, SOURCE, CONTENT)
    target = tmp_path / "file.jsonl"
    target.write_bytes(b"mine")
    with pytest.raises(RelvecError, match="exists but its sha256 is not the pinned"):
        fetch(SOURCE, target, base)
    assert target.read_bytes() == b"mine"


def test_fetch_reports_http_errors(server, tmp_path):
    _, base = server
    with pytest.raises(RelvecError, match=r"cannot download http://127\.0\.0\.1:\d+/owner/repo/0+/data/x%20%26%20y"):
        fetch(SOURCE, tmp_path / "file.jsonl", base)


def test_source_url_quotes_the_path():
    khn = DATASETS["khn"].splits["train"].source
    assert source_url(khn) == (
        "https://raw.githubusercontent.com/vered1986/LexNET/4beb38119bd7bc367154f56e2e16012420959717/"
        "datasets/K%26H%2BN/train.tsv"
    )


@pytest.mark.parametrize(("name", "message"), [("sat", "SAT cannot be redistributed"), ("semeval2012", "DERIVED")])
def test_not_downloadable(tmp_path, name, message):
    with pytest.raises(RelvecError, match=f"{name} cannot be downloaded: .*{message}"):
        download(name, tmp_path)


def test_download_command_end_to_end(shared_data, server, tmp_path, capsys):
    """Serve the shared copies at their pinned paths, download, and load the result as a data folder."""
    root, base = server
    for name in ("u2", "relation_mapping", "t_rex"):
        for entry in DATASETS[name].splits.values():
            if entry.source is not None:
                publish(root, entry.source, (shared_data / entry.file).read_bytes())
    dest = tmp_path / "cache"
    argv = ["data", "download", "u2", "relation_mapping", "t_rex", "--dest", str(dest), "--base-url", base]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("downloaded, sha256 ok") == 4  # u2 valid+test, mapping, t_rex valid (its test is DERIVED)
    assert len(load_analogy("u2", "test", dest)) == 228 and len(load_mapping(dest)) == 20
    assert len(load_analogy("t_rex", "valid", dest)) == 496
    assert main(argv) == 0
    assert capsys.readouterr().out.count("already present") == 4


def test_download_command_checks_every_name_first(tmp_path, capsys):
    assert main(["data", "download", "u2", "nope", "--dest", str(tmp_path), "--base-url", "http://127.0.0.1:9"]) == 2
    assert "dataset name must be one of" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_pinned_hashes_match_the_shared_copies(shared_data):
    for spec in DATASETS.values():
        for entry in spec.splits.values():
            if entry.source is not None:
                digest = hashlib.sha256((shared_data / entry.file).read_bytes()).hexdigest()
                assert digest == entry.source.sha256, entry.file
