"""Reports of an evaluation: a plain-text table, ``results.json``, ``run.json``, a Markdown table with the
published numbers beside relvec's (``results.md``) and a bar chart (``results.png``).

``results`` is what :func:`relvec.tasks.benchmarks.evaluate` returns: dataset -> metrics, each with its
``task``. Other runs' results (``compared``: label -> results) go beside this run's in the table and chart,
so that one report shows a model, its baselines and the paper.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError, check_choice
from relvec.io.outputs import check_output_folder, write_text_atomic
from relvec.tasks.published import published

Results = Mapping[str, Mapping[str, Any]]

RESULTS_FILE = "results.json"
RUN_FILE = "run.json"
MARKDOWN_FILE = "results.md"
CHART_FILE = "results.png"
LEXICAL_METRICS = ("f1_micro", "f1_macro", "accuracy")

DISPLAY = {
    "sat": "SAT",
    "u2": "U2",
    "u4": "U4",
    "google": "Google",
    "bats": "BATS",
    "scan": "SCAN",
    "nell_one": "NELL",
    "t_rex": "T-REX",
    "conceptnet": "ConceptNet",
    "bless": "BLESS",
    "cogalexv": "CogALexV",
    "evalution": "EVALution",
    "khn": "K&H+N",
    "root09": "ROOT09",
    "relation_mapping": "Mapping",
}
_METRIC_NAMES = {
    "accuracy": "accuracy",
    "f1_micro": "micro F1",
    "f1_macro": "macro F1",
    "problem_accuracy": "problems solved",
    "mean_problem_accuracy": "mean per-problem accuracy",
}
#: Published rows drawn in the chart (the Markdown tables show every published row).
CHART_PUBLISHED = ("RelBERT-base (paper)", "fastText difference (paper)")


def _name(dataset: str) -> str:
    return DISPLAY.get(dataset, dataset)


def _datasets(results: Results, task: str) -> list[str]:
    return [name for name, metrics in results.items() if metrics.get("task") == task]


def primary_metric(task: str, lexical_metric: str = "f1_micro") -> str:
    """The metric a one-number summary shows for a task."""
    return lexical_metric if task == "lexical" else "accuracy"


# plain text, for the terminal


def text_table(results: Results, lexical_metric: str = "f1_micro") -> str:
    """One line per dataset: task, metric, value, size, and what a reader must know (fallbacks, ties, time)."""
    rows = [("dataset", "task", "metric", "value", "n", "notes")]
    for name, metrics in results.items():
        task = metrics["task"]
        metric = primary_metric(task, lexical_metric)
        notes = []
        if task == "analogy":
            size = metrics["total"]
            if metrics.get("ties"):
                notes.append(f"{metrics['ties']} tied")
        elif task == "lexical":
            size = metrics["test"]
            other = "f1_macro" if metric != "f1_macro" else "f1_micro"
            notes.append(f"{_METRIC_NAMES[other]} {metrics[other]:.1f}")
        else:
            size = metrics["total_terms"]
            notes.append(f"{metrics['solved']}/{metrics['problems']} problems solved")
        if metrics.get("unembedded_pairs"):
            notes.append(f"{metrics['unembedded_pairs']}/{metrics['distinct_pairs']} pairs unembedded")
        notes.append(f"{metrics.get('seconds', 0):.0f} s")
        rows.append((name, task, _METRIC_NAMES[metric], f"{metrics[metric]:.1f}", str(size), ", ".join(notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


# Markdown


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _markdown_table(
    label: str, results: Results, compared: Mapping[str, Results], task: str, metric: str, datasets: list[str]
) -> list[str]:
    header = ["model", *(_name(d) for d in datasets)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def row(name: str, values: list[float | None]) -> None:
        lines.append("| " + " | ".join([name, *(_cell(v) for v in values)]) + " |")

    row(f"**{label}** (this run)", [results[d].get(metric) for d in datasets])
    for other, other_results in compared.items():
        row(other, [other_results.get(d, {}).get(metric) for d in datasets])
    for model, values in published(task, metric).items():
        if any(d in values for d in datasets):
            row(model, [values.get(d) for d in datasets])
    return lines


def markdown_report(
    label: str,
    results: Results,
    *,
    compared: Mapping[str, Results] | None = None,
    run_info: Mapping[str, Any] | None = None,
    lexical_metric: str = "f1_micro",
) -> str:
    """A Markdown report: one table per task and metric, this run first, then compared runs, then the paper."""
    check_choice("lexical_metric", lexical_metric, LEXICAL_METRICS)
    compared = compared or {}
    run_info = run_info or {}
    lines = [f"# relvec evaluation: {label}", ""]
    described = ", ".join(
        f"{key} {run_info[key]}" for key in ("model", "template", "pooling", "direction") if run_info.get(key)
    )
    if described:
        lines += [
            f"{described}; relvec {run_info.get('relvec_version', '?')}, wall time "
            f"{run_info.get('wall_seconds', 0):.0f} s.",
            "",
        ]

    analogy = _datasets(results, "analogy")
    if analogy:
        split = results[analogy[0]].get("split", "test")
        lines += [f"## Analogy questions: accuracy % ({split} split)", ""]
        lines += _markdown_table(label, results, compared, "analogy", "accuracy", analogy) + [""]
        if "sat" in analogy:
            lines += ["The paper's SAT column is SAT-full (test + valid, 374 questions).", ""]
        if split != "test":
            lines += ["The published numbers are on the test splits.", ""]

    lexical = _datasets(results, "lexical")
    if lexical:
        metrics = [lexical_metric] + [m for m in ("f1_micro", "f1_macro") if m != lexical_metric]
        for metric in metrics:
            lines += [f"## Lexical relation classification: {_METRIC_NAMES[metric]} % (test)", ""]
            lines += _markdown_table(label, results, compared, "lexical", metric, lexical) + [""]
        lines += ["MLP settings chosen on the validation split (micro F1):", ""]
        for name in lexical:
            chosen = results[name]["hyperparameters"]
            setting = ", ".join(f"{key} {value}" for key, value in chosen.items() if key not in ("seed",))
            lines.append(f"- {_name(name)}: {setting} (val micro F1 {results[name]['val_f1_micro']:.1f})")
        lines.append("")

    mapping = _datasets(results, "mapping")
    for name in mapping:
        lines += ["## Relation mapping: accuracy %", "", "| model | per term | problems solved |", "|---|---|---|"]
        for model, source in [(f"**{label}** (this run)", results), *compared.items()]:
            if name in source:
                metrics = source[name]
                lines.append(f"| {model} | {_cell(metrics['accuracy'])} | {_cell(metrics['problem_accuracy'])} |")
        lines.append("")

    notes = []
    for name, metrics in results.items():
        if metrics.get("unembedded_pairs"):
            notes.append(
                f"- {_name(name)}: {metrics['unembedded_pairs']} of {metrics['distinct_pairs']} distinct pairs could "
                f"not be embedded (coverage {metrics['coverage']:.1f}%); they were scored as zero vectors."
            )
        if metrics.get("ties"):
            ties = metrics["ties"]
            questions = "1 question" if ties == 1 else f"{ties} questions"
            notes.append(f"- {_name(name)}: {questions} had tied top scores (lowest index wins).")
    if notes:
        lines += ["## Notes", "", *notes, ""]
    lines += [f"Per-group accuracy, per-class F1, the MLP search and per-problem mappings are in `{RESULTS_FILE}`.", ""]
    return "\n".join(lines)


# chart


def check_chart_dependency() -> None:
    """Refuse up front when matplotlib (the ``eval`` extra) is missing, rather than after a whole evaluation."""
    if importlib.util.find_spec("matplotlib") is None:
        raise RelvecError(
            "writing a report (--output) needs matplotlib for results.png; run: pip install 'relvec[eval]' "
            "(or leave out --output to print the table only)"
        )


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
    panels = [(task, _datasets(results, task)) for task in ("analogy", "lexical", "mapping")]
    panels = [(task, names) for task, names in panels if names]
    widths = [max(len(names), 2) + 1 for _, names in panels]
    figure, axes = plt.subplots(
        1, len(panels), figsize=(2.0 + 1.1 * sum(widths), 4.5), squeeze=False, gridspec_kw={"width_ratios": widths}
    )
    for axis, (task, names) in zip(axes[0], panels, strict=True):
        metric = primary_metric(task, lexical_metric)
        series: list[tuple[str, list[float | None], bool]] = [(label, [results[d][metric] for d in names], False)]
        series += [(other, [r.get(d, {}).get(metric) for d in names], False) for other, r in compared.items()]
        table = published(task, metric)
        series += [(m, [table[m].get(d) for d in names], True) for m in CHART_PUBLISHED if m in table]
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
        axis.set_xticks(range(len(names)), [_name(d) for d in names], rotation=30, ha="right")
        axis.set_xlim(-0.75, len(names) - 0.25)  # a one-dataset panel keeps the bar width of the others
        axis.set_ylim(0, 100)
        title = {"analogy": "Analogy questions", "lexical": "Lexical relations", "mapping": "Mapping"}[task]
        axis.set_title(f"{title}: {_METRIC_NAMES[metric]} %")
        axis.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=min(len(labels), 4), frameon=False, fontsize="small")
    figure.tight_layout(rect=(0, 0, 1, 0.88))
    path = Path(path)
    fresh = path.with_name(path.name + ".partial")
    figure.savefig(fresh, dpi=120, format=path.suffix.lstrip(".") or "png")
    plt.close(figure)
    fresh.replace(path)
    return path


# files


def write_report(
    folder: str | Path,
    label: str,
    results: Results,
    *,
    run_info: Mapping[str, Any] | None = None,
    compared: Mapping[str, Results] | None = None,
    lexical_metric: str = "f1_micro",
) -> dict[str, Path]:
    """Write results.json, run.json, results.md and results.png into ``folder``; returns their paths."""
    check_chart_dependency()
    folder = check_output_folder("folder", folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": folder / RESULTS_FILE,
        "run": folder / RUN_FILE,
        "markdown": folder / MARKDOWN_FILE,
        "chart": folder / CHART_FILE,
    }
    write_text_atomic(paths["results"], json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    run = {"label": label, **(run_info or {})}
    write_text_atomic(paths["run"], json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    markdown = markdown_report(label, results, compared=compared, run_info=run_info, lexical_metric=lexical_metric)
    write_text_atomic(paths["markdown"], markdown)
    plot_report(label, results, paths["chart"], compared=compared, lexical_metric=lexical_metric)
    return paths


def read_results(path: str | Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """A previous run's (label, results) from its folder or its results.json; the label comes from run.json."""
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise RelvecError(f"--compare {str(path)!r}: no {RESULTS_FILE} there (give a relvec evaluate --output folder)")
    try:
        results = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RelvecError(f"--compare {str(path)!r}: {file} is not valid JSON ({error})") from error
    if not isinstance(results, dict) or not all(isinstance(m, dict) and "task" in m for m in results.values()):
        raise RelvecError(f"--compare {str(path)!r}: {file} is not a relvec evaluate results file")
    label = file.parent.name
    run_file = file.parent / RUN_FILE
    # The label is cosmetic (the numbers came from results.json): an unreadable run.json keeps the folder name.
    with contextlib.suppress(OSError, json.JSONDecodeError, AttributeError):
        label = json.loads(run_file.read_text(encoding="utf-8")).get("label", label)
    return str(label), results


__all__ = [
    "CHART_FILE",
    "MARKDOWN_FILE",
    "RESULTS_FILE",
    "RUN_FILE",
    "markdown_report",
    "plot_report",
    "primary_metric",
    "read_results",
    "text_table",
    "write_report",
]
