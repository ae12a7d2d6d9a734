"""What the report modules share: the results mapping, its file names, and how datasets are named in reports.

``results`` is what :func:`relvec.tasks.benchmarks.evaluate` returns: dataset -> metrics, each with its
``task`` (a kind of :data:`relvec.tasks.kinds.KINDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relvec.data.registry import DATASETS

Results = Mapping[str, Mapping[str, Any]]

RESULTS_FILE = "results.json"
RUN_FILE = "run.json"
MARKDOWN_FILE = "results.md"
CHART_FILE = "results.png"


def display_name(dataset: str) -> str:
    """The name reports show for a dataset (the registry's display name; an unknown name as it is)."""
    spec = DATASETS.get(dataset)
    return spec.display if spec is not None else dataset


def datasets_of(results: Results, task: str) -> list[str]:
    """The datasets of ``results`` of one kind of task, in results order."""
    return [name for name, metrics in results.items() if metrics.get("task") == task]
