"""The FastAPI application: routes, limits and the model's lifecycle.

request -> guards (API key, body size) -> pydantic model -> limits -> batcher (model thread) -> response

:func:`create_app` takes the encoder itself (tests pass the tiny one) or a loader that the service runs on
its model thread at start-up, answering ``GET /health`` with 503 "loading" until it is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from relvec import __version__
from relvec.pairs import Pair
from relvec.serve.backends import Backends, Completer, Encoder, Loader, SearchIndex, completion, search_hit
from relvec.serve.batcher import Batcher
from relvec.serve.guards import ApiKeyGuard, BodyLimit
from relvec.serve.http_errors import RequestError, install_handlers
from relvec.serve.schemas import (
    AnalogyRequest,
    AnalogyResponse,
    BatchingInfo,
    CompleteRequest,
    CompleteResponse,
    EmbedRequest,
    EmbedResponse,
    ErrorResponse,
    HealthResponse,
    InfoResponse,
    LimitsInfo,
    SearchRequest,
    SearchResponse,
    SimilarityRequest,
    SimilarityResponse,
)
from relvec.serve.settings import ServeSettings
from relvec.tasks.analogy import analogy_scores, predict
from relvec.tasks.vectors import unit_rows

log = logging.getLogger("relvec.serve")

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "malformed JSON",
        401: "API key missing",
        403: "API key wrong",
        413: "body or pair list over the limits",
        422: "invalid fields",
        503: "the model is still loading",
    }.items()
}


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


def create_app(
    encoder: Encoder | None = None,
    *,
    index: SearchIndex | None = None,
    completer: Completer | None = None,
    loader: Loader | None = None,
    settings: ServeSettings | None = None,
    on_load_failure: Callable[[BaseException], None] | None = None,
) -> FastAPI:
    """The service as an ASGI app (run it with uvicorn, or test it with FastAPI's TestClient).

    Args:
        encoder: a loaded encoder (``RelationEncoder`` or anything with its ``encode``, ``dim``, ``source``,
            ``template``, ``pooling``, ``precision`` and ``normalize``); or
        loader: a function returning :class:`Backends`, run on the model thread at start-up instead.
        index: answers POST /search (``.search(pairs, k)``); without one, /search is 409.
        completer: answers POST /complete (``.complete(a, b, c, k)``); without one, /complete is 409.
        settings: limits, batching, API key, CORS; default :class:`ServeSettings`.
        on_load_failure: called (on the event loop) if ``loader`` raises, e.g. to stop the server.
    """
    if (encoder is None) == (loader is None):
        raise TypeError("create_app needs exactly one of encoder and loader")
    settings = settings or ServeSettings()
    backends = Backends(encoder, index, completer) if encoder is not None else None
    service = Service(backends, loader, settings, on_load_failure)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        # uvicorn gets here after the in-flight requests have finished; queued encodes finish first too.
        await service.stop()

    app = FastAPI(
        title="relvec",
        version=__version__,
        summary="Relation embeddings of word pairs (RelBERT) over HTTP",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.service = service
    install_handlers(app)
    # Starlette runs the middleware added last first: CORS (answers preflights), then the key, then the size.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.api_key is not None:
        app.add_middleware(ApiKeyGuard, api_key=settings.api_key)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    _add_routes(app, service)
    return app


def _add_routes(app: FastAPI, service: Service) -> None:
    batcher = service.batcher

    @app.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
    async def health() -> Any:
        """200 once the model is loaded; 503 while it loads or if loading failed. Never needs the API key."""
        status = service.status
        return JSONResponse({"status": status}, 200 if status == "ok" else 503)

    @app.get("/info", response_model=InfoResponse)
    async def info() -> Any:
        """The model and the service's settings."""
        backends = service.ready()
        encoder, settings = backends.encoder, service.settings
        return InfoResponse(
            version=__version__,
            model=str(encoder.source),
            dim=encoder.dim,
            template=encoder.template.name or encoder.template.text,
            pooling=encoder.pooling,
            precision=encoder.precision,
            normalize=bool(encoder.normalize),
            search=backends.index is not None,
            complete=backends.completer is not None,
            limits=LimitsInfo(
                max_pairs=settings.max_pairs,
                max_word_length=settings.max_word_length,
                max_body_bytes=settings.max_body_bytes,
                max_k=settings.max_k,
            ),
            batching=BatchingInfo(
                enabled=settings.batching, max_batch=settings.max_batch, max_wait_ms=settings.max_wait_ms
            ),
        )

    @app.post("/embed", response_model=EmbedResponse)
    async def embed(request: EmbedRequest) -> Any:
        """Pairs in, one relation vector (dim,) per pair out, in request order."""
        backends = service.ready()
        service.check_pairs(pairs=request.pairs)
        vectors = await batcher.encode(list(request.pairs))
        if request.normalize:
            vectors = unit_rows(vectors)
        return {"model": str(backends.encoder.source), "dim": backends.encoder.dim, "vectors": vectors.tolist()}

    @app.post("/similarity", response_model=SimilarityResponse, response_model_exclude_none=True)
    async def similarity(request: SimilarityRequest) -> Any:
        """Cosines: every pair against every other (``pairs``), or ``query`` against each of ``candidates``."""
        service.ready()
        if request.pairs is not None:
            service.check_pairs(pairs=request.pairs)
            unit = unit_rows(await batcher.encode(list(request.pairs)))
            return {"matrix": (unit @ unit.T).tolist()}
        service.check_pairs(query=[request.query], candidates=request.candidates)
        unit = unit_rows(await batcher.encode([request.query, *request.candidates]))
        scores = unit[1:] @ unit[0]
        return {"scores": scores.tolist(), "best": predict(scores)}

    @app.post("/analogy", response_model=AnalogyResponse)
    async def analogy(request: AnalogyRequest) -> Any:
        """Which choice is related like the stem? Cosine scoring as in ``relvec evaluate`` (same directions)."""
        service.ready()
        service.check_pairs(stem=[request.stem], choices=request.choices)
        stem, choices = tuple(request.stem), [tuple(choice) for choice in request.choices]
        needed = [stem, *choices]
        if request.direction != "forward":
            reversed_pairs = [(tail, head) for head, tail in needed]
            needed = reversed_pairs if request.direction == "reverse" else needed + reversed_pairs
        vectors = await batcher.encode(needed)
        # analogy_scores wants an embedder and a question with an answer; the answer does not enter the scores.
        question = SimpleNamespace(stem=stem, choices=choices, answer=0)
        scores = analogy_scores(_Known(needed, vectors), [question], direction=request.direction)[0]
        best = predict(scores)
        return {"best": best, "best_choice": choices[best], "scores": scores.tolist()}

    @app.post("/search", response_model=SearchResponse, responses={409: {"model": ErrorResponse}})
    async def search(request: SearchRequest) -> Any:
        """The ``k`` stored pairs nearest each query pair; 409 when the service has no index."""
        index = service.ready().index
        if index is None:
            raise RequestError(409, "index", None, "a service started with an index (relvec serve --index INDEX)")
        service.check_pairs(pairs=request.pairs)
        service.check_k(request.k)
        results = await batcher.call(index.search, list(request.pairs), request.k)
        return {"results": [[search_hit(hit) for hit in hits] for hits in results]}

    @app.post("/complete", response_model=CompleteResponse, responses={409: {"model": ErrorResponse}})
    async def complete(request: CompleteRequest) -> Any:
        """Analogy completion ``a : b :: c : ?``; 409 when the service has no completer."""
        completer = service.ready().completer
        if completer is None:
            raise RequestError(409, "completer", None, "a service started with a completer (relvec serve --complete)")
        for name in ("a", "b", "c"):
            service.check_word(name, getattr(request, name))
        service.check_k(request.k)
        found = await batcher.call(completer.complete, request.a, request.b, request.c, request.k)
        return {"completions": [completion(item) for item in found]}


class _Known:
    """An embedder over vectors already computed: ``encode`` looks each pair up."""

    def __init__(self, pairs: list[Pair], vectors: np.ndarray) -> None:
        self._rows = {pair: row for row, pair in enumerate(pairs)}
        self._vectors = vectors

    def encode(self, pairs: list[Pair]) -> np.ndarray:
        return self._vectors[[self._rows[tuple(pair)] for pair in pairs]]
