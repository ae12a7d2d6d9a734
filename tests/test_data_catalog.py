"""The data folder, the dataset list, relation mapping, and every real dataset at its published size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relvec.data import (
    ANALOGY_DATASETS,
    LEXICAL_DATASETS,
    MappingProblem,
    list_datasets,
    load_analogy,
    load_lexical,
    load_mapping,
    load_mapping_file,
    resolve_data_dir,
)
from relvec.errors import RelvecError

# --- the data folder ------------------------------------------------------------------------------------------


def test_argument_beats_environment(tmp_path, monkeypatch):
    other = tmp_path / "env"
    other.mkdir()
    monkeypatch.setenv("RELVEC_DATA", str(other))
    assert resolve_data_dir(tmp_path) == tmp_path
    assert resolve_data_dir() == other


def test_no_data_folder_says_how_to_set_one(monkeypatch):
    monkeypatch.delenv("RELVEC_DATA", raising=False)
    with pytest.raises(RelvecError, match=r"pass --data-dir .* or set RELVEC_DATA, .*laid out like shared/data"):
        resolve_data_dir()
    with pytest.raises(RelvecError, match="set RELVEC_DATA"):
        load_analogy("u2")


def test_data_folder_must_exist(tmp_path, monkeypatch):
    with pytest.raises(RelvecError, match=r"data_dir \(--data-dir\) must be an existing folder.*got '.*nowhere'"):
        resolve_data_dir(tmp_path / "nowhere")
    monkeypatch.setenv("RELVEC_DATA", str(tmp_path / "gone"))
    with pytest.raises(RelvecError, match=r"\$RELVEC_DATA must be an existing folder"):
        resolve_data_dir()


def test_importing_relvec_data_does_not_import_torch():
    code = "import sys, relvec.data, relvec.data.download, relvec.cli.data; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- the dataset list -----------------------------------------------------------------------------------------


def test_list_datasets_on_an_empty_folder(tmp_path):
    infos = {info.name: info for info in list_datasets(tmp_path)}
    assert set(infos) == {"semeval2012", "relation_mapping", *ANALOGY_DATASETS, *LEXICAL_DATASETS}
    assert {info.kind for info in infos.values()} == {"analogy", "lexical", "relsim", "mapping"}
    assert infos["bless"].splits == {"train": 18582, "val": 1327, "test": 6637}
    assert infos["scan"].splits == {"valid": 178, "test": 1616}
    assert not any(any(info.available.values()) for info in infos.values())


def test_list_datasets_sees_present_files(tmp_path):
    (tmp_path / "u4").mkdir()
    (tmp_path / "u4" / "test.jsonl").write_text("")
    u4 = next(info for info in list_datasets(tmp_path) if info.name == "u4")
    assert u4.available == {"valid": False, "test": True}


# --- relation mapping -----------------------------------------------------------------------------------------

PROBLEM = {
    "id": "a1",
    "source": ["sun", "planet"],
    "target": ["nucleus", "electron"],
    "target_random": ["electron", "nucleus"],
}


def test_mapping_file(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(dict(PROBLEM, pos=["nn", "nn"])))
    (problem,) = load_mapping_file(path)
    assert problem == MappingProblem("a1", ("sun", "planet"), ("nucleus", "electron"), ("electron", "nucleus"))
    assert problem.gold_permutation == (1, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": ["nucleus"]}, "target must be a list of at least 2 terms"),
        ({"target": ["nucleus", "electron", "x"]}, "target must be 2 terms, one for each source term"),
        ({"target_random": ["electron", "proton"]}, "target_random must be the target terms in another order"),
        ({"source": ["sun", ""]}, r"source\[1\] must be a non-empty word"),
    ],
)
def test_mapping_bad_lines(tmp_path, change, message):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(PROBLEM) + "\n" + json.dumps(dict(PROBLEM, id="a2", **change)))
    with pytest.raises(RelvecError, match=rf"m\.jsonl, line 2: {message}"):
        load_mapping_file(path)


def test_mapping_duplicate_id_and_missing_field(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(PROBLEM) + "\n" + json.dumps(PROBLEM))
    with pytest.raises(RelvecError, match="line 2: id must be an id not used by an earlier line"):
        load_mapping_file(path)
    path.write_text(json.dumps({k: v for k, v in PROBLEM.items() if k != "target_random"}))
    with pytest.raises(RelvecError, match="line 1: missing field 'target_random'"):
        load_mapping_file(path)


# --- every real dataset at the size SOURCES.md gives ----------------------------------------------------------

ANALOGY_SIZES = {
    ("u2", "valid"): 24,
    ("u2", "test"): 228,
    ("u4", "valid"): 48,
    ("u4", "test"): 432,
    ("google", "valid"): 50,
    ("google", "test"): 500,
    ("bats", "valid"): 199,
    ("bats", "test"): 1799,
    ("scan", "test"): 1616,
    ("nell_one", "test"): 600,
    ("t_rex", "valid"): 496,
    ("t_rex", "test"): 183,
    ("conceptnet", "valid"): 1112,
    ("conceptnet", "test"): 1192,
}
LEXICAL_SIZES = {
    "bless": (18582, 1327, 6637),
    "evalution": (5160, 372, 1846),
    "khn": (40256, 2876, 14377),
    "root09": (8933, 638, 3191),
}


@pytest.mark.parametrize(("name", "split"), list(ANALOGY_SIZES))
def test_real_analogy_sizes(shared_data, name, split):
    questions = load_analogy(name, split, shared_data)
    assert len(questions) == ANALOGY_SIZES[name, split]
    assert all(0 <= q.answer < len(q.choices) for q in questions)


def test_real_analogy_details(shared_data):
    assert {len(q.choices) for q in load_analogy("google", "test", shared_data)} == {4}
    assert {q.answer for q in load_analogy("t_rex", "valid", shared_data)} == {0}
    first = load_analogy("u2", "test", shared_data)[0]
    assert first.stem == ("lie", "prevaricate") and first.correct == ("waver", "falter") and first.prefix == "grade12"


@pytest.mark.parametrize("name", list(LEXICAL_SIZES))
def test_real_lexical_sizes(shared_data, name):
    sizes = tuple(len(load_lexical(name, split, shared_data)) for split in ("train", "val", "test"))
    assert sizes == LEXICAL_SIZES[name]


def test_real_cogalexv_sizes(shared_data):
    sizes = tuple(len(load_lexical("cogalexv", split, shared_data)) for split in ("train", "val", "test"))
    assert sizes == (3054 - 306, 306, 4260)


def test_real_mapping(shared_data):
    problems = load_mapping(shared_data)
    assert [p.id for p in problems] == [f"a{i}" for i in range(1, 11)] + [f"m{i}" for i in range(1, 11)]
    assert problems[0].target[:2] == ("atom", "nucleus") and {len(p.source) for p in problems} == set(range(5, 10))


def test_real_list_datasets_matches_the_loaders(shared_data):
    for info in list_datasets(shared_data):
        if info.name == "sat":
            continue  # supplied by the user, if at all
        missing = {split for split, present in info.available.items() if not present}
        assert missing == ({"valid"} if info.name in ("scan", "nell_one") else set()), info.name


def test_real_unpublished_splits(shared_data):
    for name in ("scan", "nell_one"):
        with pytest.raises(RelvecError, match="exists only on the Hugging Face Hub"):
            load_analogy(name, "valid", shared_data)
    if not (Path(shared_data) / "sat").is_dir():
        with pytest.raises(RelvecError, match="SAT cannot be redistributed"):
            load_analogy("sat_full", data_dir=shared_data)
