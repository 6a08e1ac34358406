"""Issue 18 on the real stack (PostgreSQL, Kafka through the outbox): a fatal accident's 复产 needs the
investigation closed and a county 复产验收; a §113 proposal decided by the county closes the
enterprise and revokes its permit; publishing a penalty decision is an event."""

from __future__ import annotations

from datetime import timedelta

from .conftest import ADMIN, JINSHAN, OP, QUARRY_ITEMS, Safety


async def test_fatal_accident_resumes_only_after_investigation_closed_and_county_acceptance(
        safety: Safety) -> None:
    eid = (await safety.register())["id"]
    safety.clock.advance(timedelta(hours=2))
    r = await safety.client.post(f"/enterprises/{eid}/accidents", headers=OP, json={
        "occurred_at": safety.at(hours=-1), "reported_at": safety.at(minutes=-30),
        "deaths": 1, "serious_injuries": 0, "direct_loss_yuan": 300_000})
    assert r.status_code == 201 and r.json()["operating_status"] == "suspended", r.text
    accident = r.json()["accident_id"]

    # One passing township re-inspection does NOT resume.
    safety.clock.advance(timedelta(days=2))
    r = await safety.client.post(f"/enterprises/{eid}/inspections", headers=OP, json={
        "kind": "re_inspection", "inspectors": ["js-insp-01"], "inspected_at": safety.at(),
        "results": dict.fromkeys(QUARRY_ITEMS, True)})
    assert r.status_code == 201 and r.json()["passed"] is True
    r = await safety.client.post(f"/enterprises/{eid}/resume", headers=OP,
                                 json={"inspection_id": r.json()["inspection_id"]})
    assert r.status_code == 409 and r.json()["error"]["rule"] == "county_resumption_acceptance_required"

    # The county's acceptance cannot pass while the investigation is open; nothing is written.
    before = await safety.counts()
    acceptance = {"passed": True, "checked_at": safety.at(), "inspectors": ["county-insp-01"], "note": "整改到位"}
    r = await safety.client.post(f"/enterprises/{eid}/resumption-acceptances", headers=ADMIN, json=acceptance)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "investigation_closed_required", r.text
    assert await safety.counts() == before

    # A township station may neither close the investigation nor accept the resumption.
    investigation = {"conclusion": "违章爆破致边坡坍塌，认定为责任事故；整改措施：重新设计台阶", "nature": "liability"}
    r = await safety.client.post(f"/accidents/{accident}/investigation", headers=OP, json=investigation)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "county_level"
    r = await safety.client.post(f"/enterprises/{eid}/resumption-acceptances", headers=OP, json=acceptance)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "county_level"
    assert await safety.counts() == before
    r = await safety.client.post(f"/accidents/{accident}/investigation", headers=ADMIN,
                                 json={**investigation, "nature": "bad\x00"})
    assert r.status_code == 422

    safety.clock.advance(timedelta(days=40))
    r = await safety.client.post(f"/accidents/{accident}/investigation", headers=ADMIN, json=investigation)
    assert r.status_code == 200, r.text
    assert r.json()["investigation_nature"] == "liability" and r.json()["investigation_closed_at"]
    r = await safety.client.post(f"/accidents/{accident}/investigation", headers=ADMIN, json=investigation)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "once"

    safety.clock.advance(timedelta(days=5))
    r = await safety.client.post(f"/enterprises/{eid}/resumption-acceptances", headers=ADMIN,
                                 json={**acceptance, "passed": False, "checked_at": safety.at(hours=-2)})
    assert r.status_code == 201 and r.json()["operating_status"] == "suspended"
    safety.clock.advance(timedelta(days=3))
    r = await safety.client.post(f"/enterprises/{eid}/resumption-acceptances", headers=ADMIN,
                                 json={**acceptance, "checked_at": safety.at(hours=-1)})
    assert r.status_code == 201, r.text
    assert (r.json()["operating_status"], r.json()["permit_status"]) == ("operating", "valid")
    passed_id = r.json()["acceptance_id"]
    detail = (await safety.client.get(f"/enterprises/{eid}", headers=ADMIN)).json()
    assert detail["suspensions"][-1]["resumed_on_acceptance"] == passed_id
    assert [a["passed"] for a in detail["resumption_acceptances"]] == [False, True]
    assert await safety.fetchval("SELECT investigation_closed_by FROM accidents WHERE id = $1::uuid",
                                 accident) == "county-brigade"

    events = await safety.events(eid, at_least=10)
    assert [e.type for e in events] == [
        "safety.enterprise_registered", "safety.accident_reported", "safety.enterprise_suspended",
        "safety.permit_status_changed", "safety.inspection_recorded", "safety.accident_investigation_closed",
        "safety.resumption_acceptance_recorded", "safety.resumption_acceptance_recorded",
        "safety.enterprise_resumed", "safety.permit_status_changed"]
    closed = events[5].payload
    assert (str(closed.accident_id), closed.nature.value, closed.days_from_occurrence) == (accident, "liability", 42)
    assert [events[6].payload.passed, events[7].payload.passed] == [False, True]
    assert events[9].payload.to_status.value == "valid"
    assert all("违章" not in e.payload.model_dump_json() for e in events)  # the conclusion stays home


async def test_closure_proposal_approved_closes_revokes_and_publishes(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    for _ in range(3):
        r = await safety.client.post("/penalties", headers=OP, json={
            "enterprise_id": eid, "article": "art101_5_unit", "amount_yuan": 80_000, "decided_at": safety.at()})
        assert r.status_code == 201, r.text
        safety.clock.advance(timedelta(days=30))
    assert r.json()["closure_proposed"] is True
    penalty = r.json()["penalty_id"]

    decision = {"approve": True, "reason": "闽县政〔2025〕12号：予以关闭"}
    r = await safety.client.post(f"/closure-proposals/{eid}/decision", headers=OP, json=decision)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "county_government"
    r = await safety.client.post(f"/closure-proposals/{eid}/decision", headers=ADMIN, json=decision)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["operating_status"], body["permit_status"]) == ("closed", "revoked")
    assert body["closure_decisions"][0]["approved"] is True and body["closure_decisions"][0]["reason"] == \
        decision["reason"]
    r = await safety.client.post(f"/closure-proposals/{eid}/decision", headers=ADMIN, json=decision)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "closure_proposal_pending"

    # Publishing the last decision, 30 days after it: an event, late against §78's 7 working days.
    r = await safety.client.post(f"/penalties/{penalty}/publication", headers=OP)
    assert r.status_code == 200 and r.json()["on_time"] is False, r.text
    r = await safety.client.post(f"/penalties/{penalty}/publication", headers=OP)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "once"

    events = await safety.events(eid, at_least=9)
    tail = [e.type for e in events][-5:]
    assert tail == ["safety.closure_proposed", "safety.closure_decided", "safety.enterprise_closed",
                    "safety.permit_status_changed", "safety.penalty_published"]
    decided, closed, permit, published = (e.payload for e in events[-4:])
    assert decided.approved is True and closed.basis == "安全生产法第113条"
    assert (permit.from_status.value, permit.to_status.value) == ("valid", "revoked")
    assert (str(published.penalty_id), published.on_time) == (penalty, False)
    assert published.published_at > published.publish_due_at


async def test_penalty_published_in_time_is_an_on_time_event(safety: Safety) -> None:
    eid = (await safety.register())["id"]
    r = await safety.client.post("/penalties", headers=OP, json={
        "enterprise_id": eid, "article": "art101_5_unit", "amount_yuan": 50_000, "decided_at": safety.at()})
    penalty = r.json()["penalty_id"]
    safety.clock.advance(timedelta(days=1))
    r = await safety.client.post(f"/penalties/{penalty}/publication", headers=OP)
    assert r.status_code == 200 and r.json()["on_time"] is True
    events = await safety.events(eid, at_least=3)
    assert [e.type for e in events] == ["safety.enterprise_registered", "safety.penalty_imposed",
                                        "safety.penalty_published"]
    assert events[-1].payload.on_time is True and events[-1].payload.township_code == JINSHAN
