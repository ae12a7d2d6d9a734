"""The bar chart of an evaluation (``results.png``): one panel per task, bars per dataset."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError
from relvec.tasks.kinds import KINDS, METRIC_NAMES
from relvec.tasks.published import published
from relvec.tasks.report.results import Results, datasets_of, display_name

#: Published rows drawn in the chart (the Markdown tables show every published row).
CHART_PUBLISHED = ("RelBERT-base (paper)", "fastText difference (paper)")


def check_chart_dependency() -> None:
    """Refuse up front when matplotlib (the ``eval`` extra) is missing, rather than after a whole evaluation."""
    if importlib.util.find_spec("matplotlib") is None:
        raise RelvecError(
            "writing a report (--output) needs matplotlib for results.png; run: pip install 'relvec[eval]' "
            "(or leave out --output to print the table only)"
        )


def _series(
    label: str, results: Results, compared: Mapping[str, Results], task: str, metric: str, names: list[str]
) -> list[tuple[str, list[float | None], bool]]:
    """(legend name, value per dataset, from the paper) for this run, the compared runs and the paper's rows."""
    series: list[tuple[str, list[float | None], bool]] = [(label, [results[d][metric] for d in names], False)]
    series += [(other, [r.get(d, {}).get(metric) for d in names], False) for other, r in compared.items()]
    table = published(task, metric)
    series += [(m, [table[m].get(d) for d in names], True) for m in CHART_PUBLISHED if m in table]
    return series


def _draw_panel(axis: Any, series: list[tuple[str, list[float | None], bool]], names: list[str], title: str) -> None:
    bar = 0.8 / len(series)
    for k, (name, values, from_paper) in enumerate(series):
        xs = [i + (k - (len(series) - 1) / 2) * bar for i in range(len(names))]
        present = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if present:
            axis.bar(
                [x for x, _ in present],
                [v for _, v in present],
                bar,
                label=name,
                hatch="//" if from_paper else None,
                alpha=0.6 if from_paper else 1.0,
            )
    axis.set_xticks(range(len(names)), [display_name(d) for d in names], rotation=30, ha="right")
    axis.set_xlim(-0.75, len(names) - 0.25)  # a one-dataset panel keeps the bar width of the others
    axis.set_ylim(0, 100)
    axis.set_title(title)
    axis.grid(axis="y", alpha=0.3)


def plot_report(
    label: str,
    results: Results,
    path: str | Path,
    *,
    compared: Mapping[str, Results] | None = None,
    lexical_metric: str = "f1_micro",
) -> Path:
    """Bars per dataset, one panel per task: this run, compared runs, and the paper's RelBERT-base and
    word-vector baseline (hatched)."""
    check_chart_dependency()
    import matplotlib

    matplotlib.use("Agg")  # files only; never opens a window
    import matplotlib.pyplot as plt

    compared = compared or {}
    panels = [(task, datasets_of(results, task.kind)) for task in KINDS.values()]
    panels = [(task, names) for task, names in panels if names]
    widths = [max(len(names), 2) + 1 for _, names in panels]
    figure, axes = plt.subplots(
        1, len(panels), figsize=(2.0 + 1.1 * sum(widths), 4.5), squeeze=False, gridspec_kw={"width_ratios": widths}
    )
    for axis, (task, names) in zip(axes[0], panels, strict=True):
        metric = task.primary(lexical_metric)
        series = _series(label, results, compared, task.kind, metric, names)
        _draw_panel(axis, series, names, f"{task.title}: {METRIC_NAMES[metric]} %")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=min(len(labels), 4), frameon=False, fontsize="small")
    figure.tight_layout(rect=(0, 0, 1, 0.88))
    path = Path(path)
    fresh = path.with_name(path.name + ".partial")
    figure.savefig(fresh, dpi=120, format=path.suffix.lstrip(".") or "png")
    plt.close(figure)
    fresh.replace(path)
    return path
