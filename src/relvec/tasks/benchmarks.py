"""Benchmarks by name: which task a dataset belongs to, loading it, and scoring an embedder on it.

Names are checked and data is read before any model is loaded, so a typo or a missing file fails in a
second rather than after the model load.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relvec.data import (
    ANALOGY_DATASETS,
    LEXICAL_DATASETS,
    load_analogy,
    load_lexical,
    load_mapping,
)
from relvec.errors import check_choice, invalid
from relvec.tasks.analogy import DEFAULT_DIRECTION, DIRECTIONS, analogy_accuracy
from relvec.tasks.classification import lexical_classification
from relvec.tasks.mapping import mapping_accuracy

MAPPING = "relation_mapping"
#: dataset -> task
TASKS: dict[str, str] = {
    **{name: "analogy" for name in ANALOGY_DATASETS},
    **{name: "lexical" for name in LEXICAL_DATASETS},
    MAPPING: "mapping",
}
#: Group names a user may give instead of datasets. SAT is not shipped (its authors ask that it not be
#: redistributed), so it is evaluated only when named.
GROUPS: dict[str, tuple[str, ...]] = {
    "analogy": tuple(name for name in ANALOGY_DATASETS if name != "sat"),
    "lexical": tuple(LEXICAL_DATASETS),
    "mapping": (MAPPING,),
}
GROUPS["all"] = GROUPS["analogy"] + GROUPS["lexical"] + GROUPS["mapping"]
#: The metrics each task reports; the first is the one a one-line summary shows.
METRICS: dict[str, tuple[str, ...]] = {
    "analogy": ("accuracy",),
    "lexical": ("f1_micro", "f1_macro", "accuracy"),
    "mapping": ("accuracy", "problem_accuracy", "mean_problem_accuracy"),
}
ANALOGY_SPLITS = ("test", "valid")


def resolve_datasets(names: Iterable[str] | None = None) -> list[str]:
    """Dataset names with groups expanded, in the order given, each once; default every shipped benchmark."""
    chosen: list[str] = []
    for name in ["all"] if names is None else names:
        key = name.strip().lower() if isinstance(name, str) else name
        expanded = GROUPS.get(key, (key,))
        for dataset in expanded:
            check_choice("dataset", dataset, [*TASKS, *GROUPS])
            if dataset not in chosen:
                chosen.append(dataset)
    if not chosen:
        raise invalid("datasets", list(names or []), "at least one dataset or group name")
    return chosen


@dataclass(frozen=True)
class Benchmark:
    """One dataset, loaded: analogy questions, lexical (train, val, test) splits, or mapping problems."""

    name: str
    task: str
    split: str
    data: Any


def load_benchmark(name: str, *, split: str = "test", data_dir: str | Path | None = None) -> Benchmark:
    """Read one dataset. ``split`` picks the analogy split (``test`` or ``valid``); lexical classification
    always trains on train, selects on val and reports test, and relation mapping has a single split."""
    check_choice("dataset", name, TASKS)
    check_choice("split", split, ANALOGY_SPLITS)
    task = TASKS[name]
    if task == "analogy":
        return Benchmark(name, task, split, load_analogy(name, split=split, data_dir=data_dir))
    if task == "lexical":
        splits = tuple(load_lexical(name, split=part, data_dir=data_dir) for part in ("train", "val", "test"))
        return Benchmark(name, task, "test", splits)
    return Benchmark(name, task, "test", load_mapping(data_dir=data_dir))


def run_benchmark(
    embedder: Any,
    benchmark: Benchmark,
    *,
    direction: str = DEFAULT_DIRECTION,
    progress: bool = False,
    lexical_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score ``embedder`` on one loaded benchmark: its metrics plus ``task``, ``split`` and ``seconds``."""
    check_choice("direction", direction, DIRECTIONS)
    start = time.perf_counter()
    if benchmark.task == "analogy":
        metrics = analogy_accuracy(
            embedder, benchmark.data, direction=direction, progress=progress, name=benchmark.name
        )
    elif benchmark.task == "lexical":
        train, val, test = benchmark.data
        metrics = lexical_classification(
            embedder, train, val, test, progress=progress, name=benchmark.name, **(lexical_options or {})
        )
    else:
        metrics = mapping_accuracy(embedder, benchmark.data, progress=progress, name=benchmark.name)
    seconds = round(time.perf_counter() - start, 1)
    return {"task": benchmark.task, "split": benchmark.split, **metrics, "seconds": seconds}


def evaluate(
    embedder: Any,
    datasets: Sequence[str] | None = None,
    *,
    split: str = "test",
    direction: str = DEFAULT_DIRECTION,
    data_dir: str | Path | None = None,
    progress: bool = False,
) -> dict[str, dict[str, Any]]:
    """Every named benchmark (default: all shipped ones) -> its metrics, in the order named."""
    check_choice("direction", direction, DIRECTIONS)
    loaded = [load_benchmark(name, split=split, data_dir=data_dir) for name in resolve_datasets(datasets)]
    return {b.name: run_benchmark(embedder, b, direction=direction, progress=progress) for b in loaded}


__all__ = [
    "ANALOGY_SPLITS",
    "GROUPS",
    "MAPPING",
    "METRICS",
    "TASKS",
    "Benchmark",
    "evaluate",
    "load_benchmark",
    "resolve_datasets",
    "run_benchmark",
]
