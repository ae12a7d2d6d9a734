"""``relvec serve``: load the encoder (and an index) once, then answer HTTP requests (see docs/service.md)."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relvec.cli.options import add_encoder_options, load_model
from relvec.errors import RelvecError, check_int, check_number, check_positive_int

if TYPE_CHECKING:  # the serve extra may be missing; run() says so before anything needs it
    from relvec.serve import Backends, ServeSettings


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve relation similarity over HTTP",
        description="Serve /embed, /similarity, /analogy, /search, /complete, /label and /map over HTTP (OpenAPI "
        "at /docs), and a relation explorer page for people at /. With $RELVEC_API_KEY set, every route but "
        "/health and the page needs that key. Needs the serve extra: pip install 'relvec[serve]'.",
    )
    add_encoder_options(parser)
    parser.add_argument(
        "--index",
        default=None,
        help="a search index folder (relvec index build) built with the same model: enables /search",
    )
    parser.add_argument(
        "--complete", action="store_true", help="enable /complete (analogy completion over GloVe's vocabulary)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="TCP port to listen on (default 8000)")
    parser.add_argument(
        "--open",
        action="store_true",
        help="print the explorer page's address once the server listens, to open in a browser",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-pairs", type=int, default=1024, help="pairs per request (default 1024; more: 413)")
    limits.add_argument(
        "--max-word-length", type=int, default=100, help="characters per word (default 100; longer: 422)"
    )
    limits.add_argument(
        "--max-body-bytes", type=int, default=1_048_576, help="bytes per request body (default 1 MiB; more: 413)"
    )
    limits.add_argument("--max-k", type=int, default=1000, help="largest k for /search and /complete (default 1000)")
    batching = parser.add_argument_group("batching")
    batching.add_argument("--no-batching", action="store_true", help="encode every request on its own")
    batching.add_argument("--max-batch", type=int, default=256, help="pairs gathered into one encode (default 256)")
    batching.add_argument(
        "--batch-wait-ms", type=float, default=2.0, help="how long a request waits for others to join (default 2)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="CPU threads torch uses for the model (default: torch's own choice)"
    )
    parser.add_argument(
        "--cors-origin", action="append", default=[], help="allow browser calls from this origin (repeatable)"
    )
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        help="seconds in-flight requests get to finish on SIGTERM (default 30)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (default: errors only)")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _require_serve_extra()
    _check_server_args(args)
    settings = settings_from_args(args)
    # "not available" is said now, not after the model loads
    open_index, make_completer = _index_opener(args.index), _completer_maker(args.complete)
    _warn_if_open_to_all(args.host, settings)
    _configure_logging(args.quiet)

    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)  # once, before the model thread starts
    _serve(args, _backends_loader(args, open_index, make_completer), settings)
    return 0


def _require_serve_extra() -> None:
    try:
        import uvicorn  # noqa: F401

        import relvec.serve  # noqa: F401
    except ImportError as error:
        missing = f"relvec serve needs the serve extra ({error.name} is missing): pip install 'relvec[serve]'"
        raise RelvecError(missing) from error


def _check_server_args(args: argparse.Namespace) -> None:
    """The options that go to uvicorn and torch rather than into :class:`ServeSettings`."""
    check_int("--port", args.port, minimum=0, maximum=65535, expected="a port number from 0 to 65535")
    if args.threads is not None:
        check_positive_int("--threads", args.threads)
    check_number("--graceful-timeout", args.graceful_timeout, low=0, expected="a number of seconds, 0 or more")
    check_listen_address(args.host, args.port)


def check_listen_address(host: str, port: int) -> None:
    """Refuse an address uvicorn could not listen on (no such address, a port in use, a privileged port), by
    binding it once, before the model loads: otherwise the model loads and then uvicorn fails."""
    import errno
    import socket

    looks_numeric = all(part.isdigit() for part in host.split(".")) and "." in host
    try:
        if looks_numeric or ":" in host:
            ipaddress.ip_address(host)
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (ValueError, UnicodeError, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise RelvecError(f"--host {host!r} is not an address this machine can listen on ({reason})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise RelvecError(f"--port {port} is in use on {host}; choose another port") from None
            raise RelvecError(f"--host {host!r} --port {port}: cannot listen there ({error.strerror})") from None


def settings_from_args(args: argparse.Namespace) -> ServeSettings:
    """The service's :class:`~relvec.serve.ServeSettings` from the options; the API key from $RELVEC_API_KEY."""
    from relvec.serve import API_KEY_ENV, ServeSettings

    return ServeSettings(
        max_pairs=args.max_pairs,
        max_word_length=args.max_word_length,
        max_body_bytes=args.max_body_bytes,
        max_k=args.max_k,
        batching=not args.no_batching,
        max_batch=args.max_batch,
        max_wait_ms=args.batch_wait_ms,
        api_key=os.environ.get(API_KEY_ENV) or None,
        cors_origins=tuple(args.cors_origin),
    )


def _warn_if_open_to_all(host: str, settings: ServeSettings) -> None:
    from relvec.serve import API_KEY_ENV

    if not _is_loopback(host) and settings.api_key is None:
        print(
            f"relvec serve: warning: listening on {host} without an API key; anyone who can reach it can use "
            f"it (set ${API_KEY_ENV})",
            file=sys.stderr,
        )


def _configure_logging(quiet: bool) -> None:
    # uvicorn configures its own loggers only; the service's own lines (ready, loading failed) go beside them.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    service_log = logging.getLogger("relvec.serve")
    service_log.addHandler(handler)
    service_log.setLevel(logging.WARNING if quiet else logging.INFO)


def _backends_loader(args: argparse.Namespace, open_index: Any, make_completer: Any) -> Callable[[], Backends]:
    """What the service runs on its model thread at start-up: the encoder, then the index and completer."""
    from relvec.serve import Backends

    def load() -> Backends:
        encoder = load_model(args)
        index = open_index(encoder) if open_index is not None else None
        completer = make_completer(encoder) if make_completer is not None else None
        return Backends(encoder, index, completer)

    return load


def _serve(args: argparse.Namespace, load: Callable[[], Backends], settings: ServeSettings) -> None:
    """Run uvicorn until it is stopped; a failure to load the model stops it and is raised here."""
    import uvicorn

    from relvec.serve import create_app

    failures: list[BaseException] = []

    def stop_on_failure(error: BaseException) -> None:
        failures.append(error)
        server.should_exit = True

    app = create_app(loader=load, settings=settings, on_load_failure=stop_on_failure)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning" if args.quiet else "info",
        access_log=args.access_log,
        timeout_graceful_shutdown=args.graceful_timeout,
        server_header=False,
    )
    server = _announcing_server(config) if args.open else uvicorn.Server(config)
    server.run()
    if failures:
        error = failures[0]
        raise error if isinstance(error, RelvecError) else RelvecError(f"loading failed: {error}") from error


def _announcing_server(config: Any) -> Any:
    """uvicorn's server, printing the explorer page's address once it listens (``--open``)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started and self.servers:
                host, port = self.servers[0].sockets[0].getsockname()[:2]  # the real port, also for --port 0
                print(f"relvec serve: the explorer page is at {page_url(host, port)}", flush=True)

    return AnnouncingServer(config)


def page_url(host: str, port: int) -> str:
    """The explorer's address for a server bound to ``host``: a wildcard address is reached through loopback."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _index_opener(path: str | None) -> Any:
    """A function opening the index folder at ``path`` for an encoder, or ``None`` without ``--index``."""
    if path is None:
        return None
    if not os.path.exists(path):
        raise RelvecError(f"--index {path!r}: no such file or folder")

    def open_index(encoder: Any) -> Any:
        from relvec.apps.index import RelationIndex

        # The encoder embeds the query pairs; the index checks that it is the model that built it.
        return RelationIndex.load(path, encoder=encoder)

    return open_index


def _completer_maker(wanted: bool) -> Any:
    """A function making the analogy completer for an encoder, or ``None`` without ``--complete``."""
    if not wanted:
        return None
    if importlib.util.find_spec("gensim") is None:  # the apps extra; said now rather than after the model loads
        raise RelvecError("--complete: analogy completion is not available without gensim: pip install 'relvec[apps]'")

    def make(encoder: Any) -> Any:
        from relvec.apps.complete import AnalogyCompleter, glove_keyed_vectors

        return AnalogyCompleter(encoder, glove_keyed_vectors())

    return make
