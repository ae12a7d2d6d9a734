"""The report files of an evaluation: results.json, run.json, results.md and results.png in one folder, and
reading an earlier run's results back to compare with."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError
from relvec.files.outputs import check_output_folder, write_text_atomic
from relvec.tasks.report.chart import check_chart_dependency, plot_report
from relvec.tasks.report.markdown import markdown_report
from relvec.tasks.report.results import CHART_FILE, MARKDOWN_FILE, RESULTS_FILE, RUN_FILE, Results


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
