import io
import json
import subprocess
import sys

import numpy as np
import pytest

from relvec import RelationEncoder
from relvec.cli import main

PAIRS = [("paris", "france"), ("cat", "animal"), ("paris", "france"), ("big", "bigger"), ("x", "y")]


def write_tsv(path, pairs):
    path.write_text("".join(f"{h}\t{t}\n" for h, t in pairs), encoding="utf-8")
    return path


def test_tsv_to_npy_streams_in_chunks_and_equals_one_call_bit_for_bit(tiny_encoder_dir, tmp_path):
    pairs = PAIRS * 7 + [("a much longer head word", "t")]
    source = write_tsv(tmp_path / "pairs.tsv", pairs)
    out = tmp_path / "vectors.npy"
    command = ["embed", str(source), "-o", str(out), "-m", str(tiny_encoder_dir), "--chunk-size", "4", "-b", "2", "-q"]
    assert main(command) == 0
    expected = RelationEncoder(tiny_encoder_dir, device="cpu", chunk_size=4, batch_size=2).encode(pairs)
    np.testing.assert_array_equal(np.load(out), expected)


def test_jsonl_in_jsonl_out(tiny_encoder_dir, tmp_path):
    source = tmp_path / "pairs.jsonl"
    source.write_text('["paris", "france"]\n\n{"head": "cat", "tail": "animal"}\n', encoding="utf-8")
    out = tmp_path / "vectors.jsonl"
    assert main(["embed", str(source), "-o", str(out), "-m", str(tiny_encoder_dir), "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["head"], r["tail"]) for r in rows] == [("paris", "france"), ("cat", "animal")]
    expected = RelationEncoder(tiny_encoder_dir, device="cpu").encode([("paris", "france"), ("cat", "animal")])
    np.testing.assert_allclose(np.array([r["embedding"] for r in rows]), expected, atol=1e-6)


def test_stdin_to_stdout(tiny_encoder_dir, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("paris\tfrance\ncat\tanimal\n"))
    assert main(["embed", "-m", str(tiny_encoder_dir), "-q"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [(r["head"], r["tail"]) for r in rows] == [("paris", "france"), ("cat", "animal")]
    expected = RelationEncoder(tiny_encoder_dir, device="cpu").encode([("paris", "france"), ("cat", "animal")])
    np.testing.assert_allclose(np.array([r["embedding"] for r in rows]), expected, atol=1e-6)
    assert captured.err == ""


def test_progress_bar_on_stderr_unless_quiet(tiny_encoder_dir, tmp_path, capsys):
    source = write_tsv(tmp_path / "pairs.tsv", PAIRS)
    main(["embed", str(source), "-o", str(tmp_path / "v.npy"), "-m", str(tiny_encoder_dir)])
    err = capsys.readouterr().err
    assert "embedding" in err and "5/5" in err and "pair/s" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("paris\tfrance\ncat\n", "pairs.tsv, line 2: expected 'head<TAB>tail'; got 'cat'"),
        ("paris\tfrance\n\t animal\n", r"pairs.tsv, line 2\[0\] \(head\) must be a non-empty word"),
    ],
)
def test_bad_line_is_one_line_error_before_model_load(tmp_path, capsys, content, message):
    source = tmp_path / "pairs.tsv"
    source.write_text(content, encoding="utf-8")
    # A model folder that does not exist: the bad line must be reported first, so no model is needed.
    assert main(["embed", str(source), "-o", str(tmp_path / "v.npy"), "-m", str(tmp_path / "none"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relvec embed: error: ") and "\n" not in err
    assert __import__("re").search(message, err)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.tsv"], "input file 'missing.tsv' does not exist"),
        (["x.csv"], "input 'x.csv': cannot tell its format from the suffix"),
        (["-", "-o", "out.txt"], "--output 'out.txt': cannot tell its format from the suffix"),
        (["-", "--output-format", "npy"], "--output-format npy needs an --output file"),
        (["-", "--chunk-size", "0"], "--chunk-size must be a positive integer; got 0"),
        (
            ["-", "-p", "avg"],
            "pooling must be one of 'mask', 'average', 'average_no_mask', 'cls', 'difference'; got 'avg'",
        ),
    ],
)
def test_bad_arguments(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("paris\tfrance\n"))
    assert main(["embed", *args, "-q"]) == 2
    assert message in capsys.readouterr().err


def test_console_script_exits_non_zero_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "relvec", "embed", str(tmp_path / "nope.tsv")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"relvec embed: error: input file '{tmp_path / 'nope.tsv'}' does not exist"


@pytest.mark.integration
def test_embed_with_the_embedded_minilm(tmp_path, capsys):
    source = write_tsv(tmp_path / "pairs.tsv", [("paris", "france"), ("tokyo", "japan")])
    assert main(["embed", str(source), "-m", "all-MiniLM-L6-v2", "-q"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [len(r["embedding"]) for r in rows] == [384, 384]


def test_output_that_is_the_input_is_refused(tmp_path, monkeypatch, capsys):
    source = tmp_path / "pairs.jsonl"
    source.write_text('["paris", "france"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["embed", "pairs.jsonl", "-o", str(source), "-m", str(tmp_path / "none"), "-q"]) == 2
    assert "is the input file 'pairs.jsonl'; give another output name" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == '["paris", "france"]\n'


@pytest.mark.parametrize("output_format", ["npy", "jsonl"])
def test_bad_line_in_a_later_chunk_keeps_the_old_output_and_resume_continues(
    tiny_encoder_dir, tmp_path, capsys, output_format
):
    pairs = [(f"head{i}", f"tail{i}") for i in range(10)]
    source = write_tsv(tmp_path / "pairs.tsv", pairs)
    source.write_text(source.read_text() + "broken line\n", encoding="utf-8")
    out = tmp_path / f"out.{output_format}"
    out.write_bytes(b"the old file")
    old = out.read_bytes()
    command = ["embed", str(source), "-o", str(out), "-m", str(tiny_encoder_dir), "--chunk-size", "4", "-q"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "line 11: expected 'head<TAB>tail'" in err and "8 row(s) kept in" in err and "--resume" in err
    assert out.read_bytes() == old  # the final name still holds the old file
    partial = tmp_path / f"out.{output_format}.partial"
    if output_format == "npy":
        assert np.load(partial).shape == (8, 32)  # the partial loads as what it holds
    else:
        assert len(partial.read_text().splitlines()) == 8
    partial.open("ab").write(b"half a row written when the kill came")
    assert main(command) == 2  # a fresh run would discard the partial work: refused
    assert "holds the work of an interrupted run" in capsys.readouterr().err
    write_tsv(source, pairs)  # the input fixed
    assert main([*command, "--resume"]) == 0
    expected = RelationEncoder(tiny_encoder_dir, device="cpu", chunk_size=4).encode(pairs)
    if output_format == "npy":
        np.testing.assert_array_equal(np.load(out), expected)
    else:
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert [(r["head"], r["tail"]) for r in rows] == pairs
        np.testing.assert_array_equal(np.array([r["embedding"] for r in rows], dtype=np.float32), expected)
    assert not partial.exists() and not (tmp_path / f"out.{output_format}.partial.json").exists()


def test_resume_with_other_options_is_refused(tiny_encoder_dir, tmp_path, capsys):
    source = write_tsv(tmp_path / "pairs.tsv", PAIRS)
    source.write_text(source.read_text() + "bad\n", encoding="utf-8")
    command = ["embed", str(source), "-o", str(tmp_path / "o.jsonl"), "-m", str(tiny_encoder_dir), "-q"]
    assert main([*command, "--chunk-size", "2"]) == 2
    capsys.readouterr()
    assert main([*command, "--chunk-size", "3", "--resume"]) == 2
    assert "the interrupted run used other settings: chunk_size 2 (this run: 3)" in capsys.readouterr().err


def test_sigkill_mid_run_loses_nothing_and_resume_is_bit_identical(tiny_encoder_dir, tmp_path, monkeypatch):
    import os
    import signal
    import time

    output_format = "npy"
    pairs = [(f"word{i}", f"other{i % 7}") for i in range(40)]
    text = "".join(f"{h}\t{t}\n" for h, t in pairs)
    options = ["-m", str(tiny_encoder_dir), "--chunk-size", "4", "-b", "3", "--input-format", "tsv", "-q"]
    out = tmp_path / f"out.{output_format}"
    out.write_bytes(b"the old file")
    progress = tmp_path / f"out.{output_format}.partial.json"
    # Read from a pipe that we feed by halves, so the kill lands mid-run every time, never after the end.
    process = subprocess.Popen(
        [sys.executable, "-m", "relvec", "embed", "-", "-o", str(out), *options], stdin=subprocess.PIPE
    )
    process.stdin.write(text[: len(text) // 2].encode())
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (progress.exists() and json.loads(progress.read_text())["rows"] >= 16):
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdin.close()
    assert out.read_bytes() == b"the old file"
    assert json.loads(progress.read_text())["rows"] >= 16
    (tmp_path / f"out.{output_format}.partial").open("ab").write(b"half a row written when the kill came")

    straight = tmp_path / f"straight.{output_format}"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["embed", "-", "-o", str(out), *options, "--resume"]) == 0
    assert main(["embed", str(write_tsv(tmp_path / "p.tsv", pairs)), "-o", str(straight), *options[:-3], "-q"]) == 0
    assert out.read_bytes() == straight.read_bytes()


def test_a_full_disk_mid_run_is_one_line_and_keeps_the_committed_rows(tiny_encoder_dir, tmp_path, monkeypatch, capsys):
    import errno

    from relvec.io.pairfiles import NpyWriter

    source = write_tsv(tmp_path / "pairs.tsv", [(f"head{i}", f"tail{i}") for i in range(6)])
    out = tmp_path / "out.npy"
    original = NpyWriter.write

    def fill_the_disk(self, pairs, rows):
        if self.rows >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, pairs, rows)

    monkeypatch.setattr(NpyWriter, "write", fill_the_disk)
    command = ["embed", str(source), "-o", str(out), "-m", str(tiny_encoder_dir), "--chunk-size", "2", "-q"]
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and "2 row(s) kept in" in err and "\n" not in err
    assert not out.exists()
    monkeypatch.setattr(NpyWriter, "write", original)
    assert main([*command, "--resume"]) == 0
    assert np.load(out).shape == (6, 32)


def test_a_failure_before_the_first_chunk_is_committed_leaves_nothing_behind(tiny_encoder_dir, tmp_path, capsys):
    source = write_tsv(tmp_path / "pairs.tsv", [("paris", "france"), ("\u2603", "snow")])
    command = ["embed", str(source), "-o", str(tmp_path / "out.npy"), "-m", str(tiny_encoder_dir), "-q"]
    assert main(command) == 2
    assert "becomes only the unknown token" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.tsv"]
    write_tsv(source, [("paris", "france")])
    assert main(command) == 0  # a plain rerun is not blocked by a stale partial file
