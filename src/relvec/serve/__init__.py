"""``relvec serve``: relation similarity over HTTP (FastAPI, uvicorn), with request batching and limits.

Needs the ``serve`` extra: ``pip install "relvec[serve]"``. See docs/service.md.
"""

from __future__ import annotations

from relvec.serve.app import create_app
from relvec.serve.backends import Backends, Completer, SearchIndex
from relvec.serve.batcher import Batcher
from relvec.serve.settings import API_KEY_ENV, ServeSettings

__all__ = ["API_KEY_ENV", "Backends", "Batcher", "Completer", "SearchIndex", "ServeSettings", "create_app"]
