"""The overdue watcher: one HazardOverdue per hazard, never twice — across passes and restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import UUID

from minqing_kit import metrics
from services.safety.entrypoints.worker import run
from services.safety.service_layer.commands import SYSTEM, NotifyOverdue
from services.safety.settings import SafetySettings
from tests.integration.conftest import eventually

from .conftest import JINSHAN, READER, Safety


async def _overdue_rows(safety: Safety) -> int:
    return int(await safety.fetchval("SELECT count(*) FROM outbox WHERE event_type = 'safety.hazard_overdue'"))


async def test_overdue_event_once_per_hazard_even_after_restart(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    first = (await safety.inspect(eid, failed="slopes", level="general", deadline_days=1))["hazard_ids"][0]
    second = (await safety.inspect(eid, failed="staff_roster", level="general", deadline_days=10))["hazard_ids"][0]
    service = safety.app.state.deps

    async def notify_overdue(service: Any) -> int:
        return await service.bus.handle(NotifyOverdue(), SYSTEM)

    assert await notify_overdue(service) == 0  # nothing due yet
    safety.clock.advance(timedelta(days=2))
    assert await notify_overdue(service) == 1
    assert await notify_overdue(service) == 0
    assert await _overdue_rows(safety) == 1
    listed = (await safety.client.get("/hazards", params={"overdue": "true"}, headers=READER)).json()
    assert [h["id"] for h in listed["items"]] == [first]

    # Lose the flag on the hazard row (as a crash between writes might): the stored key still refuses
    # a second event. The worker, started fresh on its own runtime, also picks up the next hazard.
    await safety.fetchval("UPDATE hazards SET overdue_notified_at = NULL WHERE id = $1", UUID(first))
    safety.clock.advance(timedelta(days=10))
    settings = SafetySettings(safety_overdue_interval_seconds=0.1)
    for _ in range(2):  # two worker lifetimes = a restart
        metrics.HAZARDS_OPEN.labels(JINSHAN, "general").set(-1)  # the pass below must set it
        stop = asyncio.Event()
        task = asyncio.create_task(run(stop, settings, safety.clock))
        await eventually(lambda: _gauge_ready(), message="worker pass")
        await asyncio.sleep(0.3)  # a few more passes
        stop.set()
        await asyncio.wait_for(task, 20)
    assert await _overdue_rows(safety) == 2

    events = await safety.events(eid, at_least=6)
    overdue = [e.payload.hazard_id for e in events if e.type == "safety.hazard_overdue"]
    assert sorted(map(str, overdue)) == sorted([first, second])
    assert metrics.HAZARDS_OVERDUE.labels(JINSHAN)._value.get() == 2


async def _gauge_ready() -> bool:
    return metrics.HAZARDS_OPEN.labels(JINSHAN, "general")._value.get() == 2
