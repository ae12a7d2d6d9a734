"""The published RelBERT numbers (Ushio et al., arXiv 2310.00299), as data, for reports to print beside relvec's.

Copied from ``shared/reference/PAPER_RESULTS.md`` (itself read from the authors' result tables). Keys are
relvec's dataset names; ``sat`` is SAT-full (test + valid, 374 questions), which relvec does not ship.
Analogy numbers are test accuracy in percent; lexical numbers are test micro F1 (and macro F1 where the
paper gives it) in percent.
"""

from __future__ import annotations

from relvec.data.registry import names_of_kind

#: The datasets of each row below, in order: the data registry's analogy and lexical datasets.
ANALOGY_COLUMNS = names_of_kind("analogy")
LEXICAL_COLUMNS = names_of_kind("lexical")


def _row(columns: tuple[str, ...], values: str) -> dict[str, float]:
    return dict(zip(columns, (float(v) for v in values.split("/")), strict=True))


#: model -> dataset -> accuracy % (test).
ANALOGY: dict[str, dict[str, float]] = {
    "RelBERT-large (paper)": _row(ANALOGY_COLUMNS, "73.3/67.5/63.0/95.2/80.9/27.2/65.8/64.5/47.5"),
    "RelBERT-base (paper)": _row(ANALOGY_COLUMNS, "59.9/59.6/57.4/89.2/70.3/25.9/62.0/66.7/39.8"),
    "fastText difference (paper)": _row(ANALOGY_COLUMNS, "47.1/38.2/38.4/94.6/70.7/21.7/59.8/23.0/15.2"),
    "RoBERTa-large untrained (paper)": _row(ANALOGY_COLUMNS, "40.6/50.4/49.8/88.8/69.9/12.1/38.2/36.1/16.7"),
}

#: model -> dataset -> micro F1 % (test).
LEXICAL_F1_MICRO: dict[str, dict[str, float]] = {
    "RelBERT-large (paper)": _row(LEXICAL_COLUMNS, "92.0/85.0/68.4/95.6/90.4"),
    "RelBERT-base (paper)": _row(LEXICAL_COLUMNS, "90.0/83.7/64.2/94.0/88.2"),
}

#: model -> dataset -> macro F1 % (test).
LEXICAL_F1_MACRO: dict[str, dict[str, float]] = {
    "RelBERT-base (paper)": _row(LEXICAL_COLUMNS, "89.6/65.8/62.9/84.6/87.9"),
}

#: task -> metric -> model -> dataset -> percent.
PUBLISHED: dict[str, dict[str, dict[str, dict[str, float]]]] = {
    "analogy": {"accuracy": ANALOGY},
    "lexical": {"f1_micro": LEXICAL_F1_MICRO, "f1_macro": LEXICAL_F1_MACRO},
}


def published(task: str, metric: str) -> dict[str, dict[str, float]]:
    """The paper's numbers for one task and metric (model -> dataset -> percent); empty when it gives none.

    Lexical ``accuracy`` is micro F1 (the same number for single-label classification).
    """
    if task == "lexical" and metric == "accuracy":
        metric = "f1_micro"
    return PUBLISHED.get(task, {}).get(metric, {})


__all__ = ["ANALOGY", "LEXICAL_F1_MACRO", "LEXICAL_F1_MICRO", "PUBLISHED", "published"]
