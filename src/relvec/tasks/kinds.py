"""One Task per kind of benchmark: how its data is loaded and scored, and which metrics it reports.

Benchmarks and reports look a dataset's kind up here (``KINDS[kind]``) instead of branching on it. Which
datasets belong to a kind is the data registry's business (:func:`relvec.data.registry.names_of_kind`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from relvec.data import load_analogy, load_lexical, load_mapping
from relvec.data.lexical import LEXICAL_SPLITS
from relvec.tasks.analogy import analogy_accuracy
from relvec.tasks.classification import lexical_classification
from relvec.tasks.mapping import mapping_accuracy

DataDir = str | os.PathLike[str] | None

#: How reports name each metric.
METRIC_NAMES = {
    "accuracy": "accuracy",
    "f1_micro": "micro F1",
    "f1_macro": "macro F1",
    "problem_accuracy": "problems solved",
    "mean_problem_accuracy": "mean per-problem accuracy",
}


@dataclass(frozen=True)
class Task:
    """One kind of benchmark.

    ``load(name, split, data_dir) -> (split reported, data)`` reads a dataset of this kind;
    ``score(embedder, data, name=, progress=, **keywords) -> metrics`` scores an embedder on it, taking only
    the keywords of this kind, named in ``keywords`` (analogy: ``direction``; lexical: ``lexical_options``).
    """

    kind: str
    #: heading of its part of a report
    title: str
    #: the metrics it reports; the first is the one a one-number summary shows
    metrics: tuple[str, ...]
    #: the metrics key counting the items scored
    size: str
    load: Callable[[str, str, DataDir], tuple[str, Any]]
    score: Callable[..., dict[str, Any]]
    #: True: the user picks the summary metric among ``metrics`` (``relvec evaluate --metric``)
    choosable: bool = False
    #: the keywords ``score`` takes beyond ``name`` and ``progress`` (what ``run_benchmark`` passes on)
    keywords: tuple[str, ...] = ()

    def primary(self, chosen: str) -> str:
        """The summary metric: ``chosen`` where the user may choose it, else the first metric."""
        return chosen if self.choosable else self.metrics[0]


def _load_analogy(name: str, split: str, data_dir: DataDir) -> tuple[str, Any]:
    return split, load_analogy(name, split=split, data_dir=data_dir)


def _load_lexical(name: str, split: str, data_dir: DataDir) -> tuple[str, Any]:
    # Lexical classification always trains on train, selects on val and reports test.
    return "test", tuple(load_lexical(name, split=part, data_dir=data_dir) for part in LEXICAL_SPLITS)


def _load_mapping(name: str, split: str, data_dir: DataDir) -> tuple[str, Any]:
    return "test", load_mapping(data_dir=data_dir)  # a single split


def _score_analogy(embedder: Any, data: Any, *, name: str, progress: bool, direction: str) -> dict:
    return analogy_accuracy(embedder, data, direction=direction, progress=progress, name=name)


def _score_lexical(
    embedder: Any, data: Any, *, name: str, progress: bool, lexical_options: dict[str, Any] | None
) -> dict:
    train, val, test = data
    return lexical_classification(embedder, train, val, test, progress=progress, name=name, **(lexical_options or {}))


def _score_mapping(embedder: Any, data: Any, *, name: str, progress: bool) -> dict:
    return mapping_accuracy(embedder, data, progress=progress, name=name)


#: kind -> Task, in the order reports show them.
KINDS: dict[str, Task] = {
    task.kind: task
    for task in (
        Task(
            "analogy",
            "Analogy questions",
            ("accuracy",),
            "total",
            _load_analogy,
            _score_analogy,
            keywords=("direction",),
        ),
        Task(
            "lexical",
            "Lexical relations",
            ("f1_micro", "f1_macro", "accuracy"),
            "test",
            _load_lexical,
            _score_lexical,
            choosable=True,
            keywords=("lexical_options",),
        ),
        Task(
            "mapping",
            "Mapping",
            ("accuracy", "problem_accuracy", "mean_problem_accuracy"),
            "total_terms",
            _load_mapping,
            _score_mapping,
        ),
    )
}
#: The metrics ``relvec evaluate --metric`` may pick (those of the lexical task).
LEXICAL_METRICS = KINDS["lexical"].metrics


def primary_metric(task: str, lexical_metric: str = "f1_micro") -> str:
    """The metric a one-number summary shows for a task."""
    return KINDS[task].primary(lexical_metric)


__all__ = ["KINDS", "LEXICAL_METRICS", "METRIC_NAMES", "Task", "primary_metric"]
