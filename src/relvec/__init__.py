"""relvec: relation embeddings of word pairs (RelBERT), offline, on a laptop CPU.

The heavy names (anything that needs torch) are imported on first use, so that ``relvec.data`` and the
command line's help stay fast and torch-free.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from relvec.embedding.prompt import TEMPLATES, Template
from relvec.errors import RelvecError

__version__ = "0.1.0"

_LAZY = {
    "RelationEncoder": "relvec.embedding.encoder",
    "EncoderOptions": "relvec.embedding.options",
    "load_embedder": "relvec.embedding.factory",
    "POOLINGS": "relvec.embedding.pooling",
    "TrainConfig": "relvec.training.config",
    "train": "relvec.training.loop",
}

__all__ = [
    "RelationEncoder",
    "EncoderOptions",
    "RelvecError",
    "Template",
    "TEMPLATES",
    "POOLINGS",
    "load_embedder",
    "TrainConfig",
    "train",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'relvec' has no attribute {name!r}")
