"""What an operator sets when starting the service: limits, batching, who gets in."""

from __future__ import annotations

from dataclasses import dataclass

from relvec.errors import check_bool, check_number, check_positive_int, invalid

#: The environment variable holding the API key; when set (non-empty), every route but /health needs it.
API_KEY_ENV = "RELVEC_API_KEY"


@dataclass(frozen=True)
class ServeSettings:
    """Limits and batching of one service.

    Args:
        max_pairs: pairs in one request (all lists of a request together); more is answered 413.
        max_word_length: characters in one word; longer is answered 422.
        max_body_bytes: bytes in one request body; more is answered 413 before the body is parsed.
        max_k: the largest ``k`` for /search and /complete.
        batching: gather concurrent requests into one forward pass; off, each request is encoded alone
            (still on the one model thread).
        max_batch: pairs gathered into one encode call; a request larger than this runs alone.
        max_wait_ms: how long the first request of a batch waits for others to join.
        api_key: the key every route but /health requires (``Authorization: Bearer KEY`` or ``X-API-Key``);
            ``None``: no key.
        cors_origins: origins allowed by CORS; empty: no CORS headers at all.
    """

    max_pairs: int = 1024
    max_word_length: int = 100
    max_body_bytes: int = 1_048_576
    max_k: int = 1000
    batching: bool = True
    max_batch: int = 256
    max_wait_ms: float = 2.0
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("max_pairs", "max_word_length", "max_body_bytes", "max_k", "max_batch"):
            check_positive_int(name, getattr(self, name))
        check_number(
            "max_wait_ms", self.max_wait_ms, low=0, high=1000, expected="a number of milliseconds from 0 to 1000"
        )
        check_bool("batching", self.batching)
        if self.api_key is not None and (not isinstance(self.api_key, str) or not self.api_key):
            raise invalid("api_key", self.api_key, "a non-empty string, or None for no key")
