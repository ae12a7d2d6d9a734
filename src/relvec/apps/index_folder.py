"""The index folder on disk, read and written apart from any search logic.

An index folder holds::

    manifest.json   format name and version, the model's identity and settings, the index options, the count
    index.faiss     the FAISS index (FAISS's own binary format; nothing is unpickled)
    pairs.jsonl     one ``["head", "tail"]`` per line, in index order

and is written into a temporary folder beside the target and renamed into place when complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from relvec.apps.index_options import IndexOptions, load_faiss
from relvec.errors import RelvecError
from relvec.files.outputs import write_folder_atomically
from relvec.pairs import Pair, check_pair

FORMAT_NAME = "relvec-index"
#: Bumped when a folder written by this version cannot be read by an older relvec.
FORMAT_VERSION = 1
MANIFEST, INDEX_FILE, PAIRS_FILE = "manifest.json", "index.faiss", "pairs.jsonl"


def build_manifest(model: dict[str, Any], options: IndexOptions, count: int) -> dict[str, Any]:
    """What manifest.json records: the format, the model's identity, the index options and the pair count."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model": model,
        "options": asdict(options),
        "count": count,
        "metric": "cosine",
    }


def save_index_folder(
    folder: str | os.PathLike[str],
    faiss_index: Any,
    pairs: Sequence[Pair],
    manifest: dict[str, Any],
    *,
    overwrite: bool = False,
) -> Path:
    """Write the three files of an index folder atomically (:func:`relvec.files.outputs.write_folder_atomically`)."""
    faiss = load_faiss()

    def write(work: Path) -> None:
        faiss.write_index(faiss_index, str(work / INDEX_FILE))
        with (work / PAIRS_FILE).open("w", encoding="utf-8") as handle:
            for pair in pairs:
                handle.write(json.dumps(list(pair), ensure_ascii=False) + "\n")
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    return write_folder_atomically(folder, write, overwrite=overwrite, argument="index folder")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The checked manifest of an index folder, read before anything heavy is."""
    where = f"index folder {str(folder)!r}"
    if not folder.is_dir():
        raise RelvecError(f"{where} does not exist")
    path = folder / MANIFEST
    if not path.is_file():
        raise RelvecError(f"{where} has no {MANIFEST}: not a relvec index (build one with relvec index build)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RelvecError(f"{where}: {MANIFEST} is corrupt ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise RelvecError(f"{where}: {MANIFEST} is not a relvec index manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise RelvecError(f"{where}: {MANIFEST} has no valid format_version; got {version!r}")
    if version > FORMAT_VERSION:
        raise RelvecError(
            f"{where} has format version {version}, newer than this relvec reads ({FORMAT_VERSION}); upgrade relvec"
        )
    if not isinstance(manifest.get("model"), dict) or not isinstance(manifest.get("count"), int):
        raise RelvecError(f"{where}: {MANIFEST} is corrupt (no model or count)")
    try:
        IndexOptions(**manifest.get("options", {}))
    except (TypeError, RelvecError) as error:
        raise RelvecError(f"{where}: {MANIFEST} has bad options ({error})") from error
    return manifest


def read_faiss_index(folder: Path) -> Any:
    """The FAISS index of an index folder."""
    faiss = load_faiss()
    try:
        return faiss.read_index(str(folder / INDEX_FILE))
    except RuntimeError as error:
        raise RelvecError(f"index folder {str(folder)!r}: {INDEX_FILE} is missing or corrupt") from error


def read_pairs(folder: Path) -> list[Pair]:
    """The pairs of an index folder, in index order."""
    return list(_iter_pairs(folder / PAIRS_FILE, folder))


def _iter_pairs(path: Path, folder: Path) -> Iterator[Pair]:
    if not path.is_file():
        raise RelvecError(f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE} is missing")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield check_pair(json.loads(line), f"{PAIRS_FILE}, line {number}")
            except (json.JSONDecodeError, RelvecError) as error:
                raise RelvecError(f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE}, line {number}") from error


def check_contents(folder: Path, manifest: dict[str, Any], pairs: Sequence[Pair], faiss_index: Any, dim: int) -> None:
    """Refuse a folder whose pairs, vectors and manifest disagree in count, or whose vectors are not ``dim``."""
    if not len(pairs) == faiss_index.ntotal == manifest["count"]:
        raise RelvecError(
            f"index folder {str(folder)!r} is corrupt: {len(pairs)} pairs, {faiss_index.ntotal} vectors, "
            f"manifest count {manifest['count']}"
        )
    if faiss_index.d != dim:
        raise RelvecError(f"index folder {str(folder)!r} is corrupt: vectors of dim {faiss_index.d}, not {dim}")


__all__ = [
    "FORMAT_VERSION",
    "build_manifest",
    "check_contents",
    "read_faiss_index",
    "read_manifest",
    "read_pairs",
    "save_index_folder",
]
