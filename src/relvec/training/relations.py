"""The relations a run trains and selects on: SemEval-2012 or a user file, plus any extra training data."""

from __future__ import annotations

import os
import sys

from relvec import data
from relvec.data import RelationSet, wordnet
from relvec.data.paths import DATA_ENV, PACKAGED_DATA
from relvec.errors import RelvecError
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


def _with_extra_relations(
    relations: RelationSet, config: TrainConfig, data_dir: str | os.PathLike[str] | None
) -> RelationSet:
    """Add the extra relations to the training split only: validation (model selection) stays SemEval's."""
    extra = wordnet.load_wordnet()
    total = sum(len(r.positives) + len(r.negatives) for r in extra)
    dropped = 0
    if config.leakage_filter:
        extra, dropped = wordnet.drop_leaked(extra, wordnet.evaluation_pairs(data_dir))
        if not extra:
            raise RelvecError(
                f"the leakage filter dropped all {total} WordNet training pairs: every relation shares pairs with "
                "the evaluation datasets; train without extra_data or with leakage_filter off"
            )
    print(
        f"relvec train: wordnet adds {len(extra)} relations ({total - dropped} pairs); the leakage filter "
        f"dropped {dropped} pairs found in evaluation datasets" + ("" if config.leakage_filter else " (filter off)"),
        file=sys.stderr,
    )
    return RelationSet(relations.train + tuple(extra), relations.validation, relations.skipped)
