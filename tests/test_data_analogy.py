"""Analogy question loading: the format, every bad-input case, skipping, splits, SAT and user files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relvec.data import (
    ANALOGY_DATASETS,
    AnalogyQuestion,
    load_analogy,
    load_analogy_file,
    shuffle_choices,
)
from relvec.errors import RelvecError

GOOD = {"stem": ["cat", "kitten"], "answer": 1, "choice": [["cow", "milk"], ["dog", "puppy"]], "prefix": "young"}


def write_jsonl(path: Path, records: list, trailing_newline: bool = False) -> Path:
    """One line per record (dicts as JSON, strings verbatim); by default no final newline, like the real files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in records]
    path.write_text("\n".join(lines) + ("\n" if trailing_newline else ""), encoding="utf-8")
    return path


def test_loads_questions_without_trailing_newline_and_skips_blank_lines(tmp_path):
    second = {"stem": ["hot", "cold"], "answer": 0, "choice": [["up", "down"], ["big", "large"], ["a", "b"]]}
    path = write_jsonl(tmp_path / "q.jsonl", [GOOD, "", "   ", second])
    questions = load_analogy_file(path)
    assert questions == [
        AnalogyQuestion(("cat", "kitten"), (("cow", "milk"), ("dog", "puppy")), 1, "young"),
        AnalogyQuestion(("hot", "cold"), (("up", "down"), ("big", "large"), ("a", "b")), 0, ""),
    ]
    assert questions[0].correct == ("dog", "puppy")
    assert questions.skipped == 0


def test_words_are_stripped(tmp_path):
    record = dict(GOOD, stem=[" cat ", "kitten"], choice=[["cow", "milk "], ["dog", "puppy"]])
    (question,) = load_analogy_file(write_jsonl(tmp_path / "q.jsonl", [record]))
    assert question.stem == ("cat", "kitten") and question.choices[0] == ("cow", "milk")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"stem": ["a", "b"], "answer": 0, ', "not valid JSON"),
        ('["a", "b"]', "expected a JSON object"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "answer"}), "missing field 'answer'"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "stem"}), "missing field 'stem'"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "choice"}), "missing field 'choice'"),
        (json.dumps(dict(GOOD, answer=2)), "answer must be an integer index into choice, 0 to 1; got 2"),
        (json.dumps(dict(GOOD, answer=-1)), "answer must be an integer index"),
        (json.dumps(dict(GOOD, answer="1")), "answer must be an integer index"),
        (json.dumps(dict(GOOD, answer=True)), "answer must be an integer index"),
        (json.dumps(dict(GOOD, stem=["cat", "  "])), "stem[1] (tail) must be a non-empty word"),
        (json.dumps(dict(GOOD, choice=[["cow", ""], ["dog", "puppy"]])), "choice[0][1] (tail) must be a non-empty"),
        (json.dumps(dict(GOOD, choice=[["cow", "milk", "x"], ["dog", "puppy"]])), "choice[0] must be a (head, tail)"),
        (json.dumps(dict(GOOD, choice=[["cow", "milk"], "dog:puppy"])), "choice[1] must be a (head, tail) pair"),
        (json.dumps(dict(GOOD, choice=[["cow", "milk"]], answer=0)), "choice must be a list of at least two"),
        (json.dumps(dict(GOOD, stem="cat")), "stem must be a (head, tail) pair"),
        (json.dumps(dict(GOOD, prefix=3)), "prefix must be a string"),
    ],
)
def test_bad_line_is_an_error_naming_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, [GOOD, "", line])
    with pytest.raises(RelvecError) as caught:
        load_analogy_file(path)
    text = str(caught.value)
    assert text.startswith(f"{path}, line 3: ")  # line numbers count blank lines, as an editor does
    assert message in text


def test_bytes_that_are_not_utf8_are_a_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n\xff\xfe\n")
    with pytest.raises(RelvecError, match=r"bad.jsonl, line 2: not valid UTF-8 text"):
        load_analogy_file(path)


def test_skip_bad_lines_counts_and_warns(tmp_path):
    path = write_jsonl(tmp_path / "q.jsonl", [GOOD, "not json", dict(GOOD, answer=9), GOOD])
    with pytest.warns(UserWarning, match=r"skipped 2 bad analogy question line\(s\).*line 2: not valid JSON"):
        questions = load_analogy_file(path, skip_bad_lines=True)
    assert len(questions) == 2 and questions.skipped == 2


def test_missing_file_names_it(tmp_path):
    with pytest.raises(RelvecError, match="nope.jsonl: file not found"):
        load_analogy_file(tmp_path / "nope.jsonl")


def make_data_dir(root: Path) -> Path:
    write_jsonl(root / "u2" / "valid.jsonl", [GOOD])
    write_jsonl(root / "u2" / "test.jsonl", [GOOD, GOOD])
    return root


def test_load_by_name_and_split(tmp_path):
    data = make_data_dir(tmp_path)
    assert len(load_analogy("u2", data_dir=data)) == 2  # test is the default split
    for alias in ("valid", "val", "validation"):
        assert len(load_analogy("u2", alias, data)) == 1


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RELVEC_DATA", str(make_data_dir(tmp_path)))
    assert len(load_analogy("u2", "valid")) == 1


def test_unknown_dataset_name(tmp_path):
    with pytest.raises(
        RelvecError, match=r"analogy dataset name \(or a path to a \.jsonl file\) must be one of .*'u2'"
    ):
        load_analogy("u3", data_dir=tmp_path)


def test_unknown_split_name(tmp_path):
    with pytest.raises(RelvecError, match=r"split must be 'valid' or 'test'.*got 'train'"):
        load_analogy("u2", "train", make_data_dir(tmp_path))


def test_missing_file_says_where_and_how_to_get_it(tmp_path):
    with pytest.raises(RelvecError) as caught:
        load_analogy("google", "test", tmp_path)
    text = str(caught.value)
    assert str(tmp_path / "google" / "test.jsonl") in text
    assert "asahi417/analogy-language-model @ 52062d95" in text and "relvec data download google" in text


def test_missing_derived_file_says_copy_shared_data(tmp_path):
    with pytest.raises(RelvecError, match="DERIVED"):
        load_analogy("scan", "test", tmp_path)


@pytest.mark.parametrize(("name", "size"), [("scan", 178), ("nell_one", 400)])
def test_unpublished_valid_splits_are_a_clear_error(tmp_path, name, size):
    with pytest.raises(RelvecError, match=rf"split 'valid' of '{name}' is not available: the {size}-item valid split"):
        load_analogy(name, "valid", tmp_path)


def test_sat_missing_says_it_cannot_be_redistributed(tmp_path):
    with pytest.raises(RelvecError) as caught:
        load_analogy("sat", "test", tmp_path)
    text = str(caught.value)
    assert "SAT cannot be redistributed" in text and "sat/test.jsonl (337 questions)" in text


def test_user_supplied_sat_and_sat_full(tmp_path):
    other = dict(GOOD, prefix="valid")
    write_jsonl(tmp_path / "sat" / "test.jsonl", [GOOD, GOOD])
    write_jsonl(tmp_path / "sat" / "valid.jsonl", [other])
    assert len(load_analogy("sat", "test", tmp_path)) == 2
    full = load_analogy("sat_full", data_dir=tmp_path)
    assert [q.prefix for q in full] == ["young", "young", "valid"]  # test first, then valid, as RelBERT


def test_sat_folder_without_split_file_names_the_file(tmp_path):
    write_jsonl(tmp_path / "sat" / "test.jsonl", [GOOD])
    with pytest.raises(RelvecError, match=r"split 'valid' of 'sat' is not available: SAT cannot be redistributed"):
        load_analogy("sat", "valid", tmp_path)


def test_a_path_is_loaded_as_a_user_file(tmp_path):
    path = write_jsonl(tmp_path / "mine.jsonl", [GOOD])
    assert len(load_analogy(str(path), "ignored-split")) == 1
    assert len(load_analogy(path)) == 1


def test_shuffle_choices_keeps_the_answer_and_is_deterministic():
    question = AnalogyQuestion(("a", "b"), tuple((f"x{i}", f"y{i}") for i in range(6)), 0, "p")
    first = shuffle_choices([question] * 20, seed=3)
    assert first == shuffle_choices([question] * 20, seed=3)
    assert all(q.correct == ("x0", "y0") and sorted(q.choices) == sorted(question.choices) for q in first)
    assert len({q.answer for q in first}) > 1


def test_dataset_names():
    assert ANALOGY_DATASETS == ("sat", "u2", "u4", "google", "bats", "scan", "nell_one", "t_rex", "conceptnet")
