"""The deadline watcher's pass and the business gauges, run periodically by the worker (supervised).

A pass picks the matters whose `watch_at` has come (the repository keeps it current on every save),
and announces their approaching / overdue deadlines through the bus (`FlagDeadlines`), one matter
per transaction. Running two passes, two workers, or a pass after a restart announces nothing twice:
the aggregate skips keys it has, and `deadline_alerts`' primary key refuses the rest.
"""

from __future__ import annotations

import logging

from minqing_kit import metrics

from . import calendar, queries
from .commands import SYSTEM, FlagDeadlines
from .deps import Service

log = logging.getLogger(__name__)


async def watch_once(service: Service) -> int:
    """One pass; returns how many alerts it announced."""
    due = await queries.due_for_watch(service.uow(), service.deps.clock())
    announced = 0
    for matter_id in due:
        fresh = await service.bus.handle(FlagDeadlines(matter_id), SYSTEM)
        for key in fresh:
            kind = key.split(":")[1]
            metrics.DEADLINES_FIRED.labels(service="petition", kind=kind).inc()
        announced += len(fresh)
    if announced:
        log.info("deadline alerts announced", extra={"alerts": announced, "matters": len(due)})
    return announced


async def refresh_gauges(service: Service) -> None:
    deps = service.deps
    open_by, overdue_by = await queries.gauges(service.uow(), deps.clock())
    for township in deps.county.townships:
        metrics.PETITIONS_OPEN.labels(township=township.code).set(open_by.get(township.code, 0))
        metrics.PETITIONS_OVERDUE.labels(township=township.code).set(overdue_by.get(township.code, 0))
    await calendar.refresh_gauge(service.uow(), deps.clock)


async def one_pass(service: Service) -> None:
    """What the worker runs every `watcher_interval_seconds`, under the runtime's supervisor (a failed
    pass is logged, counted and retried with backoff)."""
    await watch_once(service)
    await refresh_gauges(service)
