"""A small in-process rate limiter for the unauthenticated receipt lookup (per client address).

One process's memory: enough to stop a script guessing codes through one instance (the codes have
31^10 values anyway); several replicas behind a proxy should also limit at the proxy.
"""

from __future__ import annotations

import time
from collections import deque

from minqing_kit.errors import DomainError


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"


class RateLimiter:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window = window_s
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise TooManyRequests("查询过于频繁，请稍后再试 (too many lookups; try again later)",
                                  field="lookup_code", rule="rate_limit")
        hits.append(now)
        if len(self._hits) > 10000:  # forget idle clients rather than grow without bound
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                del self._hits[k]
