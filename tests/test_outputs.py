"""Output paths checked before any work; files renamed into place only when complete."""

import errno
import os
import stat

import pytest

from relvec import RelvecError
from relvec.files.outputs import (
    StagedFile,
    check_output_file,
    check_output_folder,
    replaced_atomically,
    write_folder_atomically,
    write_text_atomic,
)


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


# issue 21: one check for every output, the umask's modes, links, write errors


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_replaced_files_get_the_umask_mode_also_over_a_0644_file(tmp_path, umask_022):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o644)
    with replaced_atomically(target) as temporary:
        assert _mode(temporary) == 0o644  # not mkstemp's 0600
        temporary.write_text("new")
    assert target.read_text() == "new" and _mode(target) == 0o644
    os.umask(0o077)
    with replaced_atomically(tmp_path / "private.txt") as temporary:
        temporary.write_text("x")
    assert _mode(tmp_path / "private.txt") == 0o600


def test_folders_written_atomically_get_the_umask_mode(tmp_path, umask_022):
    folder = write_folder_atomically(tmp_path / "idx", lambda work: (work / "a.json").write_text("{}"))
    assert _mode(folder) == 0o755 and _mode(folder / "a.json") == 0o644  # not mkdtemp's 0700


def test_a_link_keeps_pointing_at_the_new_file_and_folder(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    with replaced_atomically(tmp_path / "link.txt") as temporary:
        temporary.write_text("new")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "new"
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    write_folder_atomically(tmp_path / "link", lambda work: (work / "b").write_text("b"), overwrite=True)
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "b").read_text() == "b"


def test_overwrite_replaces_only_what_relvec_wrote(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    ours = lambda folder: (folder / "manifest.json").is_file()  # noqa: E731
    with pytest.raises(RelvecError, match="'.*mine' holds files and is not an index; relvec replaces only what it"):
        write_folder_atomically(mine, lambda work: None, overwrite=True, replaceable=ours, what="an index")
    assert (mine / "notes.txt").read_text() == "mine"
    (mine / "notes.txt").unlink()
    write_folder_atomically(mine, lambda work: (work / "manifest.json").write_text("{}"), overwrite=True)
    write_folder_atomically(mine, lambda work: None, overwrite=True, replaceable=ours)  # ours now: replaced
    assert list(mine.iterdir()) == []


def test_an_output_is_never_an_input_nor_inside_an_input_folder(tmp_path, monkeypatch):
    index = tmp_path / "idx"
    index.mkdir()
    (index / "index.faiss").write_bytes(b"x")
    with pytest.raises(RelvecError, match="is inside the input folder '.*idx'; write it elsewhere"):
        check_output_file("--output", index / "index.faiss", inputs=(index,))
    with pytest.raises(RelvecError, match="is inside the input folder"):
        check_output_folder("--output", index / "sub", inputs=(index,), overwrite=False)
    (index / "pairs.tsv").write_text("a\tb\n")
    with pytest.raises(RelvecError, match="holds the input '.*pairs.tsv'; replacing it would delete the input"):
        check_output_folder("--output", index, inputs=(index / "pairs.tsv",), overwrite=True)
    monkeypatch.chdir(index)
    with pytest.raises(RelvecError, match="holds the working folder"):
        check_output_folder("--output", index, overwrite=True)
    with pytest.raises(RelvecError, match="already exists; choose another or allow overwriting"):
        check_output_folder("--output", index, overwrite=False)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="root passes permission checks")
def test_for_root_a_folder_with_no_write_bits_is_read_only(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    with pytest.raises(RelvecError, match="its folder .*ro' is not writable"):
        check_output_file("--output", folder / "out.npy")
    with pytest.raises(RelvecError, match="ro' is not writable"):
        check_output_folder("--output", folder / "run")


def test_a_write_error_is_one_line_naming_the_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    failed = r"writing file '.*out.txt' failed \(No space left on device\); it was"
    with pytest.raises(RelvecError, match=failed), replaced_atomically(target) as temporary:
        temporary.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
