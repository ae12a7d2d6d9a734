"""The FastAPI application: the service, its middleware and routes, and the model's lifecycle.

request -> guards (API key, body size) -> pydantic model -> limits -> batcher (model thread) -> response

:func:`create_app` takes the encoder itself (tests pass the tiny one) or a loader that the service runs on
its model thread at start-up, answering ``GET /health`` with 503 "loading" until it is done. The service's
state and limits are in :mod:`relvec.serve.service`, the routes in :mod:`relvec.serve.routes`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from relvec import __version__
from relvec.serve.backends import Backends, Completer, Encoder, Loader, SearchIndex
from relvec.serve.guards import ApiKeyGuard, BodyLimit
from relvec.serve.http_errors import install_handlers
from relvec.serve.routes import add_routes
from relvec.serve.schemas import ErrorResponse
from relvec.serve.service import Service
from relvec.serve.settings import ServeSettings

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

    app = FastAPI(
        title="relvec",
        version=__version__,
        summary="Relation embeddings of word pairs (RelBERT) over HTTP",
        lifespan=_lifespan(service),
        responses=_ERRORS,
    )
    app.state.service = service
    install_handlers(app)
    _add_middleware(app, settings)
    add_routes(app, service)
    return app


def _lifespan(service: Service) -> Callable[[FastAPI], Any]:
    """Start the service (batcher, model loading) with the server and stop it after the last request."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        # uvicorn gets here after the in-flight requests have finished; queued encodes finish first too.
        await service.stop()

    return lifespan


def _add_middleware(app: FastAPI, settings: ServeSettings) -> None:
    """The body-size limit always; the API key and CORS when the settings ask for them."""
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
