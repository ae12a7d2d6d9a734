"""WordNet 3.0 relations as extra training relations, and the leakage filter that keeps them honest.

WordNet comes from Debian's ``wordnet-base`` (``/usr/share/wordnet``; another folder with the same
``data.noun`` ... files through ``$RELVEC_WORDNET``). The files are read directly (format: wndb(5WN)):
NLTK's reader would need a ``lexnames`` file that the Debian package does not ship.

Each relation is one pointer kind within one lexicographer file, e.g. hypernymy among animals
(``wordnet:hypernym:noun.animal``), so that a relation is as coherent as a SemEval subcategory:

    hypernym      (dog, canine)          @  noun and verb synsets
    part_of       (wheel, car)           %p
    member_of     (player, team)         %m
    substance_of  (flour, bread)         %s
    attribute     (heavy, weight)        =  from adjectives
    derivation    (destroy, destruction) +  from verbs
    antonym       (hot, cold)            !
    synonym       (big, large)           words of one adjective synset

Only one-word lemmas whose synset is their most frequent sense take part (WordNet lists a lemma's senses
by frequency), and the ``per_relation`` pairs whose rarer word has the most sense-tagged occurrences are
kept, most prototypical first (a pair with a word never seen sense-tagged is left out). Symmetric
relations (antonym, synonym) keep one order of each pair. Directional relations get their reversed pairs as negatives.

:func:`drop_leaked` removes every training pair that appears, in either order, in any split of any
evaluation dataset in the data folder (analogy questions, lexical relation datasets, and the term pairs of
each relation-mapping list), and reports how many it dropped.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from relvec.data.relsim import Relation
from relvec.errors import RelvecError, check_positive_int
from relvec.pairs import Pair

WORDNET_ENV = "RELVEC_WORDNET"
DEBIAN_WORDNET = Path("/usr/share/wordnet")
_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
#: WordNet 3.0's lexicographer files, by number (lexnames(5WN)).
LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]
#: pointer symbol -> (relation kind, whether the pair is (target, source) rather than (source, target),
#: parts of speech it is read from)
_POINTERS = {
    "@": ("hypernym", False, "nv"),
    "%p": ("part_of", True, "n"),
    "%m": ("member_of", True, "n"),
    "%s": ("substance_of", True, "n"),
    "=": ("attribute", False, "as"),
    "+": ("derivation", False, "v"),
    "!": ("antonym", False, "nvas"),
}
_SYMMETRIC = {"antonym", "synonym"}
_WORD = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class _Synset:
    lexfile: int
    words: tuple[str, ...]
    pointers: tuple[tuple[str, str, str, int, int], ...]  # symbol, target offset, target pos, source, target


def wordnet_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The WordNet 3.0 folder: ``folder``, else ``$RELVEC_WORDNET``, else Debian's; an error says how to get it."""
    path = Path(folder or os.environ.get(WORDNET_ENV) or DEBIAN_WORDNET)
    if not (path / "data.noun").is_file():
        raise RelvecError(
            f"WordNet 3.0 is not installed at {path} (no data.noun): install Debian's package "
            f"(apt-get install wordnet-base) or set {WORDNET_ENV} to a folder with WordNet's data.* and index.* files"
        )
    return path


def _read_data(path: Path) -> dict[str, _Synset]:
    synsets = {}
    with path.open(encoding="latin-1") as lines:
        for line in lines:
            if line.startswith("  "):  # the license header
                continue
            fields = line.split(" | ")[0].split()
            offset, lexfile, count = fields[0], int(fields[1]), int(fields[3], 16)
            words = tuple(fields[4 + 2 * i].lower() for i in range(count))
            at = 4 + 2 * count
            pointers = []
            for i in range(int(fields[at])):
                symbol, target, pos, numbers = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                pointers.append((symbol, target, pos, int(numbers[:2], 16), int(numbers[2:], 16)))
            synsets[offset] = _Synset(lexfile, words, tuple(pointers))
    return synsets


def _read_index(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Each lemma's most frequent synset and its count of sense-tagged occurrences."""
    first, tagged = {}, {}
    with path.open(encoding="latin-1") as lines:
        for line in lines:
            if line.startswith("  "):
                continue
            fields = line.split()
            pointer_count = int(fields[3])
            tagged[fields[0]] = int(fields[5 + pointer_count])
            first[fields[0]] = fields[6 + pointer_count]
    return first, tagged


def load_wordnet(folder: str | os.PathLike[str] | None = None, *, per_relation: int = 10) -> tuple[Relation, ...]:
    """WordNet relations for training, most prototypical pairs first (see the module docstring)."""
    per_relation = check_positive_int("per_relation", per_relation)
    root = wordnet_dir(folder)
    data = {name: _read_data(root / f"data.{name}") for name in ("noun", "verb", "adj")}
    index = {name: _read_index(root / f"index.{name}") for name in ("noun", "verb", "adj")}

    def usable(word: str, pos: str, offset: str) -> bool:
        first, _ = index[_POS_FILES[pos]]
        return bool(_WORD.match(word)) and first.get(word) == offset

    def weight(word: str, pos: str) -> int:
        return index[_POS_FILES[pos]][1].get(word, 0)

    found: dict[tuple[str, str], dict[Pair, int]] = defaultdict(dict)
    for name, synsets in data.items():
        for offset, synset in synsets.items():
            pos = name[0]
            relation_group = LEXNAMES[synset.lexfile]
            if pos == "a":
                words = [w for w in synset.words if usable(w.split("(")[0], "a", offset)]
                for a, b in itertools.combinations(words, 2):
                    found[("synonym", relation_group)][(a, b)] = min(weight(a, "a"), weight(b, "a"))
                    found[("synonym", relation_group)][(b, a)] = 0  # one order of a symmetric pair
            for symbol, target, target_pos, source_number, target_number in synset.pointers:
                if symbol not in _POINTERS:
                    continue
                kind, swap, from_pos = _POINTERS[symbol]
                if pos not in from_pos or target_pos not in _POS_FILES:
                    continue
                other = data[_POS_FILES[target_pos]].get(target)
                if other is None:
                    continue
                sources = [synset.words[source_number - 1]] if source_number else list(synset.words)
                targets = [other.words[target_number - 1]] if target_number else list(other.words)
                for head in sources:
                    for tail in targets:
                        head, tail = head.split("(")[0], tail.split("(")[0]  # adjective markers: big(a)
                        if head == tail or not (usable(head, pos, offset) and usable(tail, target_pos, target)):
                            continue
                        pair = (tail, head) if swap else (head, tail)
                        if kind in _SYMMETRIC and pair[::-1] in found[(kind, relation_group)]:
                            continue  # one order of a symmetric pair
                        found[(kind, relation_group)][pair] = min(weight(head, pos), weight(tail, target_pos))
    relations = []
    for (kind, group), pairs in sorted(found.items()):
        # A pair whose rarer word never occurs sense-tagged is too obscure to teach a relation.
        ranked = sorted((p for p in pairs if pairs[p] > 0), key=lambda pair: (-pairs[pair], pair))[:per_relation]
        if len(ranked) < 4:  # too few for an anchor, a positive and held-out pairs
            continue
        directional = kind not in _SYMMETRIC
        negatives = tuple((t, h) for h, t in ranked if (t, h) not in pairs) if directional else ()
        relations.append(Relation(f"wordnet:{kind}:{group}", f"wordnet:{kind}", tuple(ranked), negatives))
    return tuple(relations)


def evaluation_pairs(
    data_dir: str | os.PathLike[str] | None = None, *, lexical_splits: tuple[str, ...] | None = None
) -> set[Pair]:
    """Every pair of every evaluation dataset present in the data folder, in both orders; ``lexical_splits``
    limits the lexical datasets' splits counted (default all three)."""
    from relvec.data.analogy import ANALOGY_DATASETS, ANALOGY_SPLITS, load_analogy
    from relvec.data.lexical import LEXICAL_DATASETS, LEXICAL_SPLITS, load_lexical
    from relvec.data.mapping import load_mapping

    pairs: set[Pair] = set()
    for name in ANALOGY_DATASETS:
        for split in ANALOGY_SPLITS:
            try:
                questions = load_analogy(name, split, data_dir)
            except RelvecError:  # a split that does not exist (scan valid) or is not present (SAT)
                continue
            pairs.update(tuple(p) for q in questions for p in (q.stem, *q.choices))
    for name in LEXICAL_DATASETS:
        for split in LEXICAL_SPLITS if lexical_splits is None else lexical_splits:
            try:
                pairs.update(load_lexical(name, split, data_dir).pairs)
            except RelvecError:
                continue
    try:
        problems = load_mapping(data_dir)
    except RelvecError:
        problems = []
    for problem in problems:
        for terms in (problem.source, problem.target):
            pairs.update(itertools.permutations(terms, 2))
    return pairs | {(t, h) for h, t in pairs}


def drop_leaked(relations: Iterable[Relation], held_out: set[Pair]) -> tuple[tuple[Relation, ...], int]:
    """``relations`` without any pair in ``held_out``; returns them and the number of pairs dropped.

    A relation left with fewer than 4 positives is dropped whole (its pairs are counted).
    """
    kept, dropped = [], 0
    for relation in relations:
        positives = tuple(pair for pair in relation.positives if pair not in held_out)
        negatives = tuple(pair for pair in relation.negatives if pair not in held_out)
        if len(positives) < 4:
            dropped += len(relation.positives) + len(relation.negatives)
            continue
        dropped += len(relation.positives) - len(positives) + len(relation.negatives) - len(negatives)
        kept.append(Relation(relation.name, relation.parent, positives, negatives, relation.parent_id))
    return tuple(kept), dropped


__all__ = ["LEXNAMES", "WORDNET_ENV", "drop_leaked", "evaluation_pairs", "load_wordnet", "wordnet_dir"]
