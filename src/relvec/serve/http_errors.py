"""Every error the service answers, in one JSON shape naming the field, the value and what was expected:

    {"status": 422, "errors": [{"field": "pairs[1][0]", "value": "", "expected": "at least 1 character"}]}

Malformed JSON is 400, a body not sent as ``application/json`` 415, a body or pair list over the limits 413,
invalid fields 422, /search without an index 409, a missing API key 401 and a wrong one 403, a request before
the model is loaded 503.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from relvec.errors import RelvecError

log = logging.getLogger("relvec.serve")

#: The shape of relvec.errors.invalid's messages: "<argument> must be <expected>; got <value>."
_INVALID = re.compile(r"^(?P<field>.+?) must be (?P<expected>.+); got (?P<value>.*)\.$", re.DOTALL)


class RequestError(Exception):
    """A request the service refuses, answered with ``status`` and one error entry."""

    def __init__(self, status: int, field: str, value: Any, expected: str, headers: dict[str, str] | None = None):
        super().__init__(f"{field} must be {expected}; got {value!r}")
        self.status, self.field, self.value, self.expected, self.headers = status, field, value, expected, headers


def shown(value: Any, limit: int = 200) -> Any:
    """``value`` as it goes into an error body: JSON as is when short, else a shortened string. Whatever a
    request held (NaN, a lone surrogate, bytes), the result can be written as strict UTF-8 JSON."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError):  # not JSON, NaN or inf, a lone surrogate: shown as its repr, all ASCII
        text = ascii(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    return value if len(text) <= limit else text[: limit - 3] + "..."


def _printable(text: Any) -> str:
    """A field name or message as strict UTF-8 text (a lone surrogate in a JSON key is escaped)."""
    text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ascii(text)[1:-1]
    return text


def error_body(status: int, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": status, "errors": errors}


def error_entry(field: str, value: Any, expected: str) -> dict[str, Any]:
    return {"field": _printable(field), "value": shown(value), "expected": _printable(expected)}


def safe_response(status: int, entries: list[dict[str, Any]], headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body as a response; an entry that still cannot be written becomes a plain one, so that the
    error path itself never fails (a failing handler would turn a 4xx into a 500)."""
    try:
        return JSONResponse(error_body(status, entries), status, headers=headers)
    except (TypeError, ValueError):
        plain = [
            error_entry(str(entry.get("field")), ascii(entry.get("value")), str(entry.get("expected")))
            for entry in entries
        ]
        return JSONResponse(error_body(status, plain), status, headers=headers)


def error_response(status: int, field: str, value: Any, expected: str, headers: dict[str, str] | None = None):
    return safe_response(status, [error_entry(field, value, expected)], headers)


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """pydantic's ``('body', 'pairs', 3, 0)`` as ``pairs[3][0]``; the body itself is ``body``."""
    parts = list(location[1:] if location and location[0] == "body" else location)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _expected(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "a valid value"))
    message = message.removeprefix("Value error, ")
    return {"Field required": "a value (the field is required)"}.get(message, message[:1].lower() + message[1:])


def validation_errors(errors: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """pydantic's errors as the service's: 400 for malformed JSON, 415 for a body not sent as JSON, else 422."""
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not JSON")
            position = error.get("loc", ("body", "?"))[-1]
            return 400, [error_entry("body", f"malformed JSON at character {position}", f"a JSON object ({reason})")]
    for error in errors:
        if error.get("loc") == ("body",) and isinstance(error.get("input"), bytes):
            # FastAPI reads a body as JSON only when it says so; this also keeps browsers' cross-site "simple"
            # form and text posts out.
            expected = "a JSON body sent with 'Content-Type: application/json'"
            return 415, [error_entry("Content-Type", "not application/json", expected)]
    entries = []
    for error in errors:
        location = error.get("loc", ())
        value = error.get("input")
        if error.get("type") == "missing":
            value = None
        if error.get("type") == "extra_forbidden":
            entries.append(error_entry(field_name(location), value, "no such field (see /docs)"))
            continue
        entries.append(error_entry(field_name(location), value, _expected(error)))
    return 422, entries


def relvec_error_entry(error: RelvecError) -> dict[str, Any]:
    """A RelvecError from the library (e.g. a prompt too long for the encoder) as an error entry."""
    match = _INVALID.match(str(error))
    if match:
        return {
            "field": _printable(match["field"]),
            "value": shown(match["value"]),
            "expected": _printable(match["expected"]),
        }
    return error_entry("body", None, str(error))


def body_parse_error(cause: BaseException | None) -> str:
    """What a body that FastAPI could not parse (its HTTP 400) should have been, from the error it hit."""
    if isinstance(cause, UnicodeDecodeError):
        return f"a JSON body in UTF-8 (invalid UTF-8 at byte {cause.start}: {cause.reason})"
    if isinstance(cause, RecursionError):
        return "a JSON body of plain nesting (it nests arrays or objects too deep to parse)"
    what = type(cause).__name__ if cause is not None else "an unreadable body"
    return f"a JSON body that can be parsed (parsing failed with {what})"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        status, entries = validation_errors(list(error.errors()))
        return safe_response(status, entries)

    @app.exception_handler(RequestError)
    async def _refused(request: Request, error: RequestError) -> JSONResponse:
        return error_response(error.status, error.field, error.value, error.expected, error.headers)

    @app.exception_handler(RelvecError)
    async def _relvec(request: Request, error: RelvecError) -> JSONResponse:
        return safe_response(422, [relvec_error_entry(error)])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI could not parse the body: say why, not "an error parsing"
            return error_response(400, "body", "not parsed", body_parse_error(error.__cause__))
        expected = {404: "a route of this service (see /docs)", 405: "a method this route takes"}.get(
            error.status_code, str(error.detail)
        )
        field = "method" if error.status_code == 405 else "path"
        value = request.method if error.status_code == 405 else request.url.path
        return error_response(error.status_code, field, value, expected, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        expected = f"a request the service can answer; it failed with {type(error).__name__} (see the server log)"
        return error_response(500, "body", None, expected)
