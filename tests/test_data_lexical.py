"""Lexical relation files: parsing, label checks, splits and CogALex-V's held-out validation split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from relvec.data import LEXICAL_DATASETS, LexicalSplit, lexical_labels, load_lexical, load_lexical_file
from relvec.data.lexical import cogalexv_holdout
from relvec.errors import RelvecError


def write_tsv(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_by_name_and_split(tmp_path):
    write_tsv(tmp_path / "root09" / "train.tsv", ["mortal\tman\tRANDOM", "", "dog\t animal \tHYPER\r"])
    write_tsv(tmp_path / "root09" / "val.tsv", ["cat\tdog\tCOORD"])
    train = load_lexical("root09", data_dir=tmp_path)  # train is the default split
    assert train == LexicalSplit((("mortal", "man"), ("dog", "animal")), ("RANDOM", "HYPER"))
    assert len(train) == 2
    for alias in ("val", "valid", "validation"):
        assert load_lexical("root09", alias, tmp_path).labels == ("COORD",)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cat\tdog\tCOORDINATE", r"label must be one of the root09 labels \(COORD, HYPER, RANDOM\); got 'COORDINATE'"),
        ("cat\tdog", "expected 3 tab-separated fields head<TAB>tail<TAB>label; got 2"),
        ("cat\tdog\tCOORD\textra", "expected 3 tab-separated fields"),
        ("cat dog COORD", "expected 3 tab-separated fields"),
        ("\tdog\tCOORD", r"pair\[0\] \(head\) must be a non-empty word"),
        ("cat\tdog\t ", "label must be a non-empty label"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path, line, message):
    write_tsv(tmp_path / "root09" / "test.tsv", ["mortal\tman\tRANDOM", line])
    with pytest.raises(RelvecError, match=rf"root09/test\.tsv, line 2: {message}"):
        load_lexical("root09", "test", tmp_path)


def test_skip_bad_lines_counts_and_warns(tmp_path):
    write_tsv(tmp_path / "khn" / "test.tsv", ["a\tb\thypo", "a\tb\tHYPO", "c\td\tmero", "broken"])
    with pytest.warns(UserWarning, match=r"skipped 2 bad labelled pair line\(s\).*line 2: label must be one of"):
        loaded = load_lexical("khn", "test", tmp_path, skip_bad_lines=True)
    assert loaded.labels == ("hypo", "mero") and loaded.skipped == 2


def test_unknown_dataset_and_split(tmp_path):
    with pytest.raises(RelvecError, match=r"lexical dataset name must be one of 'bless', .*got 'wordnet'"):
        load_lexical("wordnet", data_dir=tmp_path)
    with pytest.raises(RelvecError, match=r"split must be 'train', 'val' or 'test'.*got 'dev'"):
        load_lexical("bless", "dev", tmp_path)
    with pytest.raises(RelvecError, match="lexical dataset name must be one of"):
        lexical_labels("BLESS")


def test_missing_file_names_the_lexnet_source(tmp_path):
    with pytest.raises(
        RelvecError, match=r"khn/val\.tsv, which does not exist; .*vered1986/LexNET @ 4beb3811, datasets/K&H\+N"
    ):
        load_lexical("khn", "val", tmp_path)


def test_user_file_with_and_without_a_label_set(tmp_path):
    path = write_tsv(tmp_path / "mine.tsv", ["a\tb\tx", "c\td\ty"])
    assert load_lexical_file(path).labels == ("x", "y")
    with pytest.raises(RelvecError, match=r"line 2: label must be one of the given labels \(x\); got 'y'"):
        load_lexical_file(path, labels=["x"])


def test_label_sets():
    assert LEXICAL_DATASETS == ("bless", "cogalexv", "evalution", "khn", "root09")
    assert lexical_labels("cogalexv") == ("ANT", "HYPER", "PART_OF", "RANDOM", "SYN")
    assert lexical_labels("khn") == ("false", "hypo", "mero", "sibl")


def test_cogalexv_val_is_a_stratified_tenth_of_train(tmp_path):
    lines = [f"w{i}\tv{i}\t{'RANDOM' if i % 4 else 'SYN'}" for i in range(100)]  # 75 RANDOM, 25 SYN
    write_tsv(tmp_path / "cogalexv" / "train.tsv", lines)
    train, val = load_lexical("cogalexv", "train", tmp_path), load_lexical("cogalexv", "val", tmp_path)
    assert Counter(val.labels) == {"RANDOM": 8, "SYN": 3}  # round(7.5) and round(2.5), halves up
    assert len(train) == 89 and not set(train.pairs) & set(val.pairs)
    assert sorted(train.pairs + val.pairs) == sorted((f"w{i}", f"v{i}") for i in range(100))
    # A row's side depends only on its own content: dropping other rows does not move it.
    rows = list(zip(val.pairs + train.pairs, val.labels + train.labels, strict=True))
    assert cogalexv_holdout(rows) == set(range(11))


def test_cogalexv_test_is_the_whole_file(tmp_path):
    write_tsv(tmp_path / "cogalexv" / "test.tsv", ["a\tb\tANT", "c\td\tSYN"])
    assert len(load_lexical("cogalexv", "test", tmp_path)) == 2


# --- the real data --------------------------------------------------------------------------------------------


def test_real_cogalexv_validation_split(shared_data):
    train, val = load_lexical("cogalexv", "train", shared_data), load_lexical("cogalexv", "val", shared_data)
    assert (len(train), len(val)) == (2748, 306)
    assert Counter(val.labels) == {"RANDOM": 223, "HYPER": 26, "ANT": 24, "SYN": 17, "PART_OF": 16}
    whole = load_lexical_file(shared_data / "cogalexv" / "train.tsv")
    assert Counter(zip(train.pairs + val.pairs, train.labels + val.labels, strict=True)) == Counter(
        zip(whole.pairs, whole.labels, strict=True)
    )
    assert load_lexical("cogalexv", "val", shared_data) == val  # deterministic
