"""The list of known datasets with what is present in a data folder, and a size check for each split."""

from __future__ import annotations

import os
from dataclasses import dataclass

from relvec.data.analogy import load_analogy
from relvec.data.lexical import load_lexical
from relvec.data.mapping import load_mapping
from relvec.data.paths import resolve_data_dir
from relvec.data.registry import DATASETS, get_spec
from relvec.data.relsim import load_semeval


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: its kind, the published size of each split, and which split files are present locally."""

    name: str
    kind: str  # "analogy" | "lexical" | "relsim" | "mapping"
    splits: dict[str, int]
    available: dict[str, bool]
    description: str = ""
    note: str = ""


def list_datasets(data_dir: str | os.PathLike[str] | None = None) -> list[DatasetInfo]:
    """Every dataset relvec knows, with the sizes SOURCES.md gives and whether each split file is in the folder.

    Only file presence is checked (cheap); :func:`load_split` loads one split to count it.
    """
    folder = resolve_data_dir(data_dir)
    return [
        DatasetInfo(
            spec.name,
            spec.kind,
            {split: entry.size for split, entry in spec.splits.items()},
            {split: (folder / entry.file).is_file() for split, entry in spec.splits.items()},
            spec.description,
            spec.note,
        )
        for spec in DATASETS.values()
    ]


def load_split(name: str, split: str, data_dir: str | os.PathLike[str] | None = None) -> list:
    """Load split ``split`` of any known dataset by name, whatever its kind (for listings and checks).

    Returns the questions, the ``(pair, label)`` rows, the relations or the mapping problems.
    """
    spec = get_spec(name)
    if spec.kind == "analogy":
        return load_analogy(name, split, data_dir)
    if spec.kind == "lexical":
        loaded = load_lexical(name, split, data_dir)
        return list(zip(loaded.pairs, loaded.labels, strict=True))
    if spec.kind == "relsim":
        relations = load_semeval(data_dir)
        return list(relations.train if split == "train" else relations.validation)
    return load_mapping(data_dir)
