"""The worker's periodic pass: overdue-hazard events (once per hazard) and the business gauges."""

from __future__ import annotations

import logging

from prometheus_client import Gauge

from minqing_kit import metrics
from services.safety.adapters.repository import PgSafetyRepository
from services.safety.service_layer.commands import SYSTEM, NotifyOverdue
from services.safety.service_layer.deps import Deps, Service

log = logging.getLogger(__name__)

_seen: dict[str, set[tuple[str, ...]]] = {"open": set(), "overdue": set(), "suspended": set()}


async def refresh_gauges(deps: Deps) -> None:
    """Set HAZARDS_OPEN / HAZARDS_OVERDUE / ENTERPRISES_SUSPENDED from the database; label sets that
    disappeared are reset to 0 rather than left at their last value."""
    async with deps.read() as uow:
        counts = await PgSafetyRepository(uow.conn).gauge_counts(deps.clock())
    plan: dict[str, tuple[Gauge, list[tuple[tuple[str, ...], int]]]] = {
        "open": (metrics.HAZARDS_OPEN, [((r["township_code"], r["level"]), r["n"]) for r in counts["open"]]),
        "overdue": (metrics.HAZARDS_OVERDUE, [((r["township_code"],), r["n"]) for r in counts["overdue"]]),
        "suspended": (metrics.ENTERPRISES_SUSPENDED, [((r["township_code"],), r["n"]) for r in counts["suspended"]]),
    }
    for name, (gauge, rows) in plan.items():
        now_seen = {labels for labels, _ in rows}
        for labels in _seen[name] - now_seen:
            gauge.labels(*labels).set(0)
        for labels, n in rows:
            gauge.labels(*labels).set(n)
        _seen[name] = now_seen


async def watch_once(service: Service) -> int:
    sent = await service.bus.handle(NotifyOverdue(), SYSTEM)
    await refresh_gauges(service.deps)
    if sent:
        log.info("hazard overdue events written", extra={"count": sent})
    return sent
