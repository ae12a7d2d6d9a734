"""What the service runs on: an encoder, and optionally a search index and an analogy completer.

The service needs only these small protocols, so that any index (relvec's own, a test fake) can stand behind
POST /search and POST /complete. Their answers may be plain tuples, dicts or objects with attributes; the
service turns them into its response models here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from relvec.embedding.prompt import Template
from relvec.pairs import Pair


class Encoder(Protocol):
    """What :class:`relvec.RelationEncoder` offers the service."""

    source: str
    template: Template
    pooling: str
    precision: str
    normalize: bool

    @property
    def dim(self) -> int: ...

    def encode(self, pairs: list[Pair]) -> np.ndarray: ...


@runtime_checkable
class SearchIndex(Protocol):
    def search(self, pairs: list[Pair], k: int) -> Sequence[Iterable[Any]]:
        """For each query pair, its ``k`` nearest stored pairs, best first: ``((head, tail), score)`` items,
        ``{"head", "tail", "score"}`` dicts or objects with ``head``/``tail`` (or ``pair``) and ``score``."""
        ...


@runtime_checkable
class Completer(Protocol):
    def complete(self, a: str, b: str, c: str, k: int) -> Iterable[Any]:
        """The ``k`` best words d for ``a : b :: c : d``, best first: ``(word, score)`` items, ``{"word",
        "score"}`` dicts or objects with ``word`` and ``score`` (and optionally ``relation`` and ``offset``,
        the two parts of the score)."""
        ...


@dataclass(frozen=True)
class Backends:
    """Everything loaded once at start-up."""

    encoder: Encoder
    index: SearchIndex | None = None
    completer: Completer | None = None


class BackendError(RuntimeError):
    """An index or completer answered in a shape the service cannot read: the server's fault (500)."""


#: Loads the backends on the model thread; the service answers /health with "loading" meanwhile.
Loader = Callable[[], Backends]


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _optional_field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def search_hit(item: Any) -> dict[str, Any]:
    """One search result as ``{"head", "tail", "score"}``."""
    try:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], (tuple, list)):
            (head, tail), score = item
        else:
            pair = item.get("pair") if isinstance(item, dict) else getattr(item, "pair", None)
            head, tail = pair if pair is not None else (_field(item, "head"), _field(item, "tail"))
            score = _field(item, "score")
        return {"head": str(head), "tail": str(tail), "score": float(score)}
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise BackendError(f"the search index returned a result the service cannot read: {item!r}") from error


def completion(item: Any) -> dict[str, Any]:
    """One completion as ``{"word", "score"}``, with its ``relation`` and ``offset`` parts when the item has them
    (relvec's :class:`~relvec.apps.complete.Completion` does)."""
    try:
        if isinstance(item, tuple) and len(item) == 2:
            word, score = item
            parts: dict[str, Any] = {}
        else:
            word, score = _field(item, "word"), _field(item, "score")
            parts = {name: _optional_field(item, name) for name in ("relation", "offset")}
        found = {"word": str(word), "score": float(score)}
        return found | {name: float(value) for name, value in parts.items() if value is not None}
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise BackendError(f"the completer returned a result the service cannot read: {item!r}") from error
