"""A relation map: pairs' relation vectors drawn in 2-D with t-SNE (cosine distances), coloured by a label.

Small sets (``annotate``) get each point's ``head:tail`` written beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from relvec.errors import RelvecError, invalid
from relvec.files.outputs import replaced_atomically
from relvec.io.pairfiles import line_text, parse_pair_line
from relvec.pairs import Pair

#: Points up to which each is annotated with its pair by default.
ANNOTATE_UP_TO = 60


def read_labelled_pairs(
    stream: IO[bytes] | IO[str], fmt: str, name: str, column: str | None
) -> tuple[list[Pair], list[str] | None]:
    """Pairs and, with ``column``, each line's label: a 1-based column number (TSV, JSON arrays) or a key
    (JSON objects). A line without that column is an error naming the argument, the line and what it has."""
    index = int(column) - 1 if column is not None and column.isdigit() else None
    if column is not None and fmt == "tsv" and (index is None or index < 0):
        raise invalid("--labels", column, "a column number (1, 2, 3, ...) for a TSV file")
    pairs: list[Pair] = []
    labels: list[str] = []
    for number, raw in enumerate(stream, start=1):
        where = f"{name}, line {number}"
        line = line_text(raw, number, where)  # bytes (files, stdin) or text; UTF-8 checked, a BOM dropped
        if not line.strip():
            continue
        if fmt == "tsv" and column is not None:  # the label column is the one extra column a map file may have
            pairs.append(parse_pair_line("\t".join(line.split("\t")[:2]), fmt, where))
        elif fmt == "tsv" or column is None:
            pairs.append(parse_pair_line(line, fmt, where))
        if column is None:
            continue
        fields: Any = line.split("\t") if fmt == "tsv" else _json_line(line, where)
        if fmt == "jsonl":  # a labelled JSON array has more than the two words parse_pair_line takes
            pairs.append(parse_pair_line(json.dumps(fields if isinstance(fields, dict) else fields[:2]), fmt, where))
        if isinstance(fields, dict):
            if column not in fields:
                raise invalid("--labels", column, f"a key of every line; {where} has {sorted(fields)}")
            labels.append(str(fields[column]))
        else:
            if index is None or not 0 <= index < len(fields):
                raise invalid("--labels", column, f"a column number every line has; {where} has {len(fields)} columns")
            labels.append(str(fields[index]))
    return pairs, (labels if column is not None else None)


def _json_line(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise RelvecError(f"{where}: not valid JSON ({error.msg}); got {line[:80]!r}") from error


def project(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE of (n, dim) vectors with cosine distance, perplexity min(30, (n - 1) / 3): (n, 2)."""
    from sklearn.manifold import TSNE

    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) < 4:
        raise invalid("pairs", f"{len(vectors)} pairs", "at least 4 pairs to draw a map")
    perplexity = min(30.0, (len(vectors) - 1) / 3)
    tsne = TSNE(n_components=2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed)
    return tsne.fit_transform(vectors)


def draw_map(
    points: np.ndarray,
    pairs: Sequence[Pair],
    labels: Sequence[str] | None,
    output: str | os.PathLike[str],
    *,
    annotate: bool | None = None,
    title: str | None = None,
) -> Path:
    """Draw ``points`` (n, 2) coloured by ``labels`` into an image file (its suffix names the format), written
    under a temporary name and renamed when complete."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = Path(output)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf", "jpg", "jpeg"):
        raise invalid("--output", str(output), "a .png, .svg, .pdf or .jpg file")
    annotate = len(points) <= ANNOTATE_UP_TO if annotate is None else annotate
    figure, axes = plt.subplots(figsize=(11, 8) if labels is not None else (9, 8), dpi=110)
    try:
        _scatter(axes, points, labels, annotate)
        if annotate:
            for (x, y), (head, tail) in zip(points, pairs, strict=True):
                axes.annotate(
                    f"{head}:{tail}", (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7, alpha=0.8
                )
        axes.set_title(title or f"relation map: {len(points)} pairs (t-SNE of relation vectors, cosine)")
        axes.set_xticks([])
        axes.set_yticks([])
        figure.tight_layout()
        with replaced_atomically(target) as temporary:
            figure.savefig(temporary, format=fmt)
    finally:
        plt.close(figure)
    return target


def _scatter(axes: Any, points: np.ndarray, labels: Sequence[str] | None, annotate: bool) -> None:
    """The points (n, 2), one colour per label in order of first appearance, with a legend of the labels."""
    import matplotlib.pyplot as plt  # draw_map has chosen the Agg backend

    names = list(dict.fromkeys(labels)) if labels is not None else [None]
    colours = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    for number, name in enumerate(names):
        chosen = np.array([labels[i] == name for i in range(len(points))]) if labels is not None else slice(None)
        axes.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=30 if annotate else 18,
            color=colours(number % colours.N),
            label=name,
            alpha=0.85,
            edgecolors="none",
        )
    if labels is not None:
        axes.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=8,
            ncol=1 if len(names) <= 25 else 2,
            frameon=False,
            markerscale=1.5,
            title=f"{len(names)} labels",
        )


def relation_map(
    encoder: Any,
    pairs: Sequence[Pair],
    output: str | os.PathLike[str],
    labels: Sequence[str] | None = None,
    *,
    annotate: bool | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Embed ``pairs``, project them with t-SNE and draw the map to ``output``; returns the (n, 2) points."""
    if labels is not None and len(labels) != len(pairs):
        raise invalid("labels", f"{len(labels)} labels", f"one label per pair ({len(pairs)})")
    if len(pairs) < 4:
        raise RelvecError(f"a map needs at least 4 pairs; got {len(pairs)}")
    points = project(encoder.encode(list(pairs)), seed)
    draw_map(points, pairs, labels, output, annotate=annotate)
    return points


__all__ = ["draw_map", "project", "read_labelled_pairs", "relation_map"]
