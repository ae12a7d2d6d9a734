"""Datasets for training and evaluating relation embeddings: plain Python and numpy, no torch.

Every loader reads from a data folder laid out like ``shared/data`` (``data_dir=...``, else
``$RELVEC_DATA``); see ``docs/datasets.md`` for each dataset, its splits and sizes, and the file formats.

* analogy questions: :func:`load_analogy`, :func:`load_analogy_file`
* relation sets for training (SemEval-2012 Task 2, your own): :func:`load_semeval`, :func:`load_relation_file`
* lexical relation classification: :func:`load_lexical`, :func:`lexical_labels`
* relation mapping problems: :func:`load_mapping`
* what is known and present: :func:`list_datasets`
"""

from __future__ import annotations

from relvec.data.analogy import (
    ANALOGY_DATASETS,
    SAT_FULL,
    AnalogyQuestion,
    load_analogy,
    load_analogy_file,
    shuffle_choices,
)
from relvec.data.catalog import DatasetInfo, list_datasets, load_split
from relvec.data.lexical import (
    LEXICAL_DATASETS,
    LEXICAL_LABELS,
    LexicalSplit,
    lexical_labels,
    load_lexical,
    load_lexical_file,
)
from relvec.data.mapping import MappingProblem, load_mapping, load_mapping_file
from relvec.data.paths import DATA_ENV, resolve_data_dir
from relvec.data.relsim import Relation, RelationSet, load_relation_file, load_semeval, split_validation
from relvec.pairs import Pair

__all__ = [
    "ANALOGY_DATASETS",
    "DATA_ENV",
    "LEXICAL_DATASETS",
    "LEXICAL_LABELS",
    "SAT_FULL",
    "AnalogyQuestion",
    "DatasetInfo",
    "LexicalSplit",
    "MappingProblem",
    "Pair",
    "Relation",
    "RelationSet",
    "lexical_labels",
    "list_datasets",
    "load_analogy",
    "load_analogy_file",
    "load_lexical",
    "load_lexical_file",
    "load_mapping",
    "load_mapping_file",
    "load_relation_file",
    "load_semeval",
    "load_split",
    "resolve_data_dir",
    "shuffle_choices",
    "split_validation",
]
