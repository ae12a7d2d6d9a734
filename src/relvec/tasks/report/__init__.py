"""Reports of an evaluation: a plain-text table (:mod:`.text`), ``results.json`` and ``run.json``
(:mod:`.files`), a Markdown table with the published numbers beside relvec's (``results.md``, :mod:`.markdown`)
and a bar chart (``results.png``, :mod:`.chart`).

``results`` is what :func:`relvec.tasks.benchmarks.evaluate` returns: dataset -> metrics, each with its
``task``. Other runs' results (``compared``: label -> results) go beside this run's in the table and chart,
so that one report shows a model, its baselines and the paper.
"""

from __future__ import annotations

from relvec.tasks.kinds import LEXICAL_METRICS, primary_metric
from relvec.tasks.report.chart import check_chart_dependency, plot_report
from relvec.tasks.report.files import read_results, write_report
from relvec.tasks.report.markdown import markdown_report
from relvec.tasks.report.results import CHART_FILE, MARKDOWN_FILE, RESULTS_FILE, RUN_FILE, Results, display_name
from relvec.tasks.report.text import text_table

__all__ = [
    "CHART_FILE",
    "LEXICAL_METRICS",
    "MARKDOWN_FILE",
    "RESULTS_FILE",
    "RUN_FILE",
    "Results",
    "check_chart_dependency",
    "display_name",
    "markdown_report",
    "plot_report",
    "primary_metric",
    "read_results",
    "text_table",
    "write_report",
]
