"""The plain-text table of an evaluation, for the terminal: one line per dataset."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from relvec.tasks.kinds import KINDS, METRIC_NAMES
from relvec.tasks.report.results import Results


def _analogy_notes(metrics: Mapping[str, Any], metric: str) -> list[str]:
    return [f"{metrics['ties']} tied"] if metrics.get("ties") else []


def _lexical_notes(metrics: Mapping[str, Any], metric: str) -> list[str]:
    other = "f1_macro" if metric != "f1_macro" else "f1_micro"
    return [f"{METRIC_NAMES[other]} {metrics[other]:.1f}"]


def _mapping_notes(metrics: Mapping[str, Any], metric: str) -> list[str]:
    return [f"{metrics['solved']}/{metrics['problems']} problems solved"]


#: kind -> what a reader of its line must know beyond the summary metric
_NOTES: dict[str, Callable[[Mapping[str, Any], str], list[str]]] = {
    "analogy": _analogy_notes,
    "lexical": _lexical_notes,
    "mapping": _mapping_notes,
}


def text_table(results: Results, lexical_metric: str = "f1_micro") -> str:
    """One line per dataset: task, metric, value, size, and what a reader must know (fallbacks, ties, time)."""
    rows = [("dataset", "task", "metric", "value", "n", "notes")]
    for name, metrics in results.items():
        task = KINDS[metrics["task"]]
        metric = task.primary(lexical_metric)
        notes = _NOTES[task.kind](metrics, metric)
        if metrics.get("unembedded_pairs"):
            notes.append(f"{metrics['unembedded_pairs']}/{metrics['distinct_pairs']} pairs unembedded")
        notes.append(f"{metrics.get('seconds', 0):.0f} s")
        size = str(metrics[task.size])
        rows.append((name, task.kind, METRIC_NAMES[metric], f"{metrics[metric]:.1f}", size, ", ".join(notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )
