"""The county's holiday calendar on the real stack: a 2027 deadline is provisional until the year is
entered, then moves, with `petition.deadline_recomputed` on Kafka and the worker counting with it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import REGISTRY

from devstack.stack import Stack
from services.petition.adapters.clock import MovableClock
from services.petition.bootstrap import MIGRATIONS
from services.petition.entrypoints import worker
from services.petition.entrypoints.api import create_petition_app
from services.petition.service_layer.commands import SYSTEM, SeedCalendar
from services.petition.settings import PetitionSettings
from tests.integration.conftest import DbFactory, asgi_client, eventually, service_env
from tests.integration.petition.conftest import ADMIN, OPERATOR, Petition, decoded, handler, matter_body, sh

NOTE_2027 = "暂按常规工作日计算，待国务院公布2027年节假日安排后重算"
#: A made-up 2027 schedule (the real notice may not be out): 1 January and 4–6 January off.
YEAR_2027 = {"holidays": [{"day": f"2027-01-0{d}", "name": "元旦"} for d in (1, 4, 5, 6)],
             "working_days": [], "notice": "测试用通知（虚构）"}
GAUGE = "minqing_workday_calendar_next_year_missing"


def _deadline(view: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(d for d in view["deadlines"] if d["kind"] == kind)


async def test_a_2027_deadline_is_provisional_until_the_year_is_entered_then_moves_with_an_event(
        petition: Petition, monkeypatch: pytest.MonkeyPatch) -> None:
    petition.clock.set(sh(2026, 12, 28))
    mid = (await petition.register())["matter_id"]
    petition.clock.set(sh(2026, 12, 30))  # Wednesday: 5 working days run into 2027
    view = await petition.post(mid, "assign", ADMIN, {"department": "rsj", "mode": "assign", "signed_by": "u-lead"})
    objection = _deadline(view, "objection")
    assert (objection["last_day"], objection["provisional"], objection["note"]) == ("2027-01-07", True, NOTE_2027)
    assert _deadline(view, "acceptance_notice")["provisional"] is False  # calendar days: no calendar consulted
    listed = (await petition.client.get("/calendar", headers=ADMIN)).json()["years"]
    assert [y["year"] for y in listed][-1] == 2026 and listed[-1]["source"] == "chinesecalendar"

    # The worker, a process of its own with its own copy of the calendar, raises the December gauge.
    monkeypatch.setenv("MINQING_WATCHER_INTERVAL_SECONDS", "0.05")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.main(stop, PetitionSettings(), clock=petition.clock))
    try:
        await eventually(lambda: _gauge(1.0), message="next-year-missing gauge at 1")

        r = await petition.client.put("/calendar/2027", json=YEAR_2027, headers=ADMIN)
        assert r.status_code == 200, r.text
        recomputed = r.json()["recomputed"]
        assert [(x["matter_id"], x["deadline"]) for x in recomputed] == [(mid, "objection")]
        assert recomputed[0]["due_at"] == "2027-01-13T00:00:00+08:00"  # Dec 31, Jan 7, 8, 11, 12

        after = (await petition.client.get(f"/matters/{mid}", headers=ADMIN)).json()
        objection = _deadline(after, "objection")
        assert (objection["last_day"], objection["provisional"], objection["note"]) == ("2027-01-12", False, None)

        # The worker sees the new year in its own transaction: the gauge drops, and it announces the
        # window at its new date (a stale calendar would still count to 7 January).
        await eventually(lambda: _gauge(0.0), message="gauge back to 0")
        petition.clock.set(sh(2027, 1, 10))
        await eventually(lambda: _alert(petition), message="objection approaching at the new date")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    rows = await petition.sql("SELECT due_at FROM deadline_alerts WHERE deadline = 'objection'")
    assert [r["due_at"] for r in rows] == [sh(2027, 1, 13, 0)]

    events = decoded(await petition.events(mid, at_least=4))
    assert [e.type for e in events] == ["petition.registered", "petition.assigned", "petition.deadline_recomputed",
                                        "petition.deadline_approaching"]
    moved = events[2].payload
    assert (moved.deadline.value, moved.previous_due_at, moved.due_at, moved.provisional) == (
        "objection", sh(2027, 1, 8, 0), sh(2027, 1, 13, 0), False)
    year = (await petition.client.get("/calendar/2027", headers=ADMIN)).json()
    assert (year["source"], year["entered_by"], len(year["holidays"])) == ("county", "u-officer", 4)


async def _gauge(value: float) -> bool:
    return REGISTRY.get_sample_value(GAUGE) == value


async def _alert(petition: Petition) -> bool:
    return bool(await petition.sql("SELECT 1 FROM deadline_alerts WHERE deadline = 'objection'"))


async def test_entering_a_year_is_for_county_admins_and_checked(petition: Petition) -> None:
    put = petition.client.put
    r = await put("/calendar/2027", json=YEAR_2027, headers=OPERATOR)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "county_admin_only"
    r = await put("/calendar/2027", json=YEAR_2027, headers=handler("rsj"))
    assert r.status_code == 403
    cases = [
        ({**YEAR_2027, "holidays": [{"day": "2026-12-31", "name": "元旦"}]}, 2027, "holidays.0.day", "within_year"),
        ({**YEAR_2027, "working_days": [{"day": "2027-01-01", "name": "元旦调休上班"}]}, 2027,
         "working_days.0.day", "unique_day"),
        ({**YEAR_2027, "working_days": [{"day": "2027-01-07", "name": "调休上班"}]}, 2027,
         "working_days.0.day", "weekend_only"),
        (YEAR_2027, 1999, "year", "year_range"),
    ]
    for body, year, field, rule in cases:
        r = await put(f"/calendar/{year}", json=body, headers=ADMIN)
        assert r.status_code == 422, r.text
        assert (r.json()["error"]["field"], r.json()["error"]["rule"]) == (field, rule)
    r = await petition.client.get("/calendar/2027", headers=ADMIN)
    assert r.status_code == 404 and r.json()["error"]["rule"] == "exists"
    assert not await petition.sql("SELECT 1 FROM workday_years WHERE year = 2027")


async def test_with_roll_over_the_list_marks_the_open_deadline_provisional_until_the_year_is_entered(
        stack: Stack, topics: list[str], make_db: DbFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn = await make_db(("petition", MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "petition", roll_over_rest_days="true", liaison_intake="false")
    clock = MovableClock(sh(2026, 12, 20))  # route: 15 days → Monday 4 January 2027
    async with asgi_client(create_petition_app(clock=clock)) as client:
        r = await client.post("/matters", json=matter_body(), headers=ADMIN)
        assert r.status_code == 201, r.text
        mid = r.json()["matter_id"]
        item = (await client.get("/matters", headers=ADMIN)).json()["items"][0]
        assert (item["id"], item["open_due_provisional"], item["open_due_note"]) == (mid, True, NOTE_2027)
        assert item["open_due_at"] == "2027-01-05T00:00:00+08:00"

        r = await client.put("/calendar/2027", json=YEAR_2027, headers=ADMIN)
        assert r.status_code == 200, r.text
        assert [x["deadline"] for x in r.json()["recomputed"]] == ["route"]
        item = (await client.get("/matters", headers=ADMIN)).json()["items"][0]
        assert (item["open_due_provisional"], item["open_due_note"]) == (False, None)
        assert item["open_due_at"] == "2027-01-08T00:00:00+08:00"  # 4–6 January off: rolls to Thursday 7th


async def test_matters_saved_before_the_calendar_was_data_are_assessed_at_start_up_without_spurious_events(
        petition: Petition) -> None:
    petition.clock.set(sh(2026, 2, 11))
    mid = (await petition.register())["matter_id"]
    petition.clock.set(sh(2026, 2, 13))  # objection window across Spring Festival 2026: ends 27 Feb, not 20
    await petition.post(mid, "assign", ADMIN, {"department": "rsj", "mode": "assign", "signed_by": "u-lead"})
    # As right after migration 0003: older rows unassessed, no year in the tables yet.
    await petition.sql("UPDATE matters SET calendar_years = NULL")
    await petition.sql("DELETE FROM workday_years")
    assert await petition.app.state.deps.bus.handle(SeedCalendar(), SYSTEM) == []
    rows = await petition.sql("SELECT calendar_years FROM matters")
    assert [r["calendar_years"] for r in rows] == [[2026]]
    assert len(await petition.sql("SELECT 1 FROM workday_years WHERE source = 'chinesecalendar'")) >= 23
    assert not await petition.sql("SELECT 1 FROM outbox WHERE event_type = 'petition.deadline_recomputed'")
