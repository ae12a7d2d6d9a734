"""The index folder on disk, read and written apart from any search logic.

An index folder holds::

    manifest.json   format name and version, the model's identity and settings, the index options, the count,
                    the sha256 of the two other files
    index.faiss     the FAISS index (FAISS's own binary format; nothing is unpickled)
    pairs.jsonl     one ``["head", "tail"]`` per line, in index order

and is written into a temporary folder beside the target and renamed into place when complete. On load it is
checked for what it claims to be (docs/reliability.md): the checksums, the FAISS index's type and metric
against the manifest's kind, every vector finite and of unit length, the counts and the dimension.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from relvec.apps.index_options import IndexOptions, load_faiss
from relvec.errors import RelvecError
from relvec.files.outputs import write_folder_atomically
from relvec.pairs import Pair, check_pair

FORMAT_NAME = "relvec-index"
#: Bumped when a folder written by this version cannot be read by an older relvec.
FORMAT_VERSION = 1
MANIFEST, INDEX_FILE, PAIRS_FILE = "manifest.json", "index.faiss", "pairs.jsonl"
#: The files whose sha256 the manifest records.
CHECKED_FILES = (INDEX_FILE, PAIRS_FILE)
#: How far from 1 a stored vector's length may be (float32 rounding of a unit vector is about 1e-7).
UNIT_TOLERANCE = 1e-3
#: Vectors read back at a time when checking them on load.
CHECK_CHUNK = 65536


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
        try:
            faiss.write_index(faiss_index, str(work / INDEX_FILE))
        except RuntimeError as error:  # FAISS ends its message with the system's reason ("...: No space left")
            reason = str(error).strip().splitlines()[-1].rsplit(": ", 1)[-1]
            raise OSError(errno.EIO, f"{INDEX_FILE}: {reason}") from error
        with (work / PAIRS_FILE).open("w", encoding="utf-8") as handle:
            for pair in pairs:
                handle.write(json.dumps(list(pair), ensure_ascii=False) + "\n")
        checksums = {name: file_sha256(work / name) for name in CHECKED_FILES}
        (work / MANIFEST).write_text(json.dumps({**manifest, "sha256": checksums}, indent=2) + "\n", encoding="utf-8")

    return write_folder_atomically(
        folder,
        write,
        overwrite=overwrite,
        argument="index folder",
        replaceable=is_index_folder,
        what="a relvec index folder",
    )


def is_index_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a manifest relvec wrote: the only kind of folder an index replaces."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The checked manifest of an index folder, read before anything heavy is."""
    where = f"index folder {str(folder)!r}"
    if not folder.is_dir():
        raise RelvecError(f"{where} {'is a file, not an index folder' if folder.exists() else 'does not exist'}")
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
    checksums = manifest.get("sha256")
    if not isinstance(checksums, dict) or sorted(checksums) != sorted(CHECKED_FILES):
        raise RelvecError(
            f"{where}: {MANIFEST} records no sha256 of {' and '.join(CHECKED_FILES)} (an index from an older relvec, "
            "or not written by relvec); rebuild it with relvec index build"
        )
    return manifest


def check_checksums(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a folder whose index.faiss or pairs.jsonl changed since relvec wrote it (a reordered pairs file
    would label every hit with another pair)."""
    for name in CHECKED_FILES:
        path = folder / name
        if not path.is_file():
            raise RelvecError(f"index folder {str(folder)!r} is corrupt: {name} is missing")
        if file_sha256(path) != manifest["sha256"][name]:
            raise RelvecError(
                f"index folder {str(folder)!r}: {name} has changed since relvec wrote it (its sha256 differs from "
                f"the one in {MANIFEST}); rebuild the index"
            )


def read_faiss_index(folder: Path, kind: str | None = None) -> Any:
    """The FAISS index of an index folder; with ``kind``, refused unless it is that kind's FAISS type with the
    inner-product metric (an L2 index would print distances as cosines)."""
    faiss = load_faiss()
    try:
        index = faiss.read_index(str(folder / INDEX_FILE))
    except RuntimeError as error:
        raise RelvecError(f"index folder {str(folder)!r}: {INDEX_FILE} is missing or corrupt") from error
    if kind is not None:
        expected = {"flat": faiss.IndexFlat, "hnsw": faiss.IndexHNSWFlat, "ivf": faiss.IndexIVFFlat}[kind]
        if not isinstance(index, expected) or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            metric = "inner product" if index.metric_type == faiss.METRIC_INNER_PRODUCT else "not inner product"
            raise RelvecError(
                f"index folder {str(folder)!r}: {INDEX_FILE} is a FAISS {type(index).__name__} ({metric}), but "
                f"the manifest's kind {kind!r} is a FAISS {expected.__name__} by inner product; the folder is not "
                "what it says"
            )
    return index


def read_pairs(folder: Path) -> list[Pair]:
    """The pairs of an index folder, in index order."""
    return list(_iter_pairs(folder / PAIRS_FILE, folder))


def _iter_pairs(path: Path, folder: Path) -> Iterator[Pair]:
    if not path.is_file():
        raise RelvecError(f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE} is missing")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"index folder {str(folder)!r} is corrupt: {PAIRS_FILE}, line {number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise RelvecError(f"{where}: not valid UTF-8 text ({error.reason} at byte {error.start})") from error
            try:
                yield check_pair(json.loads(line), f"{PAIRS_FILE}, line {number}")
            except (json.JSONDecodeError, RelvecError) as error:
                raise RelvecError(f"{where} ({error})") from error


def check_contents(folder: Path, manifest: dict[str, Any], pairs: Sequence[Pair], faiss_index: Any, dim: int) -> None:
    """Refuse a folder whose pairs, vectors and manifest disagree in count, or whose vectors are not ``dim``."""
    if not len(pairs) == faiss_index.ntotal == manifest["count"]:
        raise RelvecError(
            f"index folder {str(folder)!r} is corrupt: {len(pairs)} pairs, {faiss_index.ntotal} vectors, "
            f"manifest count {manifest['count']}"
        )
    if faiss_index.d != dim:
        raise RelvecError(f"index folder {str(folder)!r} is corrupt: vectors of dim {faiss_index.d}, not {dim}")
    check_vectors(folder, faiss_index)


def check_vectors(folder: Path, faiss_index: Any) -> None:
    """Refuse stored vectors that are not finite or not of unit length: NaN rows are never found, zero rows
    score 0 with everything, and longer ones give inner products that are no cosines."""
    if hasattr(faiss_index, "make_direct_map"):  # IVF: reconstructing rows needs the id -> list map
        faiss_index.make_direct_map()
    for start in range(0, faiss_index.ntotal, CHECK_CHUNK):
        rows = faiss_index.reconstruct_n(start, min(CHECK_CHUNK, faiss_index.ntotal - start))
        finite = np.isfinite(rows).all(axis=1)
        norms = np.linalg.norm(np.where(finite[:, None], rows, 0), axis=1)
        bad = np.flatnonzero(~finite | (np.abs(norms - 1) > UNIT_TOLERANCE))
        if len(bad):
            row = int(bad[0])
            what = "is not finite (NaN or inf)" if not finite[row] else f"has length {norms[row]:.6g}, not unit length"
            raise RelvecError(
                f"index folder {str(folder)!r}: {INDEX_FILE} is corrupt: vector {start + row} {what} "
                f"({len(bad)} such vector(s) in rows {start}-{start + len(rows) - 1}); relvec stores unit vectors"
            )


__all__ = [
    "FORMAT_VERSION",
    "build_manifest",
    "check_checksums",
    "check_contents",
    "check_vectors",
    "file_sha256",
    "is_index_folder",
    "read_faiss_index",
    "read_manifest",
    "read_pairs",
    "save_index_folder",
]
