"""The list of known datasets with what is present in a data folder, and a size check for each split."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    return catalogue(resolve_data_dir(data_dir))


def catalogue(folder: Path | None) -> list[DatasetInfo]:
    """Every dataset relvec knows; each split marked present when its file is in ``folder`` (None: nowhere)."""
    return [
        DatasetInfo(
            spec.name,
            spec.kind,
            {split: entry.size for split, entry in spec.splits.items()},
            {split: folder is not None and (folder / entry.file).is_file() for split, entry in spec.splits.items()},
            spec.description,
            spec.note,
        )
        for spec in DATASETS.values()
    ]


def _lexical_rows(name: str, split: str, data_dir: str | os.PathLike[str] | None) -> list:
    loaded = load_lexical(name, split, data_dir)
    return list(zip(loaded.pairs, loaded.labels, strict=True))


def _relations(name: str, split: str, data_dir: str | os.PathLike[str] | None) -> list:
    relations = load_semeval(data_dir)
    return list(relations.train if split == "train" else relations.validation)


#: kind -> load(name, split, data_dir): the items of one split, as a list
_LOADERS: dict[str, Callable[[str, str, str | os.PathLike[str] | None], list]] = {
    "analogy": load_analogy,
    "lexical": _lexical_rows,
    "relsim": _relations,
    "mapping": lambda name, split, data_dir: load_mapping(data_dir),
}


def load_split(name: str, split: str, data_dir: str | os.PathLike[str] | None = None) -> list:
    """Load split ``split`` of any known dataset by name, whatever its kind (for listings and checks).

    Returns the questions, the ``(pair, label)`` rows, the relations or the mapping problems.
    """
    return _LOADERS[get_spec(name).kind](name, split, data_dir)
