"""WordNet relations from a hand-made WordNet folder, and the leakage filter, with exact expectations."""

from __future__ import annotations

import pytest

from relvec.data.wordnet import drop_leaked, evaluation_pairs, load_wordnet
from relvec.errors import RelvecError
from relvec.training.config import TrainConfig
from relvec.training.relations import load_relations

# wndb(5WN): offset lexfile pos word-count(hex) word lex_id ... pointer-count pointers | gloss
NOUNS = """\
  1 license header lines start with two spaces
00000001 05 n 01 dog 0 001 @ 00000002 n 0000 | a dog
00000002 05 n 01 canine 0 000 | a canine
00000003 05 n 01 cat 0 001 @ 00000004 n 0000 | a cat
00000004 05 n 01 feline 0 000 | a feline
00000005 05 n 01 wolf 0 001 @ 00000002 n 0000 | a wolf
00000006 05 n 01 lion 0 001 @ 00000004 n 0000 | a lion
00000007 05 n 01 fox 0 001 @ 00000002 n 0000 | a fox
00000008 05 n 01 okapi 0 001 @ 00000002 n 0000 | never sense-tagged: left out
00000009 05 n 01 hot_dog 0 001 @ 00000002 n 0000 | two words: left out
"""
# lemma pos synset-count pointer-count pointers... sense-count tagged-count offsets
TAGGED = {"dog": 9, "canine": 7, "cat": 8, "feline": 6, "wolf": 3, "lion": 2, "fox": 1, "okapi": 0, "hot_dog": 5}
OFFSETS = {"dog": 1, "canine": 2, "cat": 3, "feline": 4, "wolf": 5, "lion": 6, "fox": 7, "okapi": 8, "hot_dog": 9}


@pytest.fixture
def wordnet(tmp_path):
    (tmp_path / "data.noun").write_text(NOUNS, encoding="latin-1")
    index = [f"{w} n 1 1 @ 1 {TAGGED[w]} {OFFSETS[w]:08d}" for w in sorted(TAGGED)]
    (tmp_path / "index.noun").write_text("  header\n" + "\n".join(index) + "\n", encoding="latin-1")
    for name in ("verb", "adj"):
        (tmp_path / f"data.{name}").write_text("")
        (tmp_path / f"index.{name}").write_text("")
    return tmp_path


def test_hypernyms_of_one_lexicographer_file_form_one_relation(wordnet):
    (relation,) = load_wordnet(wordnet)
    assert (relation.name, relation.parent) == ("wordnet:hypernym:noun.animal", "wordnet:hypernym")
    # ranked by the sense-tagged count of the pair's rarer word: 7, 6, 3, 2, 1
    assert relation.positives == (
        ("dog", "canine"),
        ("cat", "feline"),
        ("wolf", "canine"),
        ("lion", "feline"),
        ("fox", "canine"),
    )
    assert relation.negatives == tuple((t, h) for h, t in relation.positives)
    (top,) = load_wordnet(wordnet, per_relation=4)
    assert len(top.positives) == 4


def test_leakage_filter_drops_exactly_the_evaluation_pairs(wordnet):
    relations = load_wordnet(wordnet)
    kept, dropped = drop_leaked(relations, {("dog", "canine"), ("canine", "dog")})
    assert dropped == 2  # one positive, and its reversed negative
    assert kept[0].positives == (("cat", "feline"), ("wolf", "canine"), ("lion", "feline"), ("fox", "canine"))
    # a relation left with fewer than 4 positives goes whole
    kept, dropped = drop_leaked(relations, {("dog", "canine"), ("cat", "feline")})
    assert (kept, dropped) == ((), 10)


def test_evaluation_pairs_hold_both_orders(shared_data):
    from relvec.data import load_analogy, load_lexical

    pairs = evaluation_pairs(shared_data)
    assert all((t, h) in pairs for h, t in list(pairs)[:1000])
    stem = tuple(load_analogy("u2", "test", shared_data)[0].stem)
    lexical = load_lexical("bless", "test", shared_data).pairs[0]
    assert {stem, stem[::-1], lexical, lexical[::-1]} <= pairs


def test_missing_wordnet_and_bad_options_fail_before_training(tmp_path, monkeypatch):
    monkeypatch.setenv("RELVEC_WORDNET", str(tmp_path / "nowhere"))
    with pytest.raises(RelvecError, match=r"apt-get install wordnet-base"):
        load_relations(TrainConfig(extra_data=["wordnet"]))
    with pytest.raises(RelvecError, match="extra_data must be a list of extra relation sources from"):
        TrainConfig(extra_data=["conceptnet"]).check()
    with pytest.raises(RelvecError, match="leakage_filter must be true or false"):
        TrainConfig(leakage_filter="yes").check()


def test_a_filter_that_drops_everything_is_an_error(wordnet, monkeypatch, tmp_path):
    import relvec.data.wordnet as module

    monkeypatch.setenv("RELVEC_WORDNET", str(wordnet))
    monkeypatch.setattr(module, "evaluation_pairs", lambda data_dir=None: {("dog", "canine"), ("cat", "feline")})
    with pytest.raises(RelvecError, match="the leakage filter dropped all 10 WordNet training pairs"):
        load_relations(TrainConfig(extra_data=["wordnet"]))


def test_lexical_train_splits_become_capped_relations_without_unrelated_labels(monkeypatch):
    import relvec.data.lexical as lexical
    from relvec.data import LexicalSplit
    from relvec.training.relations import lexical_relations

    splits = {
        "bless": LexicalSplit((("a", "b"), ("c", "d"), ("e", "f"), ("g", "h")), ("hyper", "random", "hyper", "mero")),
        "khn": LexicalSplit(tuple((f"x{i}", f"y{i}") for i in range(5)), ("sibl",) * 4 + ("false",)),
    }
    seen = []

    def load(name, split, data_dir=None):
        seen.append((name, split))
        return splits[name]

    monkeypatch.setattr(lexical, "LEXICAL_DATASETS", ("bless", "khn"))
    monkeypatch.setattr(lexical, "load_lexical", load)
    found = {r.name: r for r in lexical_relations(None, per_relation=3)}
    assert seen == [("bless", "train"), ("khn", "train")]  # train splits only
    assert sorted(found) == ["bless:hyper", "bless:mero", "khn:sibl"]  # random and false are no relation
    assert set(found["bless:hyper"].positives) == {("a", "b"), ("e", "f")}
    assert len(found["khn:sibl"].positives) == 3 and set(found["khn:sibl"].positives) < {
        (f"x{i}", f"y{i}") for i in range(4)
    }
    assert all(r.parent == "lexical" and not r.negatives for r in found.values())


@pytest.mark.integration
def test_lexical_extra_data_holds_no_val_or_test_pair(shared_data):
    from relvec.data.wordnet import evaluation_pairs

    semeval = load_relations(TrainConfig(), shared_data)
    relations = load_relations(TrainConfig(extra_data=["lexical"]), shared_data)
    added = relations.train[len(semeval.train) :]
    assert len(added) == 21 and {r.parent for r in added} == {"lexical"}
    held_out = evaluation_pairs(shared_data, lexical_splits=("val", "test"))
    assert not {pair for r in added for pair in r.positives} & held_out
    assert relations.validation == semeval.validation  # model selection stays SemEval's
