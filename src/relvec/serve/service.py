"""The state behind the routes: settings, the backends once loaded, the batcher, and the operator's limits.

The backends are either given at once or loaded by a loader on the model thread at start-up; until they are
there, every route but /health answers 503.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import numpy as np

from relvec.pairs import Pair
from relvec.serve.backends import Backends, Loader
from relvec.serve.batcher import Batcher
from relvec.serve.http_errors import RequestError
from relvec.serve.settings import ServeSettings

log = logging.getLogger("relvec.serve")


class Service:
    """The state behind the routes: settings, the backends once loaded, and the batcher."""

    def __init__(
        self, backends: Backends | None, loader: Loader | None, settings: ServeSettings, on_failure: Callable | None
    ) -> None:
        self.settings = settings
        self.backends = backends
        self.loader = loader
        self.on_failure = on_failure
        self.failure: BaseException | None = None
        self.batcher = Batcher(
            self._encode,
            enabled=settings.batching,
            max_batch=settings.max_batch,
            max_wait=settings.max_wait_ms / 1000,
        )
        self._loading: asyncio.Task[None] | None = None

    def _encode(self, pairs: list[Pair]) -> np.ndarray:
        return self.ready().encoder.encode(pairs)

    @property
    def status(self) -> str:
        return "ok" if self.backends is not None else ("failed" if self.failure is not None else "loading")

    def ready(self) -> Backends:
        if self.backends is None:
            raise RequestError(
                503, "service", self.status, "a request once the model is loaded (GET /health answers 'ok')"
            )
        return self.backends

    async def start(self) -> None:
        await self.batcher.start()
        if self.backends is None and self.loader is not None:
            self._loading = asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> None:
        try:
            self.backends = await self.batcher.call(self.loader)
            log.info("Model loaded, ready: %s", self.backends.encoder)
        except Exception as error:
            self.failure = error
            log.error("Loading the model failed: %s", error)
            if self.on_failure is not None:
                self.on_failure(error)

    async def stop(self) -> None:
        if self._loading is not None:
            await self._loading
        await self.batcher.stop()

    # the limits an operator sets, checked before any model work

    def check_pairs(self, **lists: Sequence[Pair] | None) -> None:
        """Refuse a request whose pair lists hold more than ``max_pairs`` pairs in all, or a word that is
        too long. ``lists``: the request's fields by name."""
        total = sum(len(pairs) for pairs in lists.values() if pairs is not None)
        limit = self.settings.max_pairs
        if total > limit:
            field = " + ".join(name for name, pairs in lists.items() if pairs is not None)
            raise RequestError(413, field, f"{total} pairs", f"at most {limit} pairs per request (--max-pairs)")
        for name, pairs in lists.items():
            for i, pair in enumerate(pairs or ()):
                for side, word in enumerate(pair):
                    self.check_word(f"{name}[{i}][{side}]", word)

    def check_word(self, field: str, word: str) -> None:
        limit = self.settings.max_word_length
        if len(word) > limit:
            raise RequestError(422, field, word, f"a word of at most {limit} characters (--max-word-length)")

    def check_k(self, k: int) -> None:
        if k > self.settings.max_k:
            raise RequestError(422, "k", k, f"at most {self.settings.max_k} (--max-k)")
