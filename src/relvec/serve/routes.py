"""The service's routes, one function per group: status (/health, /info), vectors (/embed, /similarity,
/analogy), lookups (/search, /complete, which need an index or a completer), relations (/label, /map) and the
explorer page (GET /, :mod:`relvec.serve.page`).

Every route checks the request against the operator's limits before any model work, then encodes through
the service's batcher so that all model calls run on the one model thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from relvec import __version__
from relvec.apps.label import RelationLabeller
from relvec.cosine import unit_rows
from relvec.pairs import Pair
from relvec.serve.backends import Backends, completion, search_hit
from relvec.serve.http_errors import RequestError
from relvec.serve.maps import index_sample, map_png
from relvec.serve.page import add_page_routes
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
    LabelRequest,
    LabelResponse,
    LimitsInfo,
    MapRequest,
    MostSimilarRequest,
    MostSimilarResponse,
    SearchRequest,
    SearchResponse,
    SimilarityRequest,
    SimilarityResponse,
)
from relvec.serve.service import Service
from relvec.serve.settings import ServeSettings
from relvec.tasks.analogy import choice_scores, needed_pairs, predict
from relvec.tasks.vectors import PairVectors


def add_routes(app: FastAPI, service: Service) -> None:
    """Every route of the service."""
    add_status_routes(app, service)
    add_vector_routes(app, service)
    add_lookup_routes(app, service)
    add_relation_routes(app, service)
    add_page_routes(app)


def add_status_routes(app: FastAPI, service: Service) -> None:
    """GET /health and GET /info."""

    @app.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
    async def health() -> Any:
        """200 once the model is loaded; 503 while it loads or if loading failed. Never needs the API key."""
        status = service.status
        return JSONResponse({"status": status}, 200 if status == "ok" else 503)

    @app.get("/info", response_model=InfoResponse)
    async def info() -> Any:
        """The model and the service's settings."""
        return info_response(service.ready(), service.settings)


def add_vector_routes(app: FastAPI, service: Service) -> None:
    """POST /embed, /similarity and /analogy: relation vectors and their cosines."""
    batcher = service.batcher

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
        needed = needed_pairs(stem, choices, request.direction)
        unit = PairVectors({pair: row for row, pair in enumerate(needed)}, unit_rows(await batcher.encode(needed)), 0)
        scores = choice_scores(unit, stem, choices, request.direction)
        best = predict(scores)
        return {"best": best, "best_choice": choices[best], "scores": scores.tolist()}


def add_lookup_routes(app: FastAPI, service: Service) -> None:
    """POST /search, /most_similar and /complete; each answers 409 when the service was started without its backend."""
    batcher = service.batcher

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

    @app.post("/most_similar", response_model=MostSimilarResponse, responses={409: {"model": ErrorResponse}})
    async def most_similar(request: MostSimilarRequest) -> Any:
        """Relation arithmetic over the index: the ``k`` stored pairs nearest the mean of the unit vectors of
        ``positive`` minus those of ``negative`` (gensim's ``most_similar``); 409 when there is no index."""
        index = service.ready().index
        if index is None or not callable(getattr(index, "most_similar", None)):
            raise RequestError(409, "index", None, "a service started with an index (relvec serve --index INDEX)")
        service.check_pairs(positive=request.positive, negative=request.negative)
        service.check_k(request.k)
        positive, negative = list(request.positive), list(request.negative)
        hits = await batcher.call(lambda: index.most_similar(positive, negative, topn=request.k))
        return {"results": [search_hit(hit) for hit in hits]}

    @app.post(
        "/complete",
        response_model=CompleteResponse,
        response_model_exclude_none=True,
        responses={409: {"model": ErrorResponse}},
    )
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


def add_relation_routes(app: FastAPI, service: Service) -> None:
    """POST /label (the nearest of relations given by example pairs) and POST /map (a relation map as PNG)."""
    batcher = service.batcher

    @app.post("/label", response_model=LabelResponse)
    async def label(request: LabelRequest) -> Any:
        """Each pair's nearest relation, as ``relvec label`` computes it: the cosine of the pair's vector with
        each relation's prototype, the mean unit vector of its example pairs."""
        service.ready()
        relations = _checked_relations(service, request.relations, pairs=request.pairs)
        pairs = list(request.pairs)
        labeller, scores = await _labelled(batcher, relations, pairs)
        labels = [
            {"head": head, "tail": tail, "relation": labeller.names[best], "score": float(row[best]), "scores": row}
            for (head, tail), row, best in zip(pairs, scores.tolist(), scores.argmax(axis=1), strict=True)
        ]
        return {"relations": labeller.names, "labels": labels}

    @app.post(
        "/map",
        response_class=Response,
        responses={
            200: {"content": {"image/png": {}}, "description": "the map, a PNG image"},
            409: {"model": ErrorResponse},
        },
    )
    async def relation_map(request: MapRequest) -> Response:
        """A t-SNE map of ``pairs`` (or, without them, of up to ``sample`` pairs of the index) as a PNG, each
        point coloured by its label or by its nearest relation; up to 60 points carry their pair."""
        backends = service.ready()
        if request.pairs is not None:
            pairs = list(request.pairs)
            title = f"relation map: {len(pairs)} pairs (t-SNE of relation vectors, cosine)"
            typed = {"pairs": pairs}
        elif backends.index is None:
            raise RequestError(409, "pairs", None, "pairs to draw, or a service started with an index (--index)")
        else:
            limit = service.settings.max_pairs
            if request.sample > limit:
                raise RequestError(413, "sample", request.sample, f"at most {limit} pairs per request (--max-pairs)")
            pairs, size = index_sample(backends.index, request.sample)
            shown = f"{len(pairs)} of its {size} pairs" if len(pairs) < size else f"its {size} pairs"
            title = f"relation map of the index: {shown} (t-SNE, cosine)"
            typed = {}  # the index's own pairs are the operator's, not the request's: no word limit for them
        if request.relations is not None:
            relations = _checked_relations(service, request.relations, **typed)
            labeller, scores = await _labelled(batcher, relations, pairs)
            labels = [labeller.names[best] for best in scores.argmax(axis=1)]
            vectors = labeller.encoder.encode(pairs)
        else:
            service.check_pairs(**typed)
            labels = None if request.labels is None else list(request.labels)
            vectors = await batcher.encode(pairs)
        png = await asyncio.to_thread(map_png, vectors, pairs, labels, title)
        return Response(png, media_type="image/png")


def _checked_relations(service: Service, relations: dict[str, list[Pair]], **lists: list[Pair]) -> dict:
    """The relations as plain lists, refused if they and ``lists`` hold too many pairs or too long a word."""
    relations = {name: [tuple(pair) for pair in pairs] for name, pairs in relations.items()}
    service.check_pairs(**lists, **{f"relations.{name}": pairs for name, pairs in relations.items()})
    for name in relations:
        service.check_word("relations", name)
    return relations


async def _labelled(batcher: Any, relations: dict[str, list[Pair]], pairs: list[Pair]) -> tuple[Any, np.ndarray]:
    """A :class:`RelationLabeller` over the relations and the pairs' scores (pairs, relations), from one
    batched encode of every example pair and every pair."""
    needed = [pair for examples in relations.values() for pair in examples] + pairs
    vectors = await batcher.encode(needed)
    labeller = RelationLabeller(_Known(needed, vectors), relations)
    return labeller, labeller.scores(pairs)


def info_response(backends: Backends, settings: ServeSettings) -> InfoResponse:
    """GET /info's answer: the loaded model's identity, which lookups are enabled, the limits and batching."""
    encoder = backends.encoder
    template = getattr(encoder, "template", None)  # a baseline (glove) has no template, pooling or precision
    return InfoResponse(
        version=__version__,
        model=str(encoder.source),
        dim=encoder.dim,
        template=(template.name or template.text) if template is not None else None,
        pooling=getattr(encoder, "pooling", None),
        precision=getattr(encoder, "precision", None),
        normalize=bool(getattr(encoder, "normalize", False)),
        search=backends.index is not None,
        complete=backends.completer is not None,
        index_size=len(backends.index) if hasattr(backends.index, "__len__") else None,
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


class _Known:
    """An embedder over vectors already computed by the batcher: ``encode`` looks each pair up, so a
    :class:`RelationLabeller` scores the request from one batched encode."""

    def __init__(self, pairs: list[Pair], vectors: np.ndarray) -> None:
        self._rows = {pair: row for row, pair in enumerate(pairs)}
        self._vectors = vectors

    def encode(self, pairs: list[Pair]) -> np.ndarray:
        return self._vectors[[self._rows[tuple(pair)] for pair in pairs]]
