"""From what a user names to an embedder: every caller (the CLI, evaluation, the service, Ray workers) loads
through here.

An embedder is anything with ``dim`` and ``encode(pairs, progress=...) -> float32 (n, dim)``: a
:class:`~relvec.embedding.encoder.RelationEncoder` (a built-in relvec model, an embedded or Hugging Face
encoder, a model folder) or the ``glove`` word-vector baseline.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from relvec.errors import RelvecError

if TYPE_CHECKING:  # torch: imported on first use, so that the command line's help stays torch-free
    import numpy as np

    from relvec.embedding.options import EncoderOptions

#: Names that :func:`load_embedder` maps to a word-vector baseline rather than an encoder.
BASELINES = ("glove",)


class Embedder(Protocol):
    @property
    def dim(self) -> int: ...

    def encode(self, pairs: Iterable[Any], *, progress: bool = False) -> np.ndarray: ...


def is_baseline(model: object) -> bool:
    """Whether ``model`` names a word-vector baseline rather than an encoder."""
    return isinstance(model, str) and model.lower() in BASELINES


def check_embedder_options(model: str | os.PathLike[str] | None, options: EncoderOptions) -> None:
    """Refuse options that do not apply to ``model``, before any data or model is read.

    A baseline has no template, pooling or normalisation: naming one is an error rather than an option
    silently ignored (batch size, device and precision change no number and are let through).
    """
    if not is_baseline(model):
        return
    given = [name for name in ("normalize", "pooling", "template") if getattr(options, name)]
    if given:
        raise RelvecError(f"the {model} baseline takes no encoder options; got {', '.join(given)}")


def load_embedder(
    model: str | os.PathLike[str] | None, options: EncoderOptions | None = None, **keywords: Any
) -> Embedder:
    """The embedder ``model`` names, run with ``options`` (or the same options as keywords)."""
    from relvec.embedding.options import EncoderOptions

    options = options if options is not None else EncoderOptions(**keywords)
    check_embedder_options(model, options)
    if is_baseline(model):
        from relvec.embedding.glove import GloveDifference

        return GloveDifference()
    from relvec.embedding.encoder import RelationEncoder

    return RelationEncoder(model, options=options)


def vector_length(model: str | os.PathLike[str] | None, options: EncoderOptions) -> int:
    """Length of the vectors ``model`` gives with ``options``, from its configuration alone (no weights)."""
    from transformers import AutoConfig

    from relvec.embedding.folder_checks import check_model_folder, loading_error
    from relvec.embedding.hybrid import StaticOffset
    from relvec.embedding.models import config_source, read_folder_settings, resolve_source

    check_embedder_options(model, options)
    if is_baseline(model):
        from relvec.embedding.glove import GloveDifference

        return GloveDifference().dim
    source, _ = resolve_source(model)
    where = config_source(source)
    if isinstance(where, Path):
        check_model_folder(where)  # before transformers reads it: no auto_map (custom code), sensible sizes
    try:
        hidden = int(AutoConfig.from_pretrained(where, trust_remote_code=False).hidden_size)
    except Exception as error:  # transformers raises OSError, ValueError ... (a missing folder, no network)
        raise loading_error(error, f"model folder {where}" if isinstance(where, Path) else repr(where)) from error
    # A hybrid model folder (the trained default) appends its static part: the vectors are that much longer.
    options = options.filled(read_folder_settings(source) if isinstance(source, Path) else {})
    static = StaticOffset.load(options.static_weight)
    return hidden + (static.dim if static is not None else 0)


__all__ = ["BASELINES", "Embedder", "check_embedder_options", "is_baseline", "load_embedder", "vector_length"]
