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

from relvec.data.analogy import ANALOGY_SPLITS
from relvec.data.registry import DATASETS
from relvec.errors import check_choice, invalid
from relvec.tasks.analogy import DEFAULT_DIRECTION, check_direction
from relvec.tasks.kinds import KINDS
from relvec.tasks.vectors import PairTable

#: dataset -> task (its kind), every dataset of a kind that has a Task, in the data registry's order
TASKS: dict[str, str] = {name: spec.kind for name, spec in DATASETS.items() if spec.kind in KINDS}
MAPPING = next(name for name, kind in TASKS.items() if kind == "mapping")
#: Group names a user may give instead of datasets. SAT is not shipped (its authors ask that it not be
#: redistributed), so it is evaluated only when named.
GROUPS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name, of in TASKS.items() if of == kind and DATASETS[name].in_groups) for kind in KINDS
}
GROUPS["all"] = tuple(name for kind in KINDS for name in GROUPS[kind])
#: Datasets left out of their groups: evaluated only when named.
NAMED_ONLY: tuple[str, ...] = tuple(name for name in TASKS if not DATASETS[name].in_groups)


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
    reported, data = KINDS[task].load(name, split, data_dir)
    return Benchmark(name, task, reported, data)


def run_benchmark(
    embedder: Any,
    benchmark: Benchmark,
    *,
    direction: str = DEFAULT_DIRECTION,
    progress: bool = False,
    lexical_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score ``embedder`` on one loaded benchmark: its metrics plus ``task``, ``split`` and ``seconds``.

    ``direction`` is the analogy scoring (checked there); ``lexical_options`` go to the lexical classifier's
    search. Each task is given only its own kind's keywords.
    """
    task = KINDS[benchmark.task]
    offered = {"direction": direction, "lexical_options": lexical_options}
    start = time.perf_counter()
    keywords = {keyword: offered[keyword] for keyword in task.keywords}
    metrics = task.score(embedder, benchmark.data, name=benchmark.name, progress=progress, **keywords)
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
    """Every named benchmark (default: all shipped ones) -> its metrics, in the order named.

    The benchmarks share one :class:`relvec.tasks.vectors.PairTable`: a pair that several datasets, tasks
    or directions contain is embedded once in the run.
    """
    check_direction(direction)  # before any data is read
    loaded = [load_benchmark(name, split=split, data_dir=data_dir) for name in resolve_datasets(datasets)]
    table = pair_table(embedder)
    return {b.name: run_benchmark(table, b, direction=direction, progress=progress) for b in loaded}


def pair_table(embedder: Any) -> PairTable:
    """``embedder`` behind a per-run pair -> vector table (itself when it already is one)."""
    return embedder if isinstance(embedder, PairTable) else PairTable(embedder)


__all__ = [
    "ANALOGY_SPLITS",
    "GROUPS",
    "MAPPING",
    "NAMED_ONLY",
    "TASKS",
    "Benchmark",
    "evaluate",
    "load_benchmark",
    "pair_table",
    "resolve_datasets",
    "run_benchmark",
]
