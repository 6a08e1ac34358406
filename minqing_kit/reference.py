"""Live reference data: the division file merged with the identity service's public reference.

The county admin adds, renames and retires villages and departments in the identity service
(`GET /identity/reference?with_retired=true`: every entry, retired ones flagged `active: false`). Each API
process that validates codes refreshes its own
`County` in place from there every `MINQING_REFERENCE_REFRESH_S` seconds (`refreshing` in the lifespan).
Why polling rather than consuming `identity.village_*`: the reference is small (one county), the GET is
idempotent and self-healing (a missed or reordered event, a restart, a fresh replica all converge on
the next poll) and needs no consumer group, ACL or offsets in every service's API process.

The file is the floor: identity unreachable, slow or answering nonsense leaves the last good data in
place (logged, `minqing_reference_refresh_failures_total`); start-up never waits for identity.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from prometheus_client import Counter, Gauge

from minqing_contract.divisions import County, merge_reference

log = logging.getLogger("minqing.reference")

REFERENCE_LAST_SUCCESS = Gauge(
    "minqing_reference_last_success_timestamp_seconds",
    "When the reference data (villages, departments) was last refreshed from the identity service")
REFERENCE_FAILURES = Counter(
    "minqing_reference_refresh_failures_total", "Reference data refreshes that failed (the last good data stays)")


class ReferenceRefresher:
    """Keeps `county` (a process's own copy) equal to its file floor merged with identity's reference."""

    def __init__(self, county: County, url: str, interval_s: float, *,
                 client: httpx.AsyncClient | None = None) -> None:
        self.county = county
        self.floor = county.copy()  # the file as loaded: every merge starts from it
        self.url = url
        self.interval_s = interval_s
        self._client = client

    def apply(self, reference: dict[str, Any]) -> None:
        self.county.replace_with(merge_reference(self.floor, reference))

    async def refresh_once(self) -> bool:
        """One fetch and merge; False (logged, counted) when identity did not answer usefully."""
        try:
            client = self._client or httpx.AsyncClient(timeout=httpx.Timeout(5.0))
            try:
                response = await client.get(self.url, params={"with_retired": "true"})
            finally:
                if self._client is None:
                    await client.aclose()
            response.raise_for_status()
            body = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("townships"), list):
                raise ValueError("not a reference document (no townships list)")
            self.apply(body)
        except Exception as exc:  # any failure keeps the last good data
            REFERENCE_FAILURES.inc()
            log.warning("reference refresh from %s failed, keeping the last good data: %s", self.url, exc)
            return False
        REFERENCE_LAST_SUCCESS.set_to_current_time()
        return True

    async def run(self) -> None:
        while True:
            await self.refresh_once()
            await asyncio.sleep(self.interval_s)


@contextlib.asynccontextmanager
async def refreshing(county: County, url: str, interval_s: float, *,
                     client: httpx.AsyncClient | None = None) -> AsyncIterator[ReferenceRefresher | None]:
    """Refresh `county` in the background while the block runs (an API's lifespan). Empty `url`: off."""
    if not url:
        yield None
        return
    refresher = ReferenceRefresher(county, url, interval_s, client=client)
    task = asyncio.create_task(refresher.run(), name="reference-refresh")
    try:
        yield refresher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
