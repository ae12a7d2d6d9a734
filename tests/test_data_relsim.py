"""Relation sets: RelBERT's SemEval selection rule, user relation files, and the validation questions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from relvec.data import Relation, RelationSet, load_relation_file, load_semeval, split_validation
from relvec.errors import RelvecError


def pairs(n: int, tag: str = "p") -> list[tuple[str, str]]:
    return [(f"{tag}{i}a", f"{tag}{i}b") for i in range(n)]


# --- the validation rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(3, 40))
def test_two_per_relation_is_exactly_relberts_slice(n):
    items = pairs(n)
    validation, train = split_validation(items, 2)
    assert validation == items[:: int(0.8 * n)]
    assert train == [p for p in items if p not in validation]


def test_ten_pairs_give_elements_0_and_8():
    items = pairs(10)
    validation, train = split_validation(items, 2)
    assert validation == [items[0], items[8]] and len(train) == 8


def test_other_sizes_are_distinct_spread_and_keep_enough_for_training():
    items = pairs(10)
    assert split_validation(items, 0) == ([], items)
    assert split_validation(items, 1)[0] == [items[0]]
    assert split_validation(items, 3)[0] == [items[0], items[4], items[8]]
    validation, train = split_validation(items, 9, keep=2)
    assert len(validation) == 8 and len(set(validation)) == 8 and len(train) == 2
    assert split_validation(pairs(3), 2, keep=2)[0] == [pairs(3)[0]]
    assert split_validation(pairs(2), 2, keep=2) == ([], pairs(2))


# --- SemEval on a small hand-written file ---------------------------------------------------------------------


def semeval_dir(root: Path, relations: list[dict]) -> Path:
    folder = root / "semeval2012_task2"
    folder.mkdir(parents=True)
    (folder / "gold_ratings.jsonl").write_text("\n".join(json.dumps(r) for r in relations) + "\n", encoding="utf-8")
    return root


def rated(name: str, parent_id: int, parent: str, scores: list[float]) -> dict:
    return {
        "relation_id": name,
        "parent_id": parent_id,
        "parent_name": parent,
        "gold_ratings": [[f"{name}h{i}", f"{name}t{i}", s] for i, s in enumerate(scores)],
    }


SCORES = [50, 40, 30, 30, 20, 10, 5, 0, -5, -10, -10, -30, -60]  # sorted like the real files


@pytest.fixture
def small_semeval(tmp_path):
    return semeval_dir(
        tmp_path,
        [
            rated("1a", 1, "CLASS-INCLUSION", SCORES),
            rated("1b", 1, "CLASS-INCLUSION", SCORES),
            rated("2a", 2, "PW", SCORES),
        ],
    )


def test_semeval_selection_rule(small_semeval):
    full = load_semeval(small_semeval, top=5, bottom=4, validation_per_relation=0)
    relation = full.train[0]
    assert (relation.name, relation.parent, relation.parent_id) == ("1a", "CLASS-INCLUSION", "1")
    assert relation.positives == tuple((f"1ah{i}", f"1at{i}") for i in range(5))  # ties (30, 30) in file order
    # least prototypical first; the -10 tie keeps file order; score 0 is neither positive nor negative
    assert relation.negatives == (("1ah12", "1at12"), ("1ah11", "1at11"), ("1ah9", "1at9"), ("1ah10", "1at10"))
    assert full.validation[0].positives == ()


def test_semeval_thresholds_and_split(small_semeval):
    relations = load_semeval(small_semeval, min_positive_score=15, max_negative_score=-20)
    train, validation = relations.train[0], relations.validation[0]
    # 5 positives (score > 15): [::int(0.8 * 5)] = elements 0 and 4
    assert validation.positives == (("1ah0", "1at0"), ("1ah4", "1at4")) and len(train.positives) == 3
    # 2 negatives (score < -20): [::int(0.8 * 2)] takes both, as in RelBERT
    assert validation.negatives == (("1ah12", "1at12"), ("1ah11", "1at11")) and train.negatives == ()


def test_semeval_too_few_positives_is_an_error(small_semeval):
    with pytest.raises(RelvecError, match=r"relation 1a has 1 pair\(s\) with score > 45"):
        load_semeval(small_semeval, min_positive_score=45)


@pytest.mark.parametrize(
    ("exclude", "left"),
    [
        ("1a", ["1b", "2a"]),
        (["1A"], ["1b", "2a"]),
        (["class-inclusion"], ["2a"]),
        (["1"], ["2a"]),
        ({"2", "1b"}, ["1a"]),
    ],
)
def test_semeval_exclude(small_semeval, exclude, left):
    relations = load_semeval(small_semeval, exclude=exclude)
    assert [r.name for r in relations.train] == left == [r.name for r in relations.validation]


def test_semeval_exclude_unknown_name(small_semeval):
    with pytest.raises(RelvecError, match=r"exclude must be a SemEval relation id .*1 CLASS-INCLUSION, 2 PW.*got '9z'"):
        load_semeval(small_semeval, exclude=["9z"])


@pytest.mark.parametrize(
    ("option", "value"),
    [("top", 0), ("bottom", -1), ("validation_per_relation", 1.5), ("min_positive_score", "0"), ("top", True)],
)
def test_semeval_bad_options(small_semeval, option, value):
    with pytest.raises(RelvecError, match=f"{option} must be"):
        load_semeval(small_semeval, **{option: value})


def test_semeval_bad_line_names_file_and_line(tmp_path):
    bad = rated("1a", 1, "X", SCORES)
    bad["gold_ratings"][3] = ["word", "", 3]
    data = semeval_dir(tmp_path, [rated("1b", 1, "X", SCORES), bad])
    with pytest.raises(RelvecError, match=r"gold_ratings.jsonl, line 2: gold_ratings\[3\]\[1\] \(tail\) must be a non"):
        load_semeval(data)


# --- user relation files --------------------------------------------------------------------------------------


def relation_file(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8")
    return path


CAPITAL = {"relation": "capital-of", "positives": [[a, b] for a, b in pairs(6, "c")], "parent": "geo"}
PLURAL = {"relation": "plural", "positives": [["cat", "cats"], ["dog", "dogs"], ["ox", "oxen"], ["man", "men"]]}


def test_relation_file(tmp_path):
    negatives = [["france", "paris"], ["x", "y"]]
    path = relation_file(tmp_path / "r.jsonl", [dict(CAPITAL, negatives=negatives), "", PLURAL])
    relations = load_relation_file(path)
    capital, plural = relations.train
    assert capital.parent == "geo" and plural.parent == "plural"  # default parent: a category of its own
    assert relations.validation[0].positives == (("c0a", "c0b"), ("c4a", "c4b"))  # [::int(0.8 * 6)]
    assert relations.validation[0].negatives == (("france", "paris"), ("x", "y")) and capital.negatives == ()
    assert len(plural.positives) == 2 and len(relations.validation[1].positives) == 2
    everything = load_relation_file(path, validation_per_relation=0)
    assert everything.train[1] == Relation("plural", "plural", tuple(map(tuple, PLURAL["positives"])))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"positives": PLURAL["positives"]}), "missing field 'relation'"),
        (json.dumps({"relation": "r"}), "missing field 'positives'"),
        (json.dumps({"relation": "r", "positives": [["a", "b"]]}), "positives must be a list of at least 2"),
        (json.dumps({"relation": "r", "positives": [["a", "b"], ["c"]]}), r"positives\[1\] must be a \(head, tail\)"),
        (json.dumps({"relation": "r", "positives": [["a", "b"], ["c", " "]]}), r"positives\[1\]\[1\] \(tail\) must"),
        (json.dumps({"relation": " ", "positives": PLURAL["positives"]}), "relation must be a non-empty word"),
        (json.dumps({"relation": "r", "positives": [["a", "b"], ["a", "b"]]}), "pairs that each appear once"),
        (json.dumps(dict(PLURAL, relation="q", negatives=[["cat", "cats"]])), "pairs that are not also positives"),
        (json.dumps(dict(PLURAL, relation="q", negatives="cat:dog")), "negatives must be a list"),
        (json.dumps(PLURAL), "relation must be a name not used by an earlier line; got 'plural'"),
    ],
)
def test_relation_file_bad_lines(tmp_path, line, message):
    path = relation_file(tmp_path / "r.jsonl", [PLURAL, line])
    with pytest.raises(RelvecError, match=rf"r\.jsonl, line 2: .*{message}"):
        load_relation_file(path)


def test_relation_file_skip_bad_lines(tmp_path):
    path = relation_file(tmp_path / "r.jsonl", [PLURAL, "oops", CAPITAL, json.dumps(PLURAL)])
    with pytest.warns(UserWarning, match=r"skipped 2 bad relation line\(s\)"):
        relations = load_relation_file(path, skip_bad_lines=True)
    assert [r.name for r in relations.train] == ["plural", "capital-of"] and relations.skipped == 2


# --- validation questions -------------------------------------------------------------------------------------


def check_questions(relations: RelationSet, seed: int = 0) -> list:
    questions = relations.validation_questions(seed)
    by_name = {r.name: r for r in relations.validation}
    expected = [(r.name, p, q) for r in relations.validation for p, q in itertools.permutations(r.positives, 2)]
    assert [(q.prefix, q.stem, q.correct) for q in questions] == expected  # the answer is the other positive
    for question in questions:
        relation = by_name[question.prefix]
        assert len(set(question.choices)) == len(question.choices)  # no duplicate choices
        assert question.stem not in question.choices
        assert set(relation.negatives) - {question.stem} <= set(question.choices)
    return questions


def test_validation_questions_small(tmp_path):
    path = relation_file(tmp_path / "r.jsonl", [dict(CAPITAL, negatives=[["france", "paris"]]), PLURAL])
    relations = load_relation_file(path)
    questions = check_questions(relations)
    assert len(questions) == 4
    capital = [q for q in questions if q.prefix == "capital-of"][0]
    assert len(capital.choices) == 1 + 1 + 2  # correct + own negative + the other relation's 2 positives
    assert questions == relations.validation_questions(0)
    orders = {tuple(q.choices for q in relations.validation_questions(seed)) for seed in range(8)}
    assert len(orders) > 1  # the seed changes the order


def test_validation_questions_without_distractors_is_an_error(tmp_path):
    relations = load_relation_file(relation_file(tmp_path / "r.jsonl", [PLURAL]))
    with pytest.raises(RelvecError, match="no validation negatives and there are no other relations"):
        relations.validation_questions()


def test_validation_questions_prefer_other_parents(small_semeval):
    relations = load_semeval(small_semeval, bottom=0)
    question = relations.validation_questions(other_relations=1)[0]  # relation 1a, parent 1
    others = {word[:2] for pair in question.choices if pair != question.correct for word in pair}
    assert others == {"2a"}


# --- the real data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def semeval(shared_data):
    return load_semeval(shared_data)


def test_real_semeval_8d_matches_the_published_example(shared_data, semeval):
    full = {r.name: r for r in load_semeval(shared_data, validation_per_relation=0).train}["8d"]
    assert full.parent == "CAUSE-PURPOSE" and full.parent_id == "8"
    assert full.positives[:3] == (("breathe", "live"), ("study", "learn"), ("speak", "communicate"))
    assert full.negatives[:3] == (("starving", "hungry"), ("clean", "bathe"), ("hungry", "starving"))
    assert len(full.positives) == len(full.negatives) == 10
    train = {r.name: r for r in semeval.train}["8d"]
    validation = {r.name: r for r in semeval.validation}["8d"]
    assert validation.positives == (full.positives[0], full.positives[8])
    assert validation.negatives == (full.negatives[0], full.negatives[8])
    assert train.positives[:2] == (("study", "learn"), ("speak", "communicate")) and len(train.positives) == 8


def test_real_semeval_sizes(semeval):
    assert len(semeval.train) == len(semeval.validation) == 79
    assert {len(r.positives) for r in semeval.train} == {8} == {len(r.negatives) for r in semeval.train}
    assert {len(r.positives) for r in semeval.validation} == {2} == {len(r.negatives) for r in semeval.validation}
    assert len({r.parent for r in semeval.train}) == 10


def test_real_semeval_exclude_a_parent(shared_data):
    relations = load_semeval(shared_data, exclude=["CAUSE-PURPOSE"])
    assert len(relations.train) == 71 and all(r.parent_id != "8" for r in relations.train)


def test_real_validation_questions(semeval):
    questions = check_questions(semeval)
    assert len(questions) == 2 * 79
    assert questions == semeval.validation_questions(0)
    assert questions != semeval.validation_questions(1)
