"""Evaluation of any embedder (``encode(pairs) -> float32 (n, dim)``) on RelBERT's benchmarks.

pairs -> vectors (:mod:`.vectors`, each distinct pair once) -> scores -> a metrics dict:

* :func:`analogy_accuracy` (:mod:`.analogy`): multiple-choice analogy questions, cosine scoring;
* :func:`lexical_classification` (:mod:`.classification`): an MLP on ``[v(h, t), v(t, h)]``, tuned on val;
* :func:`mapping_accuracy` (:mod:`.mapping`): relation mapping problems, exact or beam permutation search;
* :mod:`.kinds`: one Task per kind of benchmark (load, score, metrics), which the rest dispatch through;
* :func:`evaluate` (:mod:`.benchmarks`): benchmarks by name, read from the data folder;
* :mod:`.report`: a text table, results.json, a Markdown table beside the published numbers
  (:mod:`.published`), a chart.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from relvec.tasks.analogy import analogy_accuracy, analogy_scores
from relvec.tasks.classification import classification_metrics, lexical_classification
from relvec.tasks.mapping import mapping_accuracy

# These read datasets through relvec.data, imported on first use.
_LAZY = {"evaluate": "relvec.tasks.benchmarks", "resolve_datasets": "relvec.tasks.benchmarks"}

__all__ = [
    "analogy_accuracy",
    "analogy_scores",
    "classification_metrics",
    "evaluate",
    "lexical_classification",
    "mapping_accuracy",
    "resolve_datasets",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'relvec.tasks' has no attribute {name!r}")
