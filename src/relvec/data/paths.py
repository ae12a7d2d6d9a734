"""Finding the data folder and the file of one split, with errors that say how to get what is missing."""

from __future__ import annotations

import os
from pathlib import Path

from relvec.data.registry import DatasetSpec
from relvec.errors import RelvecError, invalid

#: The SemEval-2012 copy that ships inside relvec (CC BY-SA 3.0): a data folder holding only
#: ``semeval2012_task2/gold_ratings.jsonl``, which training uses when no data folder is given.
PACKAGED_DATA = Path(__file__).resolve().parents[1] / "resources"

#: Environment variable naming the data folder when no ``data_dir`` / ``--data-dir`` is given.
DATA_ENV = "RELVEC_DATA"

_LAYOUT = "a folder laid out like shared/data (e.g. ../shared/data; see docs/datasets.md)"
_EXISTING = "an existing folder laid out like shared/data (e.g. ../shared/data; see docs/datasets.md)"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``data_dir`` if given, else ``$RELVEC_DATA``, else an error saying how to set one.

    Nothing is guessed: a dataset read from an unexpected folder is worse than a clear error.
    """
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise invalid("data_dir", data_dir, f"None or the path of {_EXISTING}")
    if data_dir is not None and str(data_dir) != "":
        origin, value = "data_dir (--data-dir)", data_dir
    elif os.environ.get(DATA_ENV):
        origin, value = f"${DATA_ENV}", os.environ[DATA_ENV]
    else:
        raise RelvecError(
            f"no data folder given: pass --data-dir (data_dir=...) or set {DATA_ENV}, pointing at {_LAYOUT}"
        )
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise RelvecError(f"{origin} must be {_EXISTING}; got {str(value)!r}")
    return folder


def split_file(spec: DatasetSpec, split: str, data_dir: str | os.PathLike[str] | None) -> Path:
    """The file of ``split`` of ``spec`` in the data folder; an error says what was expected and how to get it."""
    entry = spec.splits[split]
    folder = resolve_data_dir(data_dir)
    path = folder / entry.file
    if path.is_file():
        return path
    if spec.name == "sat" and not (folder / spec.folder).is_dir():
        raise RelvecError(f"SAT is not in {folder} (no {spec.folder}/ folder). {entry.missing}")
    if entry.missing:
        raise RelvecError(f"split {split!r} of {spec.name!r} is not available: {entry.missing}")
    if entry.source is not None:
        how = (
            f"it is a verbatim copy of {entry.source.where} (sha256 {entry.source.sha256[:12]}...); "
            f"`relvec data download {spec.name}` fetches it"
        )
    else:
        how = "it is a DERIVED file of the shared data folder (see SOURCES.md there); copy that folder"
    raise RelvecError(
        f"{spec.name} {split}: expected the file {path}, which does not exist; {how}. The data folder must be {_LAYOUT}"
    )
