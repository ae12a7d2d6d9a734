"""What the service runs on: an encoder, and optionally a search index and an analogy completer.

The service needs only these small protocols, so that any index (relvec's own, a test fake) can stand behind
POST /search and POST /complete. They answer in relvec's own result types, read by attribute:
:class:`relvec.apps.index.Hit` (``head``, ``tail``, ``score``) and :class:`relvec.apps.complete.Completion`
(``word``, ``score``); the service turns them into its response models here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from relvec.embedding.prompt import Template
from relvec.pairs import Pair

if TYPE_CHECKING:
    from relvec.apps.complete import Completion
    from relvec.apps.index import Hit


class Encoder(Protocol):
    """What :class:`relvec.RelationEncoder` offers the service (a baseline has no template, pooling or
    precision: None)."""

    source: str
    template: Template | None
    pooling: str | None
    precision: str | None
    normalize: bool

    @property
    def dim(self) -> int: ...

    def encode(self, pairs: list[Pair]) -> np.ndarray: ...


@runtime_checkable
class SearchIndex(Protocol):
    def search(self, pairs: list[Pair], k: int) -> Sequence[Sequence[Hit]]:
        """For each query pair, its ``k`` nearest stored pairs, best first."""
        ...


@runtime_checkable
class Completer(Protocol):
    def complete(self, a: str, b: str, c: str, k: int) -> Sequence[Completion]:
        """The ``k`` best words d for ``a : b :: c : d``, best first (with their ``relation`` and ``offset``
        parts, as relvec's :class:`~relvec.apps.complete.Completion` has them)."""
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


def search_hit(hit: Hit) -> dict[str, Any]:
    """One search result as ``{"head", "tail", "score"}``."""
    return _read(hit, {"head": str, "tail": str, "score": float}, "the search index")


def completion(item: Completion) -> dict[str, Any]:
    """One completion as ``{"word", "score"}``, with its ``relation`` and ``offset`` parts when it has them."""
    found = _read(item, {"word": str, "score": float}, "the completer")
    parts = {name: getattr(item, name, None) for name in ("relation", "offset")}
    return found | {name: float(value) for name, value in parts.items() if value is not None}


def _read(item: Any, fields: dict[str, Callable[[Any], Any]], what: str) -> dict[str, Any]:
    try:
        return {name: kind(getattr(item, name)) for name, kind in fields.items()}
    except (AttributeError, TypeError, ValueError) as error:
        raise BackendError(f"{what} returned a result the service cannot read: {item!r}") from error
