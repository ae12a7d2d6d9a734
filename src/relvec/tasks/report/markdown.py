"""The Markdown report (``results.md``): one table per task and metric, this run first, then compared runs,
then the paper's numbers (:mod:`relvec.tasks.published`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from relvec.errors import check_choice
from relvec.tasks.kinds import KINDS, LEXICAL_METRICS, METRIC_NAMES
from relvec.tasks.published import published
from relvec.tasks.report.results import RESULTS_FILE, Results, datasets_of, display_name

#: section(label, results, compared, datasets of its kind, lexical metric) -> Markdown lines
Section = Callable[[str, Results, Mapping[str, Results], list[str], str], list[str]]


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _row(name: str, values: list[float | None]) -> str:
    return "| " + " | ".join([name, *(_cell(v) for v in values)]) + " |"


def _table(
    label: str, results: Results, compared: Mapping[str, Results], task: str, metric: str, datasets: list[str]
) -> list[str]:
    header = ["model", *(display_name(d) for d in datasets)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.append(_row(f"**{label}** (this run)", [results[d].get(metric) for d in datasets]))
    for other, other_results in compared.items():
        lines.append(_row(other, [other_results.get(d, {}).get(metric) for d in datasets]))
    for model, values in published(task, metric).items():
        if any(d in values for d in datasets):
            lines.append(_row(model, [values.get(d) for d in datasets]))
    return lines


def _analogy(label: str, results: Results, compared: Mapping[str, Results], names: list[str], _: str) -> list[str]:
    split = results[names[0]].get("split", "test")
    lines = [f"## Analogy questions: accuracy % ({split} split)", ""]
    lines += _table(label, results, compared, "analogy", "accuracy", names) + [""]
    if "sat" in names:
        lines += ["The paper's SAT column is SAT-full (test + valid, 374 questions).", ""]
    if split != "test":
        lines += ["The published numbers are on the test splits.", ""]
    return lines


def _lexical(label: str, results: Results, compared: Mapping[str, Results], names: list[str], metric: str) -> list[str]:
    lines = []
    for shown in [metric] + [m for m in ("f1_micro", "f1_macro") if m != metric]:
        lines += [f"## Lexical relation classification: {METRIC_NAMES[shown]} % (test)", ""]
        lines += _table(label, results, compared, "lexical", shown, names) + [""]
    lines += ["MLP settings chosen on the validation split (micro F1):", ""]
    for name in names:
        chosen = results[name]["hyperparameters"]
        setting = ", ".join(f"{key} {value}" for key, value in chosen.items() if key not in ("seed",))
        lines.append(f"- {display_name(name)}: {setting} (val micro F1 {results[name]['val_f1_micro']:.1f})")
    return lines + [""]


def _mapping(label: str, results: Results, compared: Mapping[str, Results], names: list[str], _: str) -> list[str]:
    lines = []
    for name in names:
        lines += ["## Relation mapping: accuracy %", "", "| model | per term | problems solved |", "|---|---|---|"]
        for model, source in [(f"**{label}** (this run)", results), *compared.items()]:
            if name in source:
                metrics = source[name]
                lines.append(f"| {model} | {_cell(metrics['accuracy'])} | {_cell(metrics['problem_accuracy'])} |")
        lines.append("")
    return lines


#: kind -> its section of the report
_SECTIONS: dict[str, Section] = {"analogy": _analogy, "lexical": _lexical, "mapping": _mapping}


def _described(run_info: Mapping[str, Any]) -> list[str]:
    described = ", ".join(
        f"{key} {run_info[key]}" for key in ("model", "template", "pooling", "direction") if run_info.get(key)
    )
    if not described:
        return []
    wall = run_info.get("wall_seconds", 0)
    return [f"{described}; relvec {run_info.get('relvec_version', '?')}, wall time {wall:.0f} s.", ""]


def _notes(results: Results) -> list[str]:
    notes = []
    for name, metrics in results.items():
        if metrics.get("unembedded_pairs"):
            notes.append(
                f"- {display_name(name)}: {metrics['unembedded_pairs']} of {metrics['distinct_pairs']} distinct pairs "
                f"could not be embedded (coverage {metrics['coverage']:.1f}%); they were scored as zero vectors."
            )
        if metrics.get("ties"):
            ties = metrics["ties"]
            questions = "1 question" if ties == 1 else f"{ties} questions"
            notes.append(f"- {display_name(name)}: {questions} had tied top scores (lowest index wins).")
    return ["## Notes", "", *notes, ""] if notes else []


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
    lines = [f"# relvec evaluation: {label}", "", *_described(run_info or {})]
    for kind in KINDS:
        names = datasets_of(results, kind)
        if names:
            lines += _SECTIONS[kind](label, results, compared, names, lexical_metric)
    lines += _notes(results)
    lines += [f"Per-group accuracy, per-class F1, the MLP search and per-problem mappings are in `{RESULTS_FILE}`.", ""]
    return "\n".join(lines)
