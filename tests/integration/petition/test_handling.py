"""Handling on the real stack: the full path with its events in order, 409s, objections, accusations."""

from __future__ import annotations

from uuid import UUID

from services.petition.domain.categories import Category, Subcategory
from services.petition.domain.enums import Kind
from tests.integration.petition.conftest import (
    ADMIN,
    READER,
    SUPERVISOR,
    Petition,
    decoded,
    handler,
    matter_body,
    person,
    sh,
)

RSJ = handler("rsj")
ASSIGN = {"department": "rsj", "mode": "assign", "signed_by": "u-leader"}


async def test_full_path_from_intake_to_final_re_review(petition: Petition) -> None:
    receipt = await petition.register()
    mid, code = receipt["matter_id"], receipt["lookup_code"]
    clock = petition.clock
    await petition.post(mid, "assign", ADMIN, ASSIGN)
    clock.advance(days=1)
    await petition.post(mid, "accept", RSJ)
    conflict = await petition.post(mid, "accept", RSJ, status=409)
    assert conflict["error"]["code"] == "illegal_transition"
    assert conflict["error"]["allowed"] == ["add_note", "decide_extension", "extend", "reply", "request_extension",
                                           "supervise"]
    clock.advance(days=2)
    await petition.post(mid, "notes", RSJ, {"text": "约谈用工单位负责人"})
    extended = await petition.post(mid, "extension", RSJ, {"days": 30, "reason": "需第三方审计", "approved_by": "u-head"})
    assert extended["extension"]["days"] == 30
    await petition.post(mid, "extension", RSJ, {"days": 5, "reason": "再延", "approved_by": "u-head"}, status=422)
    clock.advance(days=20)
    await petition.post(mid, "reply", RSJ, {"text": "已督促支付拖欠工资"})
    clock.advance(days=1)
    tail = person(1)["phone"][-4:]
    wrong = await petition.client.post(f"/public/matters/{code}/rating",
                                       json={"phone_tail": "0000", "satisfaction": "satisfied"})
    assert wrong.status_code == 404
    rated = await petition.client.post(f"/public/matters/{code}/rating",
                                       json={"phone_tail": tail, "satisfaction": "dissatisfied"})
    assert rated.status_code == 200, rated.text
    await petition.post(mid, "close", ADMIN, {"note": "已答复"})
    clock.advance(days=2)
    await petition.post(mid, "review", ADMIN, {"reason": "金额不对"})
    await petition.post(mid, "review/decision", ADMIN, {"outcome": "upheld", "opinion": "维持原答复"})
    public_rr = await petition.client.post(f"/public/matters/{code}/re-review",
                                           json={"phone_tail": tail, "reason": "仍不服"})
    assert public_rr.status_code == 200, public_rr.text
    final = await petition.post(mid, "re-review/decision", ADMIN, {"outcome": "upheld", "opinion": "维持"})
    assert final["status"] == "final" and final["allowed_actions"] == []

    expected = ["petition.registered", "petition.assigned", "petition.accepted", "petition.extended",
                "petition.replied", "petition.rated", "petition.closed", "petition.review_requested",
                "petition.review_decided", "petition.review_requested", "petition.review_decided"]
    events = decoded(await petition.events(mid, at_least=len(expected)))
    assert [e.type for e in events] == expected
    assert [e.sequence for e in events] == list(range(1, len(expected) + 1))
    assert events[3].payload.extension_days == 30 and events[-1].payload.final is True
    assert all(e.payload.department == "rsj" for e in events[1:])

    audit = (await petition.client.get(f"/matters/{mid}/audit", headers=ADMIN)).json()
    assert [a["action"] for a in audit][:3] == ["register", "assign", "accept"]
    assert audit[1]["actor"] == "u-officer" and audit[2]["actor"] == "u-rsj"

    lookup = await petition.client.get(f"/public/matters/{code.lower()}")
    assert lookup.status_code == 200
    text = lookup.text
    assert "约谈" not in text and person(1)["name"] not in text and "u-rsj" not in text
    assert [t["action"] for t in lookup.json()["timeline"]][-1] == "decide_re_review"
    # The citizen reads the ledger's Chinese words, not the codes (issue 18).
    assert all(t["label_zh"] for t in lookup.json()["timeline"])
    assert {k: lookup.json()[k] for k in ("kind_zh", "category_zh", "subcategory_zh")} == {
        "kind_zh": Kind(lookup.json()["kind"]).label_zh, "category_zh": Category(lookup.json()["category"]).label_zh,
        "subcategory_zh": Subcategory(lookup.json()["subcategory"]).label_zh}
    assert all("\u4e00" <= ch <= "\u9fff" for k in ("kind_zh", "category_zh") for ch in lookup.json()[k][:1])
    # §36: the same facts are not accepted again after 复核.
    again = await petition.client.post("/matters", json=matter_body(content="又来了"), headers=ADMIN)
    assert again.status_code == 422 and again.json()["error"]["rule"] == "final_after_re_review"


async def test_objection_within_five_working_days_across_national_day(petition: Petition) -> None:
    petition.clock.set(sh(2025, 9, 29))
    first = (await petition.register())["matter_id"]
    second = (await petition.register(petitioners=[person(5)]))["matter_id"]
    petition.clock.set(sh(2025, 9, 30))
    for mid in (first, second):
        await petition.post(mid, "assign", ADMIN, ASSIGN)
    # Oct 1–8 are holidays, Sat Oct 11 is a working day: the 5th working day is Tue Oct 14.
    petition.clock.set(sh(2025, 10, 14, 17))
    back = await petition.post(first, "objection", RSJ, {"reason": "不属于本部门职责"})
    assert back["status"] == "registered" and back["department"] is None
    petition.clock.set(sh(2025, 10, 15, 9))
    late = await petition.post(second, "objection", RSJ, {"reason": "不属于本部门职责"}, status=422)
    assert late["error"]["rule"] == "objection_window"
    events = decoded(await petition.events(first, at_least=3))
    assert events[2].type == "petition.returned" and events[2].payload.department == "rsj"
    rounds = await petition.sql("SELECT round, department, returned_at FROM assignments WHERE matter_id = $1",
                                UUID(first))
    assert len(rounds) == 1 and rounds[0]["returned_at"] is not None


async def test_accusation_is_never_shown_to_the_accused_department(petition: Petition) -> None:
    mid = (await petition.register(kind="accusation", category="grassroots", subcategory="cadre_conduct",
                                   accused_department="zjj"))["matter_id"]
    refused = await petition.post(mid, "assign", ADMIN, {"department": "zjj", "mode": "assign",
                                                          "signed_by": "u-leader"}, status=422)
    assert refused["error"]["rule"] == "not_to_accused_department"
    await petition.post(mid, "assign", ADMIN, {"department": "gaj", "mode": "assign", "signed_by": "u-leader"})
    accused = handler("zjj")
    assert (await petition.client.get(f"/matters/{mid}", headers=accused)).status_code == 403
    assert (await petition.client.get(f"/matters/{mid}/audit", headers=accused)).status_code == 403
    assert (await petition.client.get("/matters", headers=accused)).json()["total"] == 0
    assert (await petition.client.get(f"/matters/{mid}", headers=READER)).status_code == 403
    assert (await petition.client.get("/matters", headers=READER)).json()["total"] == 0
    assert (await petition.client.get(f"/matters/{mid}", headers=handler("gaj"))).status_code == 200
    assert (await petition.client.get("/matters", headers=handler("gaj"))).json()["total"] == 1
    assert (await petition.client.get(f"/matters/{mid}", headers=SUPERVISOR)).status_code == 200
    accepted = await petition.post(mid, "accept", handler("gaj"))
    assert accepted["status"] == "accepted"
