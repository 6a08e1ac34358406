"""Bad input gets a clear 4xx and writes nothing; tokens and township scope are enforced; PII is masked."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.integration.volunteer.conftest import (
    ADMIN,
    HONGQI,
    OPERATOR,
    OTHER_OPERATOR,
    QINLE,
    SUPERVISOR,
    ShiftedClock,
    World,
)

REQUEST = {"category": "ecology", "village_code": QINLE, "description": "清理废旧农膜", "urgency": "normal",
           "requester_name": "赵大爷", "requester_phone": "13712345678"}


async def refused(w: World, path: str, body: dict[str, object], status: int, field: str | None,
                  rule: str | None = None) -> dict[str, object]:
    before = await w.counts()
    resp = await w.client.post(path, json=body, headers=ADMIN)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    if field is not None:
        assert error["field"] == field, error
    if rule is not None:
        assert error["rule"] == rule, error
    assert await w.counts() == before, f"{path} wrote something although refused"
    return error  # type: ignore[no-any-return]


async def test_bad_input_is_refused_with_field_and_rule_and_writes_nothing(world: World, clock: ShiftedClock) -> None:
    w = world
    await refused(w, "/requests", {**REQUEST, "village_code": "990102101299"}, 422, "village_code", "known_village")
    await refused(w, "/requests", {**REQUEST, "category": "astrology"}, 422, "category", "one_of")

    rid = (await w.post("/requests", REQUEST, expect=201))["id"]
    await w.post(f"/requests/{rid}/approve")
    v0, v1 = w.ids["v0"], w.ids["v1"]
    now = clock()
    span = {"volunteer_id": v0, "start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    # Completing a request nobody accepted: 409 naming what is allowed.
    error = await refused(w, f"/requests/{rid}/complete", {"spans": [span]}, 409, "status", "state_machine")
    assert set(error["allowed"]) >= {"dispatch", "grab", "cancel"}  # type: ignore[arg-type]
    await refused(w, f"/requests/{rid}/rate", {"stars": 6}, 422, "stars")
    await refused(w, f"/requests/{rid}/rate", {"stars": 0}, 422, "stars")

    await w.post(f"/requests/{rid}/grab", {"team_id": w.ids["t_qinle_eco"]})
    started = (await w.post(f"/requests/{rid}/start"))["started_at"]
    s0 = datetime.fromisoformat(started)
    clock.advance(timedelta(hours=3))
    await refused(w, f"/requests/{rid}/rate", {"stars": 5}, 409, "status", "state_machine")  # not completed yet
    # Two spans of one volunteer that overlap in the same close-out.
    overlapping = [{"volunteer_id": v0, "start": s0.isoformat(), "end": (s0 + timedelta(minutes=60)).isoformat()},
                   {"volunteer_id": v0, "start": (s0 + timedelta(minutes=30)).isoformat(),
                    "end": (s0 + timedelta(minutes=90)).isoformat()}]
    await refused(w, f"/requests/{rid}/complete", {"spans": overlapping}, 409, "spans", "no_overlap_per_volunteer")
    # Time already credited by an activity cannot be credited again by a request.
    activity = {"activity_type": "free_clinic", "title": "忠庄镇义诊", "team_id": w.ids["t_town_eco"],
                "place_code": QINLE, "held_at": (s0 + timedelta(minutes=10)).isoformat(), "organiser": "忠庄镇实践所",
                "participants": [{"volunteer_id": v1, "start": (s0 + timedelta(minutes=10)).isoformat(),
                                  "end": (s0 + timedelta(minutes=70)).isoformat()}]}
    held = await w.post("/activities", activity, expect=201)
    assert held["person_times"] == 1 and held["total_minutes"] == 60
    clash = [{"volunteer_id": v1, "start": s0.isoformat(), "end": (s0 + timedelta(minutes=30)).isoformat()}]
    await refused(w, f"/requests/{rid}/complete", {"spans": clash}, 409, "spans", "no_overlap_per_volunteer")
    # The same activity again would credit v1 twice: refused by the ledger as well.
    await refused(w, "/activities", activity, 409, "spans", "no_overlap_per_volunteer")
    future = [{"volunteer_id": v0, "start": s0.isoformat(), "end": (clock() + timedelta(hours=1)).isoformat()}]
    await refused(w, f"/requests/{rid}/complete", {"spans": future}, 422, "spans", "not_in_future")
    # ... and a valid close-out still goes through afterwards.
    ok = [{"volunteer_id": v0, "start": s0.isoformat(), "end": (s0 + timedelta(minutes=45)).isoformat()}]
    assert (await w.post(f"/requests/{rid}/complete", {"spans": ok}))["status"] == "completed"


async def test_tokens_scope_and_personal_data(world: World) -> None:
    w = world
    rid = (await w.post("/requests", REQUEST, headers=OPERATOR, expect=201))["id"]
    assert (await w.client.get(f"/requests/{rid}")).status_code == 401
    assert (await w.client.post("/requests", json=REQUEST)).status_code == 401
    assert (await w.client.get("/requests", headers={"Authorization": "Bearer not-a-token"})).status_code == 401

    # Another township's operator: 403 on detail, actions, lists and submissions for 忠庄镇.
    assert (await w.client.get(f"/requests/{rid}", headers=OTHER_OPERATOR)).status_code == 403
    assert (await w.client.post(f"/requests/{rid}/approve", headers=OTHER_OPERATOR)).status_code == 403
    assert (await w.client.get("/requests", params={"township_code": "990102101000"},
                               headers=OTHER_OPERATOR)).status_code == 403
    assert (await w.client.post("/requests", json=REQUEST, headers=OTHER_OPERATOR)).status_code == 403
    assert (await w.client.get(f"/volunteers/{w.ids['v0']}", headers=OTHER_OPERATOR)).status_code == 403
    # The certificate PDF: a token, the township's scope and a role that sees personal data.
    period = {"start": "2025-01-01T00:00:00+08:00", "end": "2025-12-31T00:00:00+08:00"}
    pdf = f"/volunteers/{w.ids['v0']}/certificate.pdf"
    assert (await w.client.get(pdf, params=period)).status_code == 401
    assert (await w.client.get(pdf, params=period, headers=OTHER_OPERATOR)).status_code == 403
    refused = await w.client.get(pdf, params=period, headers=SUPERVISOR)
    assert (refused.status_code, refused.json()["error"]["rule"]) == (403, "personal_data"), refused.text
    assert (await w.get("/requests", headers=OTHER_OPERATOR))["total"] == 0
    assert (await w.client.post("/requests", json={**REQUEST, "village_code": HONGQI},
                                headers=OTHER_OPERATOR)).status_code == 201
    # The supervisor reads county-wide but may not act, and sees personal data masked.
    assert (await w.client.post(f"/requests/{rid}/approve", headers=SUPERVISOR)).status_code == 403
    listed = await w.get("/requests", headers=SUPERVISOR, township_code="990102101000", page_size=1)
    assert listed["total"] == 1 and listed["items"][0]["requester_name"] == "赵**"
    assert listed["items"][0]["requester_phone"] == "137****5678"
    assert (await w.get("/requests", headers=ADMIN))["total"] == 2

    volunteer = await w.get(f"/volunteers/{w.ids['v0']}", headers=SUPERVISOR)
    assert (volunteer["name"], volunteer["phone"]) == ("王**", "139****0000")
    assert volunteer["id_number"] == "990102********1234" and volunteer["personal_data_masked"]
    volunteer = await w.get(f"/volunteers/{w.ids['v0']}", headers=OPERATOR)
    assert (volunteer["name"], volunteer["id_number"]) == ("王小红", "990102199001011234")
    stored = await w.pool.fetchrow("SELECT * FROM vol_volunteers WHERE id = $1::uuid", w.ids["v0"])
    assert "王小红" not in str(dict(stored)) and "990102199001011234" not in str(dict(stored))

    detail = await w.get(f"/requests/{rid}", headers=OPERATOR)
    assert detail["requester_name"] == "赵大爷" and detail["audit"][0]["actor"] == "op-zhongzhuang"
    assert detail["allowed_actions"] == ["approve", "cancel", "reject"]
