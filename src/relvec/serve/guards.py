"""Who gets in and how much they may send: two small ASGI middlewares, run before any route.

* :class:`ApiKeyGuard`: with a key set, every path but /health and the explorer page's files needs
  ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; missing is 401, wrong is 403. The comparison takes the
  same time wherever the keys differ (``hmac.compare_digest``), so the key cannot be guessed a character at a
  time from timings.
* :class:`BodyLimit`: a body over ``max_bytes`` is answered 413 as soon as its declared length, or the bytes
  read so far, pass the limit, so that it is never read whole, let alone parsed.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relvec.serve.http_errors import error_response
from relvec.serve.page import PAGE_PATHS

#: Open without the key: /health, and the explorer page's files (no data: the page asks for the key itself).
OPEN_PATHS = frozenset({"/health"}) | PAGE_PATHS


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


class ApiKeyGuard:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        given = _given_key(scope)
        if given is None:
            response = error_response(
                401,
                "Authorization",
                None,
                "an API key: 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                {"WWW-Authenticate": "Bearer"},
            )
            return await response(scope, receive, send)
        if not hmac.compare_digest(given, self.key):
            response = error_response(403, "Authorization", "(a key, not shown)", "the service's API key")
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


def _given_key(scope: Scope) -> bytes | None:
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() == b"bearer" and token.strip():
            return token.strip()
    key = _header(scope, b"x-api-key")
    return key.strip() if key is not None and key.strip() else None


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                response = error_response(400, "Content-Length", declared.decode("latin-1"), "a whole number of bytes")
                return await response(scope, receive, send)
            if int(declared) > self.max_bytes:
                return await self._too_large(scope, receive, send, f"{int(declared)} bytes")
        # The body is read here, counting (a chunked body declares no length), and replayed to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await self._too_large(scope, receive, send, f"more than {self.max_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, size: str) -> None:
        expected = f"a request body of at most {self.max_bytes} bytes (--max-body-bytes)"
        response = error_response(413, "body", size, expected, {"Connection": "close"})
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body, only a disconnect can come

    return replayed


__all__ = ["ApiKeyGuard", "BodyLimit", "OPEN_PATHS"]
