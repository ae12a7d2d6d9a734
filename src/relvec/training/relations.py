"""The relations a run trains and selects on: SemEval-2012 or a user file, plus any extra training data."""

from __future__ import annotations

import os
import sys
import zlib

import numpy as np

from relvec import data
from relvec.data import Relation, RelationSet, wordnet
from relvec.data.paths import DATA_ENV, PACKAGED_DATA
from relvec.errors import RelvecError
from relvec.pairs import Pair
from relvec.training.config import TrainConfig
from relvec.training.sampler import check_relations


def load_relations(config: TrainConfig, data_dir: str | os.PathLike[str] | None = None) -> RelationSet:
    """The run's relation set (train and validation relations) from SemEval-2012 or a user file."""
    if config.data == "semeval":
        # The SemEval-2012 copy inside relvec is the same data; a data folder is needed only for extra data.
        given = data_dir not in (None, "") or os.environ.get(DATA_ENV)
        relations = data.load_semeval(data_dir if given else PACKAGED_DATA, exclude=config.exclude)
    else:
        if config.exclude:
            raise RelvecError("exclude applies to data 'semeval'; edit your relation file instead")
        relations = data.load_relation_file(config.data)
    if config.extra_data:
        relations = _with_extra_relations(relations, config, data_dir)
    check_relations(relations.train)
    return relations


#: How messages name each extra source.
SOURCE_NAMES = {"wordnet": "WordNet", "lexical": "lexical-dataset"}
#: Labels of the lexical datasets that say "no relation": not served as relations.
UNRELATED_LABELS = frozenset({"random", "false"})


def lexical_relations(data_dir: str | os.PathLike[str] | None, per_relation: int = 100) -> tuple[Relation, ...]:
    """One relation per (lexical dataset, label) of the datasets' *train* splits, the unrelated labels left
    out: at most ``per_relation`` positives each (a fixed shuffle), so that K&H+N's 18,000 siblings do not
    outweigh SemEval's relations. Their val and test pairs are held out by the leakage filter."""
    from relvec.data.lexical import LEXICAL_DATASETS, load_lexical

    found = []
    for name in LEXICAL_DATASETS:
        split = load_lexical(name, "train", data_dir)
        by_label: dict[str, list[Pair]] = {}
        for pair, label in zip(split.pairs, split.labels, strict=True):
            if label.lower() not in UNRELATED_LABELS:
                by_label.setdefault(label, []).append(pair)
        for label, pairs in sorted(by_label.items()):
            order = np.random.default_rng(zlib.crc32(f"{name}:{label}".encode())).permutation(len(pairs))
            found.append(Relation(f"{name}:{label}", "lexical", tuple(pairs[i] for i in order[:per_relation])))
    return tuple(found)


def _extra_relations(source: str, data_dir: str | os.PathLike[str] | None) -> tuple[tuple[Relation, ...], set[Pair]]:
    """An extra source's relations and the evaluation pairs they must not hold."""
    if source == "wordnet":
        return wordnet.load_wordnet(), wordnet.evaluation_pairs(data_dir)
    # The lexical datasets' train pairs are what relvec's classifier trains on; their val and test are held out.
    return lexical_relations(data_dir), wordnet.evaluation_pairs(data_dir, lexical_splits=("val", "test"))


def _with_extra_relations(
    relations: RelationSet, config: TrainConfig, data_dir: str | os.PathLike[str] | None
) -> RelationSet:
    """Add the extra relations to the training split only: validation (model selection) stays SemEval's."""
    added: list[Relation] = []
    for source in config.extra_data:
        extra, held_out = _extra_relations(source, data_dir)
        total = sum(len(r.positives) + len(r.negatives) for r in extra)
        dropped = 0
        if config.leakage_filter:
            extra, dropped = wordnet.drop_leaked(extra, held_out)
            if not extra:
                raise RelvecError(
                    f"the leakage filter dropped all {total} {SOURCE_NAMES[source]} training pairs: every relation "
                    "shares pairs with the evaluation datasets; train without extra_data or with leakage_filter off"
                )
        print(
            f"relvec train: {source} adds {len(extra)} relations ({total - dropped} pairs); the leakage filter "
            f"dropped {dropped} pairs found in evaluation datasets"
            + ("" if config.leakage_filter else " (filter off)"),
            file=sys.stderr,
        )
        added += extra
    return RelationSet(relations.train + tuple(added), relations.validation, relations.skipped)
