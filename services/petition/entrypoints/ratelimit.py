"""Small in-process rate limiters for the unauthenticated public routes (per client address).

One process's memory: enough to stop a script guessing through one instance; the per-code limit that
must hold across processes lives in PostgreSQL (`domain.receipt_access`), and several replicas behind a
proxy should also limit at the proxy.

The client address is the peer uvicorn reports. uvicorn replaces it with the `X-Forwarded-For` value
only when the peer is one of `--forwarded-allow-ips` (env `FORWARDED_ALLOW_IPS`), which the deployment
sets to its proxy's address, never `*`: otherwise anyone could pick a fresh key per request.
"""

from __future__ import annotations

import time
from collections import deque
from math import ceil

from fastapi import Request

from minqing_kit.errors import DomainError


class TooManyRequests(DomainError):
    """HTTP 429; `retry_after` (seconds) becomes the `Retry-After` header."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message, field=field, rule=rule)
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class RateLimiter:
    """At most `limit` hits per key within a sliding `window_s`."""

    def __init__(self, limit: int, window_s: float, *, message: str = "查询过于频繁，请稍后再试 (too many lookups;"
                 " try again later)", rule: str = "rate_limit") -> None:
        self.limit = limit
        self.window = window_s
        self.message = message
        self.rule = rule
        self._hits: dict[str, deque[float]] = {}

    def _live(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def ensure_allowed(self, key: str) -> None:
        """Refuse (429) when the key has used its budget; does not count a hit."""
        now = time.monotonic()
        hits = self._live(key, now)
        if len(hits) >= self.limit:
            retry = max(1, ceil(hits[0] + self.window - now))
            raise TooManyRequests(self.message, retry_after=retry, field="lookup_code", rule=self.rule)

    def hit(self, key: str) -> None:
        now = time.monotonic()
        self._live(key, now).append(now)
        if len(self._hits) > 10000:  # forget idle clients rather than grow without bound
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                del self._hits[k]

    def check(self, key: str) -> None:
        """Count one hit, refusing (429) when the key is over its budget."""
        self.ensure_allowed(key)
        self.hit(key)
