"""Register → inspect → major hazard → plan → rectification → re-inspection → penalty → refusal,
with the events on Kafka in order per enterprise, and bad input writing nothing."""

from __future__ import annotations

from datetime import timedelta

from .conftest import ADMIN, OP, PLAN, Safety, credit_code


async def test_bad_credit_code_and_unknown_township_are_422_naming_the_field(safety: Safety) -> None:
    good = credit_code()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    body = {"name": "某厂", "credit_code": bad, "township_code": "990102103000", "industry": "foundry",
            "size": "micro"}
    before = await safety.counts()
    r = await safety.client.post("/enterprises", json=body, headers=OP)
    assert r.status_code == 422
    assert (r.json()["error"]["field"], r.json()["error"]["rule"]) == ("credit_code", "check_character")
    r = await safety.client.post("/enterprises", json={**body, "credit_code": good, "township_code": "990102999000"},
                                 headers=ADMIN)
    assert r.status_code == 422 and r.json()["error"]["field"] == "township_code"
    assert await safety.counts() == before
    ok = await safety.client.post("/enterprises", json={**body, "credit_code": good}, headers=OP)
    assert ok.status_code == 201
    dup = await safety.client.post("/enterprises", json={**body, "credit_code": good}, headers=OP)
    assert dup.status_code == 409 and dup.json()["error"]["field"] == "credit_code"


async def test_failed_reinspection_penalty_refusal_suspends_with_events_in_order(safety: Safety) -> None:
    ent = await safety.register()
    eid = ent["id"]
    insp = await safety.inspect(eid, failed="slopes", level="major")
    assert insp["passed"] is False and len(insp["hazard_ids"]) == 1
    hid = insp["hazard_ids"][0]
    hazard = (await safety.client.get(f"/hazards/{hid}", headers=OP)).json()
    assert (hazard["level"], hazard["status"]) == ("major", "found")

    # A plan missing one of the six parts is refused naming that part, and writes nothing.
    before = await safety.counts()
    partial = {k: v for k, v in PLAN.items() if k != "time_limits"}
    r = await safety.client.post(f"/hazards/{hid}/plan", json={"plan": partial}, headers=OP)
    assert r.status_code == 422
    assert (r.json()["error"]["field"], r.json()["error"]["rule"]) == ("plan.time_limits", "plan_six_parts")
    assert await safety.counts() == before

    safety.clock.advance(timedelta(hours=2))
    assert (await safety.client.post(f"/hazards/{hid}/plan", json={"plan": PLAN}, headers=OP)).status_code == 200
    r = await safety.client.post(f"/hazards/{hid}/rectification", json={"evidence": ["削坡照片 3 张"]}, headers=OP)
    assert r.status_code == 200 and r.json()["status"] == "rectification_reported"
    r = await safety.client.post(f"/hazards/{hid}/reinspection", json={"passed": False, "note": "坡度仍超标"},
                                 headers=OP)
    assert r.json()["status"] == "reinspection_failed" and "penalise" in r.json()["allowed_actions"]

    # Out of the article's range: 422 naming the amount, nothing written.
    before = await safety.counts()
    penalty = {"enterprise_id": eid, "hazard_id": hid, "article": "art102_unit", "decided_at": safety.at(),
               "amount_yuan": 50_001}
    r = await safety.client.post("/penalties", json=penalty, headers=OP)
    assert r.status_code == 422 and r.json()["error"]["field"] == "amount_yuan"
    assert await safety.counts() == before
    r = await safety.client.post("/penalties", json={**penalty, "amount_yuan": 50_000}, headers=OP)
    assert r.status_code == 201, r.text
    pid = r.json()["penalty_id"]
    assert r.json()["publish_due_on"] == "2025-06-11"  # 7 working days after 2 June (端午 holiday)
    due = (await safety.client.get("/penalties/publication-due", headers=OP)).json()
    assert [p["id"] for p in due] == [pid]

    # Penalising again is an illegal transition: 409 listing what is allowed.
    again = await safety.client.post("/penalties", json={**penalty, "amount_yuan": 10_000}, headers=OP)
    assert again.status_code == 409 and again.json()["error"]["rule"] == "state_machine"
    assert "reinspect" in again.json()["error"]["allowed"]

    r = await safety.client.post(f"/penalties/{pid}/refusal", headers=OP)
    assert r.json() == {"enterprise_id": eid, "operating_status": "suspended", "permit_status": "suspended"}
    detail = (await safety.client.get(f"/enterprises/{eid}", headers=OP)).json()
    assert detail["operating_status"] == "suspended" and detail["suspensions"][0]["reason"] == "penalty_refusal"
    assert [h["action"] for h in detail["history"] if h["aggregate_type"] == "enterprise"] == ["register", "suspend"]

    events = await safety.events(eid, at_least=9)
    assert [e.type for e in events] == [
        "safety.enterprise_registered", "safety.inspection_recorded", "safety.hazard_found",
        "safety.rectification_plan_submitted", "safety.rectification_reported", "safety.reinspection_failed",
        "safety.penalty_imposed", "safety.enterprise_suspended", "safety.permit_status_changed"]
    found = events[2].payload
    assert (found.level.value, found.listed_supervision, found.township_code) == ("major", True, "990102103000")
    assert events[6].payload.amount_yuan == 50_000 and events[6].payload.article == "安全生产法第102条"
    assert events[8].payload.to_status.value == "suspended"


async def test_major_hazard_closed_on_passed_reinspection(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    hid = (await safety.inspect(eid, failed="meeting_records"))["hazard_ids"][0]
    r = await safety.client.post(f"/hazards/{hid}/rectification", json={"evidence": ["补记"]}, headers=OP)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "major_hazard_plan_required"
    await safety.client.post(f"/hazards/{hid}/plan", json={"plan": PLAN}, headers=OP)
    await safety.client.post(f"/hazards/{hid}/rectification", json={"evidence": ["补记会议记录"]}, headers=OP)
    r = await safety.client.post(f"/hazards/{hid}/reinspection", json={"passed": True}, headers=OP)
    assert r.json()["status"] == "closed" and r.json()["allowed_actions"] == []
    # Rectifying a closed hazard: 409 naming the state, nothing written.
    before = await safety.counts()
    r = await safety.client.post(f"/hazards/{hid}/rectification", json={"evidence": ["again"]}, headers=OP)
    assert r.status_code == 409 and r.json()["error"]["state"] == "closed"
    assert await safety.counts() == before
    events = await safety.events(eid, at_least=6)
    assert [e.type for e in events] == [
        "safety.enterprise_registered", "safety.inspection_recorded", "safety.hazard_found",
        "safety.rectification_plan_submitted", "safety.rectification_reported", "safety.hazard_rectified"]
    assert events[-1].payload.on_time is True
    assert all(e.subject == eid for e in events)
