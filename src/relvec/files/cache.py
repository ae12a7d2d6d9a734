"""relvec's cache folder (assembled encoders, downloaded data); torch-free so every layer can use it."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$RELVEC_CACHE``, else ``$XDG_CACHE_HOME/relvec``, else ``~/.cache/relvec``."""
    if os.environ.get("RELVEC_CACHE"):
        return Path(os.environ["RELVEC_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "relvec"
