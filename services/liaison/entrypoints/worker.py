"""Liaison worker: `python -m services.liaison.entrypoints.worker`.

- the week-close timer (`rt.periodic`): every ended week of every stationing is closed in order,
  once (the stationing row is locked and `closed_through` moves on in the same transaction as the
  `liaison.week_closed` event), then the short-streak gauge is refreshed;
- the outbox relay (from the runtime).

`running_worker(settings, ...)` runs it in the current loop, for tests with their own clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from minqing_kit import metrics
from minqing_kit.clock import county_day
from minqing_kit.runtime import ServiceRuntime, run_worker
from services.liaison.adapters import views
from services.liaison.bootstrap import MIGRATIONS, Clock, Service, bootstrap
from services.liaison.service_layer import commands as c
from services.liaison.service_layer import queries
from services.liaison.settings import LiaisonSettings

log = logging.getLogger(__name__)


async def close_due_weeks(service: Service, *, max_weeks: int = 1000) -> int:
    """One pass: close every ended week not yet closed (oldest first per stationing); returns how many."""
    n = 0
    today = county_day(service.deps.clock())
    while n < max_weeks:
        due = await queries.stationings_with_weeks_due(service.uow(), today)
        closed = 0
        for stationing_id in due:
            if await service.bus.handle(c.CloseWeek(stationing_id), c.SYSTEM) is not None:
                closed += 1
        n += closed
        if not closed:  # nothing due, or nothing the domain would close: never spin
            break
    if n:
        log.info("weeks closed", extra={"count": n})
    return n


class ShortGauge:
    """Cadres short of the minimum, by township: the latest week, and two weeks running or more."""

    def __init__(self) -> None:
        self.townships = metrics.TownshipSeries((0, 0))

    async def refresh(self, service: Service) -> None:
        # A stationing that ended before last week's close no longer counts.
        since = county_day(service.deps.clock()) - timedelta(days=7)
        async with service.deps.read() as uow:
            rows = await views.short_streaks(uow.conn, since)
        counts = {r["township_code"]: (r["short"], r["two_running"]) for r in rows}
        for township, (short, two) in self.townships.each(counts):
            metrics.LIAISON_CADRES_SHORT.labels(township=township, weeks="1").set(short)
            metrics.LIAISON_CADRES_SHORT.labels(township=township, weeks="2").set(two)


def week_close_pass(service: Service) -> Callable[[], Awaitable[None]]:
    gauge = ShortGauge()

    async def one_pass() -> None:
        await close_due_weeks(service)
        await gauge.refresh(service)
    return one_pass


@dataclass
class RunningWorker:
    runtime: ServiceRuntime
    service: Service


@contextlib.asynccontextmanager
async def running_worker(settings: LiaisonSettings, *, clock: Clock | None = None) -> AsyncIterator[RunningWorker]:
    async with ServiceRuntime.open(settings, migrations=[("liaison", MIGRATIONS)]) as rt:
        service = bootstrap(rt, settings, clock)
        rt.periodic("week-close-timer", week_close_pass(service), settings.liaison_week_close_interval_seconds)
        yield RunningWorker(rt, service)
        rt.stop.set()


def main() -> None:
    settings = LiaisonSettings()

    async def _main(stop: asyncio.Event) -> None:
        async with running_worker(settings) as worker:
            await worker.runtime.serve_until(stop)

    run_worker(settings, _main, settings.metrics_port)


if __name__ == "__main__":
    main()
