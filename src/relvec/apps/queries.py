"""Pairs as users type them (``"paris:france"``), the identities of the models that embedded an index, and the
check of vectors the applications hand on (finite, non-zero, of one width)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relvec.cosine import checked_vectors  # noqa: F401  (re-exported: the apps import it from here)
from relvec.errors import RelvecError, invalid
from relvec.pairs import parse_pair_text  # noqa: F401  (re-exported: the apps import it from here)

#: The settings that decide what a relation vector means; two vectors are comparable only if all agree.
IDENTITY_FIELDS = ("source", "template", "pooling", "normalize", "dim")


def _source_name(source: Any) -> str:
    """A model folder by its absolute path (so a relative path from another directory still matches)."""
    text = str(source)
    path = Path(text).expanduser()
    return str(path.resolve()) if path.is_dir() else text


def model_identity(encoder: Any) -> dict[str, Any]:
    """What an index records about the model that embedded it: source, template text, pooling, normalize, dim.

    Works for any object with ``.encode`` and ``.dim``; the attributes it lacks are recorded as None.
    """
    if not callable(getattr(encoder, "encode", None)) or not isinstance(getattr(encoder, "dim", None), int):
        raise invalid("encoder", encoder, "an object with .encode(pairs) -> (n, dim) and an integer .dim")
    template = getattr(encoder, "template", None)
    template = getattr(template, "text", template)
    return {
        "source": _source_name(getattr(encoder, "source", None) or type(encoder).__name__),
        "template": template,
        "pooling": getattr(encoder, "pooling", None),
        "normalize": bool(getattr(encoder, "normalize", False)),
        "dim": int(encoder.dim),
    }


def identity_differences(expected: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """``["pooling 'mask' (index: 'difference')", ...]`` for each field in which two identities differ."""
    return [
        f"{field} {given.get(field)!r} (index: {expected.get(field)!r})"
        for field in IDENTITY_FIELDS
        if given.get(field) != expected.get(field)
    ]


def check_same_model(expected: dict[str, Any], given: dict[str, Any], what: str = "the query encoder") -> None:
    """Refuse vectors from a model or settings other than the index's: their cosines would mean nothing."""
    differences = identity_differences(expected, given)
    if differences:
        raise RelvecError(
            f"{what} differs from the model the index was built with: "
            + "; ".join(differences)
            + ". Embed queries with the index's model and settings (relvec search loads them by default)."
        )
