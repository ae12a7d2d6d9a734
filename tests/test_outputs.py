"""Output paths checked before any work; files renamed into place only when complete."""

import os

import pytest

from relvec import RelvecError
from relvec.files.outputs import StagedFile, check_output_file, check_output_folder, write_text_atomic


def test_a_read_only_folder_is_refused_for_files_and_folders(tmp_path, monkeypatch):
    # Tests may run as root, for whom every folder is writable: ask os.access to answer as for a user.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(RelvecError, match="its folder .* is not writable"):
        check_output_file("--output", tmp_path / "out.npy")
    with pytest.raises(RelvecError, match="--output .* is not writable"):
        check_output_folder("--output", tmp_path / "run" / "inner")


def test_a_read_only_file_is_refused(tmp_path, monkeypatch):
    target = tmp_path / "out.npy"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "access", lambda path, mode: str(path) != str(target))
    with pytest.raises(RelvecError, match="out.npy' is read-only"):
        check_output_file("--output", target)


def test_the_input_through_a_link_is_the_input(tmp_path):
    source = tmp_path / "pairs.tsv"
    source.write_text("a\tb\n")
    (tmp_path / "link.tsv").hardlink_to(source)
    with pytest.raises(RelvecError, match="is the input file"):
        check_output_file("--output", tmp_path / "link.tsv", inputs=(str(source),))


def test_write_text_atomic_leaves_no_partial(tmp_path):
    target = write_text_atomic(tmp_path / "a.json", "{}\n")
    assert target.read_text() == "{}\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_staged_file_resume_checks_settings_and_length(tmp_path):
    staged = StagedFile(tmp_path / "out.npy", {"model": "m", "chunk_size": 4})
    staged.start()
    staged.partial.write_bytes(b"x" * 10)
    staged.commit(4, 10)
    assert StagedFile(tmp_path / "out.npy", {"model": "m", "chunk_size": 4}).resume() == (4, 10)
    with pytest.raises(RelvecError, match="other settings: model 'm' \\(this run: 'other'\\)"):
        StagedFile(tmp_path / "out.npy", {"model": "other", "chunk_size": 4}).resume()
    staged.partial.write_bytes(b"x" * 3)
    with pytest.raises(RelvecError, match="shorter than its record"):
        staged.resume()
    staged.progress.write_text("{broken")
    with pytest.raises(RelvecError, match="is corrupt"):
        staged.resume()
