"""GET /: the relation explorer, one page (HTML, CSS and a script) shipped in ``relvec/serve/static``.

The page holds no data: it calls the service's own JSON routes from the browser, sending the API key the user
types (kept in the page's memory only) as ``Authorization: Bearer KEY``. Its three files are therefore open
without the key, like /health. A strict Content-Security-Policy lets the page load and call nothing but this
service (no inline script, no other host), so it works offline and a value that slipped past the page's
escaping still could not run.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import Response

#: path -> (file in relvec/serve/static, media type)
PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/explorer.js": ("explorer.js", "text/javascript; charset=utf-8"),
    "/static/explorer.css": ("explorer.css", "text/css; charset=utf-8"),
}
PAGE_PATHS = frozenset(PAGE_FILES)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # An upgraded relvec serves its new page at once.
    "Cache-Control": "no-cache",
}


def page_file(name: str) -> bytes:
    """One of the page's files, as shipped in the package."""
    return (files("relvec.serve") / "static" / name).read_bytes()


def add_page_routes(app: FastAPI) -> None:
    """GET /, /static/explorer.js and /static/explorer.css (not in the OpenAPI schema: they are not API)."""
    for path, (name, media_type) in PAGE_FILES.items():
        app.add_api_route(
            path, _file_route(page_file(name), media_type), methods=["GET", "HEAD"], include_in_schema=False
        )


def _file_route(content: bytes, media_type: str):
    async def page_route() -> Response:
        return Response(content, media_type=media_type, headers=_HEADERS)

    return page_route


__all__ = ["CONTENT_SECURITY_POLICY", "PAGE_PATHS", "add_page_routes", "page_file"]
