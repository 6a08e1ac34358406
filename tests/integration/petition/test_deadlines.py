"""The deadline watcher on the real stack: each alert once, across passes and a worker restart; 督办."""

from __future__ import annotations

import asyncio

import pytest

from services.petition.entrypoints import worker
from services.petition.service_layer import watcher
from services.petition.settings import PetitionSettings
from tests.integration.conftest import eventually
from tests.integration.petition.conftest import ADMIN, SUPERVISOR, Petition, decoded, sh


async def _alerts(petition: Petition) -> list[tuple[str, str]]:
    rows = await petition.sql("SELECT deadline, level FROM deadline_alerts ORDER BY raised_at, level")
    return [(r["deadline"], r["level"]) for r in rows]


async def test_watcher_announces_each_deadline_once_across_passes_and_a_restart(
        petition: Petition, monkeypatch: pytest.MonkeyPatch) -> None:
    mid = (await petition.register())["matter_id"]  # registered Tue 2025-05-06: route due end of May 21
    deps = petition.app.state.deps
    assert await watcher.watch_once(deps) == 0
    petition.clock.set(sh(2025, 5, 19))
    assert await watcher.watch_once(deps) == 1
    assert await watcher.watch_once(deps) == 0  # a second pass finds nothing new
    assert await _alerts(petition) == [("route", "approaching")]
    overdue = (await petition.client.get("/matters", params={"overdue": "true"}, headers=ADMIN)).json()
    assert overdue["total"] == 0
    petition.clock.set(sh(2025, 5, 23))
    assert (await petition.client.get("/matters", params={"overdue": "true"}, headers=ADMIN)).json()["total"] == 1

    # A "restart": the worker process's own runtime on the same database, several passes at the moved clock.
    monkeypatch.setenv("MINQING_WATCHER_INTERVAL_SECONDS", "0.05")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.main(stop, PetitionSettings(), clock=petition.clock))
    await eventually(lambda: _has(petition, ("route", "overdue")), message="overdue alert")
    await asyncio.sleep(0.3)  # several more passes of the restarted watcher
    stop.set()
    await asyncio.wait_for(task, 30)
    # ...and the API's watcher again, after the worker stopped.
    assert await watcher.watch_once(deps) == 0
    assert await _alerts(petition) == [("route", "approaching"), ("route", "overdue")]

    outbox = await petition.sql("SELECT event_type FROM outbox WHERE event_type LIKE '%deadline%' "
                                "OR event_type = 'petition.overdue'")
    assert sorted(r["event_type"] for r in outbox) == ["petition.deadline_approaching", "petition.overdue"]
    await eventually(lambda: _all_published(petition), message="outbox drained")
    events = decoded(await petition.events(mid, at_least=3))
    kinds = [e.type for e in events]
    assert kinds == ["petition.registered", "petition.deadline_approaching", "petition.overdue"]
    assert events[2].payload.deadline.value == "route"
    assert events[2].payload.due_at == sh(2025, 5, 22, 0)


async def _all_published(petition: Petition) -> bool:
    return not await petition.sql("SELECT 1 FROM outbox WHERE published_at IS NULL")


async def _has(petition: Petition, alert: tuple[str, str]) -> bool:
    return alert in await _alerts(petition)


async def test_supervision_only_by_county_supervisor_and_only_when_overdue(petition: Petition) -> None:
    mid = (await petition.register())["matter_id"]
    early = await petition.post(mid, "supervision", SUPERVISOR, {"note": "请尽快转送"}, status=422)
    assert early["error"]["rule"] == "overdue_only"
    petition.clock.set(sh(2025, 5, 25))
    wrong_role = await petition.post(mid, "supervision", ADMIN, {"note": "请尽快转送"}, status=403)
    assert wrong_role["error"]["code"] == "forbidden"
    done = await petition.post(mid, "supervision", SUPERVISOR, {"note": "请尽快转送"})
    assert done["supervisions"][0]["overdue"] == ["route"]
    events = decoded(await petition.events(mid, at_least=2))
    assert events[1].type == "petition.supervised"
    rows = await petition.sql("SELECT supervisor, overdue FROM supervisions")
    assert rows[0]["supervisor"] == "u-supervisor" and rows[0]["overdue"] == ["route"]
