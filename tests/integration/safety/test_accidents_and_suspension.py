"""Fatal accident → suspension + permit collected, and no township re-inspection resumes it; a
township's quarry suspension resumed on passed re-inspections; the §113 closure proposal."""

from __future__ import annotations

from datetime import timedelta

from minqing_kit import metrics

from .conftest import ADMIN, JINSHAN, OP, OTHER_OP, QINGSHI, QUARRY_ITEMS, Safety


async def _reinspect_passed(safety: Safety, eid: str) -> str:
    r = await safety.client.post(f"/enterprises/{eid}/inspections", headers=OP, json={
        "kind": "re_inspection", "inspectors": ["js-insp-01"], "inspected_at": safety.at(),
        "results": dict.fromkeys(QUARRY_ITEMS, True)})
    assert r.status_code == 201 and r.json()["passed"] is True
    return str(r.json()["inspection_id"])


async def test_fatal_accident_suspends_collects_permit_and_a_reinspection_does_not_resume(
        safety: Safety) -> None:
    eid = (await safety.register())["id"]
    routine = (await safety.inspect(eid))["inspection_id"]
    counter = metrics.ACCIDENTS_REPORTED.labels(JINSHAN, "larger", "true")
    before_count = counter._value.get()
    safety.clock.advance(timedelta(hours=3))
    r = await safety.client.post(f"/enterprises/{eid}/accidents", headers=OP, json={
        "occurred_at": safety.at(hours=-3), "reported_at": safety.at(hours=-1, minutes=-59),
        "deaths": 3, "serious_injuries": 2, "direct_loss_yuan": 1_200_000})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["grade"], body["late_report"]) == ("larger", True)  # 3 deaths: 较大; reported 61 min after
    assert (body["operating_status"], body["permit_status"]) == ("suspended", "collected")
    assert counter._value.get() == before_count + 1

    # Resuming on the inspection made before the stop, or on a passed township re-inspection after it:
    # 409 naming the county rule, nothing written (the county path: test_county_rulings.py).
    safety.clock.advance(timedelta(days=1))
    before = await safety.counts()
    r = await safety.client.post(f"/enterprises/{eid}/resume", json={"inspection_id": routine}, headers=OP)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "county_resumption_acceptance_required"
    assert await safety.counts() == before

    passed = await _reinspect_passed(safety, eid)
    r = await safety.client.post(f"/enterprises/{eid}/resume", json={"inspection_id": passed}, headers=OP)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "county_resumption_acceptance_required"
    detail = (await safety.client.get(f"/enterprises/{eid}", headers=OP)).json()
    assert (detail["operating_status"], detail["permit_status"]) == ("suspended", "collected")

    events = await safety.events(eid, at_least=6)
    assert [e.type for e in events] == [
        "safety.enterprise_registered", "safety.inspection_recorded", "safety.accident_reported",
        "safety.enterprise_suspended", "safety.permit_status_changed", "safety.inspection_recorded"]
    acc = events[2].payload
    assert (acc.grade.value, acc.late_report, acc.deaths) == ("larger", True, 3)
    assert events[3].payload.reason == "fatal_accident"
    assert events[4].payload.to_status.value == "collected"


async def test_township_quarry_suspension_and_individual_resumption(safety: Safety) -> None:
    q1, q2 = (await safety.register())["id"], (await safety.register())["id"]
    foundry = (await safety.register("foundry"))["id"]
    elsewhere = (await safety.register(township=QINGSHI, headers=OTHER_OP))["id"]
    order = {"township_code": JINSHAN, "industry": "open_pit_quarry"}
    assert (await safety.client.post("/township-suspensions", json=order, headers=OTHER_OP)).status_code == 403
    r = await safety.client.post("/township-suspensions", json=order, headers=OP)
    assert sorted(r.json()["suspended"]) == sorted([q1, q2])
    status = {e: (await safety.client.get(f"/enterprises/{e}", headers=ADMIN)).json()
              for e in (q1, q2, foundry, elsewhere)}
    assert [status[e]["operating_status"] for e in (q1, q2, foundry, elsewhere)] == [
        "suspended", "suspended", "operating", "operating"]
    assert status[q1]["permit_status"] == "collected"
    safety.clock.advance(timedelta(days=3))
    passed = await _reinspect_passed(safety, q1)
    assert (await safety.client.post(f"/enterprises/{q1}/resume", json={"inspection_id": passed},
                                     headers=OP)).status_code == 200
    listed = (await safety.client.get("/enterprises", params={"status": "suspended"}, headers=OP)).json()
    assert [e["id"] for e in listed["items"]] == [q2] and listed["total"] == 1


async def test_third_major_hazard_penalty_within_180_days_proposes_closure(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    outcomes = []
    for _ in range(3):
        r = await safety.client.post("/penalties", headers=OP, json={
            "enterprise_id": eid, "article": "art101_5_unit", "amount_yuan": 80_000, "decided_at": safety.at()})
        assert r.status_code == 201, r.text
        outcomes.append(r.json()["closure_proposed"])
        safety.clock.advance(timedelta(days=60))
    assert outcomes == [False, False, True]
    r = await safety.client.post("/penalties", headers=OP, json={
        "enterprise_id": eid, "article": "art101_5_unit", "amount_yuan": 80_000, "decided_at": safety.at()})
    assert r.json()["closure_proposed"] is False  # raised once
    proposals = (await safety.client.get("/closure-proposals", headers=OP)).json()
    assert [p["id"] for p in proposals] == [eid]
    events = await safety.events(eid, at_least=6)
    closure = [e.payload for e in events if e.type == "safety.closure_proposed"]
    assert len(closure) == 1 and (closure[0].penalties_in_window, closure[0].window_days) == (3, 180)
