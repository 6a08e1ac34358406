"""回头看 in bulk (all or nothing), authentication and township scope."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from .conftest import ADMIN, JINSHAN, OP, OTHER_OP, READER, Safety


async def test_follow_up_lists_due_hazards_and_records_them_in_bulk(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    h1 = (await safety.inspect(eid, failed="slopes", level="general", deadline_days=3))["hazard_ids"][0]
    h2 = (await safety.inspect(eid, failed="staff_roster", level="general", deadline_days=4))["hazard_ids"][0]
    late = (await safety.inspect(eid, failed="meeting_records", level="general", deadline_days=60))["hazard_ids"][0]
    start = safety.clock()
    safety.clock.advance(timedelta(days=5))
    period = {"township_code": JINSHAN, "start": start.isoformat(), "end": safety.at(days=1)}
    due = (await safety.client.get("/follow-ups/due", params=period, headers=OP)).json()
    assert [h["id"] for h in due] == [h1, h2]  # the one due in 60 days is not in this period
    assert all(h["overdue"] for h in due)

    lines = [{"hazard_id": h1, "passed": True, "inspected_at": safety.at()},
             {"hazard_id": late, "passed": False, "inspected_at": safety.at()}]
    before = await safety.counts()
    r = await safety.client.post("/follow-ups", json={**period, "results": lines}, headers=OP)
    assert r.status_code == 422 and r.json()["error"]["field"] == "results[1].hazard_id"
    assert await safety.counts() == before  # the good first line was not recorded either

    lines[1]["hazard_id"] = h2
    r = await safety.client.post("/follow-ups", json={**period, "results": lines}, headers=OP)
    assert r.status_code == 200, r.text
    assert (r.json()["closed"], r.json()["failed"]) == ([h1], [h2])
    statuses = {h: (await safety.client.get(f"/hazards/{h}", headers=OP)).json()["status"] for h in (h1, h2, late)}
    assert statuses == {h1: "closed", h2: "reinspection_failed", late: "found"}
    assert await safety.fetchval("SELECT count(*) FROM reinspections WHERE campaign_id = $1",
                                 r.json()["campaign_id"]) == 2


async def test_401_without_token_403_outside_township_and_for_readers(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    assert (await safety.client.get("/enterprises")).status_code == 401
    assert (await safety.client.post("/enterprises", json={})).status_code == 401
    r = await safety.client.get(f"/enterprises/{eid}", headers=OTHER_OP)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "scope"
    before = await safety.counts()
    r = await safety.client.post(f"/enterprises/{eid}/inspections", headers=OTHER_OP, json={
        "inspectors": ["qs-1"], "inspected_at": safety.at(), "results": {}})
    assert r.status_code == 403
    assert (await safety.client.get("/hazards", params={"township_code": JINSHAN}, headers=OTHER_OP)).status_code == 403
    assert (await safety.client.get("/enterprises", headers=OTHER_OP)).json()["total"] == 0
    r = await safety.client.post(f"/enterprises/{eid}/accidents", headers=READER, json={
        "occurred_at": safety.at(), "reported_at": safety.at(), "deaths": 1, "serious_injuries": 0,
        "direct_loss_yuan": 0})
    assert r.status_code == 403 and r.json()["error"]["rule"] == "role"
    assert await safety.counts() == before
    # Readers see their township, with the legal representative masked; the county sees everything.
    assert (await safety.client.get("/enterprises", headers=READER)).json()["total"] == 1
    assert (await safety.client.get("/enterprises", headers=ADMIN)).json()["total"] == 1
    assert (await safety.client.get(f"/hazards/{uuid4()}", headers=ADMIN)).status_code == 404
    checklist = (await safety.client.get("/checklists/foundry", headers=READER)).json()
    assert [i["code"] for i in checklist["items"]] == ["protective_gear", "mobile_equipment_wiring", "lifting_gear"]


async def test_legal_representative_is_encrypted_at_rest_and_masked_for_readers(safety: Safety) -> None:
    eid = (await safety.register(legal_representative="张三丰", legal_representative_phone="13800001234"))["id"]
    stored = await safety.fetchval("SELECT legal_rep_name_enc FROM enterprises")
    assert stored and "张三丰" not in stored
    assert (await safety.client.get(f"/enterprises/{eid}", headers=OP)).json()["legal_representative"] == "张三丰"
    masked = (await safety.client.get(f"/enterprises/{eid}", headers=READER)).json()
    assert (masked["legal_representative"], masked["legal_representative_phone"]) == ("张**", "138****1234")
