"""The shape of a dataset declaration: its splits' files, sizes and public sources, and a short way to declare one.

:mod:`relvec.data.registry` declares every known dataset with :func:`declare`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A public file at a fixed commit, and the sha256 its bytes must have."""

    repo: str
    commit: str
    path: str
    sha256: str

    @property
    def where(self) -> str:
        return f"{self.repo} @ {self.commit[:8]}, {self.path}"


@dataclass(frozen=True)
class SplitSpec:
    """One split: its file inside the data folder and the number of items SOURCES.md gives for it."""

    file: str
    size: int
    #: the verbatim public copy, when there is one (None: DERIVED here, or not redistributable)
    source: Source | None = None
    #: non-empty when no public copy of this split exists; says why, for the error message
    missing: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: str  # "analogy" | "lexical" | "relsim" | "mapping"
    folder: str
    description: str
    splits: dict[str, SplitSpec] = field(default_factory=dict)
    note: str = ""
    #: the name reports show (tables, chart)
    display: str = ""
    #: lexical datasets: the published label set, sorted
    labels: tuple[str, ...] = ()
    #: evaluated when its task's group (or ``all``) is named; False: only when named itself (SAT, not shipped)
    in_groups: bool = True


#: A split whose only public copy is on the Hugging Face Hub (its message is written by :func:`_dataset`).
HUB_ONLY = "hub only"
#: A split file built here by converting another file (no verbatim public copy to download).
DERIVED = None
_EXTENSION = {"analogy": "jsonl", "lexical": "tsv", "relsim": "jsonl", "mapping": "jsonl"}


def declare(
    name: str,
    kind: str,
    display: str,
    description: str,
    *,
    folder: str = "",
    file: str = "",
    note: str = "",
    labels: str = "",
    in_groups: bool = True,
    **splits: tuple[int, Source | str | None],
) -> DatasetSpec:
    """One dataset; each keyword split is ``(size, origin)``: a pinned Source, DERIVED, HUB_ONLY or why it is missing.

    Split files are ``<folder>/<split>.<extension of the kind>`` unless ``file`` names the one file of every split.
    """
    folder = folder or name
    table = {}
    for split, (size, origin) in splits.items():
        path = f"{folder}/{file or f'{split}.{_EXTENSION[kind]}'}"
        if isinstance(origin, Source) or origin is DERIVED:
            table[split] = SplitSpec(path, size, origin)
        elif origin == HUB_ONLY:
            why = (
                f"the {size}-item {split} split of {name!r} exists only on the Hugging Face Hub "
                "(relbert/analogy_questions), not in any public git repository, so relvec does not have it"
            )
            table[split] = SplitSpec(path, size, missing=why)
        else:
            table[split] = SplitSpec(path, size, missing=origin)
    return DatasetSpec(name, kind, folder, description, table, note, display, tuple(labels.split()), in_groups)
