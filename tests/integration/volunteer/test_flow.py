"""点单 → 审单 → automatic 派单 (faust agent) → 接单 → 服务 → 结单 (hours) → 评单, and escalation up the levels."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pypdf import PdfReader

from devstack.stack import Stack
from minqing_contract import Event, decode
from services.volunteer.entrypoints.worker import RunningWorker, escalate_due
from tests.integration.conftest import eventually, read_topic
from tests.integration.volunteer.conftest import ACCEPT_TIMEOUT, ADMIN, OPERATOR, QINLE, ShiftedClock, World

TOPIC = "minqing.volunteer.events"


async def submit(w: World, category: str = "ecology") -> str:
    body = {"category": category, "village_code": QINLE, "description": "清理村口废旧农膜", "urgency": "normal",
            "requester_name": "赵大爷", "requester_phone": "13712345678"}
    return str((await w.post("/requests", body, expect=201))["id"])


async def wait_status(w: World, request_id: str, status: str, **expected: Any) -> Any:
    async def check() -> Any:
        row = await w.pool.fetchrow("SELECT status, team_id::text AS team_id, team_level FROM vol_requests"
                                    " WHERE id = $1::uuid", request_id)
        return row if row["status"] == status and all(row[k] == v for k, v in expected.items()) else None
    return await eventually(check, timeout=30, message=f"request {request_id} {status} {expected}")


async def events_of(stack: Stack, key: str, n: int) -> tuple[list[Any], list[Event]]:
    records = await read_topic(stack.kafka_admin, TOPIC, at_least=n, timeout=30, predicate=lambda r: r.key == key.encode())
    return records, [decode(r.key, r.value, r.headers) for r in records]


async def test_approved_request_is_dispatched_to_nearest_team_and_completion_records_hours(
        world: World, worker: RunningWorker, clock: ShiftedClock, stack: Stack) -> None:
    w, v0, v1 = world, world.ids["v0"], world.ids["v1"]
    rid = await submit(w)
    await w.post(f"/requests/{rid}/approve")
    # 勤乐村's own ecology team: not its medical team, not 幸福村's, not the township or county teams.
    await wait_status(w, rid, "dispatched", team_id=w.ids["t_qinle_eco"], team_level="village")
    await w.post(f"/requests/{rid}/accept", {"team_id": w.ids["t_qinle_eco"]})
    started = (await w.post(f"/requests/{rid}/start"))["started_at"]
    clock.advance(timedelta(hours=2))
    start = datetime.fromisoformat(started)
    spans = [{"volunteer_id": v0, "start": start.isoformat(), "end": (start + timedelta(minutes=95)).isoformat()},
             {"volunteer_id": v1, "start": start.isoformat(), "end": (start + timedelta(minutes=60)).isoformat()},
             {"volunteer_id": v1, "start": (start + timedelta(minutes=70)).isoformat(),
              "end": (start + timedelta(minutes=100)).isoformat()}]
    assert (await w.post(f"/requests/{rid}/complete", {"spans": spans}))["status"] == "completed"
    assert (await w.post(f"/requests/{rid}/rate", {"stars": 5, "comment": "很及时"}))["status"] == "rated"

    hours = await w.pool.fetch("SELECT volunteer_id::text AS v, sum(minutes) AS m FROM vol_hours"
                               " WHERE source_id = $1::uuid GROUP BY volunteer_id", rid)
    assert {h["v"]: h["m"] for h in hours} == {v0: 95, v1: 90}
    # The station's list sorts by hours on the server (v0 95 min, v1 90 min, the rest of the network none).
    by_hours = [v["id"] for v in (await w.get("/volunteers", sort="-hours", page_size=100))["items"]]
    assert by_hours[:2] == [v0, v1]
    assert [v["id"] for v in (await w.get("/volunteers", sort="hours", page_size=100))["items"]][-2:] == [v1, v0]
    bad = await w.client.get("/volunteers", params={"sort": "name"}, headers=ADMIN)
    assert bad.status_code == 422 and "sort" in bad.text
    record = await w.get(f"/volunteers/{v1}/record")
    assert record["total_minutes"] == 90 and {s["source_id"] for s in record["services"]} == {rid}
    period = {"start": (start - timedelta(days=1)).isoformat(), "end": (start + timedelta(days=1)).isoformat()}
    cert = (await w.get(f"/volunteers/{v0}/certificate", **period))["certificates"]
    assert [(c["issued_by"], c["total_hours"]) for c in cert] == [("勤乐村生态环保志愿服务队", "1.6")]
    assert (await w.client.get(f"/volunteers/{v0}/certificate.html", params=period)).status_code == 401
    html = await w.client.get(f"/volunteers/{v0}/certificate.html", params=period, headers=ADMIN)
    assert html.status_code == 200 and "王小红" in html.text and "1.6" in html.text
    # Times as the county reads them: API answers carry +08:00, the certificate prints Beijing time.
    assert started.endswith("+08:00"), started
    assert all(s["start"].endswith("+08:00") and s["end"].endswith("+08:00") for s in record["services"]), record
    beijing = start.astimezone(timezone(timedelta(hours=8)))
    assert beijing.hour != start.astimezone(UTC).hour  # the check below could tell UTC from Beijing time
    assert f"{beijing:%Y-%m-%d %H:%M}–{beijing + timedelta(minutes=95):%H:%M}" in html.text
    assert "服务时间（北京时间）" in html.text
    # The same certificate as a PDF (WeasyPrint): its text has the name, the issuer and the hours.
    pdf = await w.client.get(f"/volunteers/{v0}/certificate.pdf", params=period, headers=ADMIN)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert all(x in text for x in ("王小红", "勤乐村生态环保志愿服务队", "1.6")), text

    records, events = await events_of(stack, rid, 7)
    assert [e.type for e in events] == [
        "volunteer.request_submitted", "volunteer.request_approved", "volunteer.request_dispatched",
        "volunteer.request_accepted", "volunteer.service_started", "volunteer.service_completed",
        "volunteer.request_rated"]
    assert [e.sequence for e in events] == list(range(1, 8))
    done = events[5].payload
    assert (done.volunteers, done.total_minutes) == (2, 185)  # type: ignore[attr-defined]
    assert done.dispatched_at <= done.accepted_at <= done.completed_at  # type: ignore[attr-defined]
    for r in records:  # no personal data or free text on the bus
        raw = r.value.decode() + "".join(v.decode(errors="replace") for _, v in r.headers)
        assert not any(s in raw for s in ("赵大爷", "13712345678", "清理村口", "很及时", "王小红"))
    _, hours_events = await events_of(stack, v1, 1)
    assert [(e.type, e.payload.minutes) for e in hours_events] == [("volunteer.hours_recorded", 90)]  # type: ignore[attr-defined]


async def test_unaccepted_request_escalates_village_township_county_then_waits_for_a_person(
        world: World, worker: RunningWorker, clock: ShiftedClock, stack: Stack) -> None:
    w = world
    rid = await submit(w)
    nobody = await submit(w, category="legal")  # no team serves it: flagged, not dropped
    await w.post(f"/requests/{rid}/approve")
    await w.post(f"/requests/{nobody}/approve")
    await wait_status(w, rid, "dispatched", team_level="village", team_id=w.ids["t_qinle_eco"])
    await wait_status(w, nobody, "needs_manual_dispatch")

    clock.advance(ACCEPT_TIMEOUT + timedelta(seconds=1))
    await wait_status(w, rid, "dispatched", team_level="township", team_id=w.ids["t_town_eco"])
    clock.advance(ACCEPT_TIMEOUT - timedelta(minutes=1))  # not yet due: nothing happens
    assert await escalate_due(worker.deps) == 0
    clock.advance(timedelta(minutes=1, seconds=1))
    await wait_status(w, rid, "dispatched", team_level="county", team_id=w.ids["t_county_eco"])
    # The township's board names the county team now serving its villager, a team outside its own list.
    listed = await w.get("/requests", headers=OPERATOR, status="dispatched")
    assert [r["team_name"] for r in listed["items"] if r["id"] == rid] == ["民和县生态环保志愿服务总队"]
    own_teams = {t["id"] for t in await w.get("/teams", headers=OPERATOR)}
    assert w.ids["t_town_eco"] in own_teams and w.ids["t_county_eco"] not in own_teams
    clock.advance(ACCEPT_TIMEOUT + timedelta(seconds=1))
    await wait_status(w, rid, "needs_manual_dispatch")
    assert await w.pool.fetchval("SELECT count(*) FROM vol_escalations WHERE request_id = $1::uuid", rid) == 3

    _, events = await events_of(stack, rid, 8)
    assert [e.type.removeprefix("volunteer.") for e in events] == [
        "request_submitted", "request_approved", "request_dispatched", "request_escalated", "request_dispatched",
        "request_escalated", "request_dispatched", "manual_dispatch_needed"]
    levels = [(e.payload.from_level.value, e.payload.to_level.value)  # type: ignore[attr-defined]
              for e in events if e.type == "volunteer.request_escalated"]
    assert levels == [("village", "township"), ("township", "county")]
    assert [e.payload.attempt for e in events if e.type == "volunteer.request_dispatched"] == [1, 2, 3]  # type: ignore[attr-defined]
    assert [e.sequence for e in events] == list(range(1, 9))
    detail = await w.get(f"/requests/{rid}")
    assert [a["action"] for a in detail["audit"]] == ["submit", "approve", "dispatch", "escalate", "escalate",
                                                       "escalate"]
    assert "dispatch" in detail["allowed_actions"] and "grab" in detail["allowed_actions"]
