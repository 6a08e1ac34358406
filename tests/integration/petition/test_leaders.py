"""The workbench's leader and department paths on the real stack: 申请延期 and its decision, the queues,
the inbox by due date, and the window's repeat hint — each with who may and who may not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.integration.petition.conftest import (
    ADMIN,
    OPERATOR,
    OTHER_OPERATOR,
    READER,
    SUPERVISOR,
    Petition,
    decoded,
    handler,
    person,
)

RSJ = handler("rsj")
OTHER = handler("zjj")
ASSIGN = {"department": "rsj", "mode": "assign", "signed_by": "u-leader"}


async def _list(petition: Petition, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await petition.client.get("/matters", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _reply_due(matter: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(next(d["due_at"] for d in matter["deadlines"] if d["kind"] == "reply"))


async def test_extension_request_is_decided_by_the_supervisor_from_the_queue(petition: Petition) -> None:
    mid = (await petition.register())["matter_id"]
    await petition.post(mid, "assign", ADMIN, ASSIGN)
    petition.clock.advance(days=1)
    accepted = await petition.post(mid, "accept", RSJ)
    before = _reply_due(accepted)
    petition.clock.advance(days=3)
    too_long = await petition.post(mid, "extension-request", RSJ, {"days": 31, "reason": "案情复杂"}, status=422)
    assert (too_long["error"]["field"], too_long["error"]["rule"]) == ("days", "max_30_days")
    await petition.post(mid, "extension-request", OTHER, {"days": 10, "reason": "案情复杂"}, status=403)
    await petition.post(mid, "extension-request", OPERATOR, {"days": 10, "reason": "案情复杂"}, status=403)
    asked = await petition.post(mid, "extension-request", RSJ, {"days": 20, "reason": "需调取工资台账"})
    assert asked["extension_request"]["days"] == 20 and asked["extension"] is None
    assert _reply_due(asked) == before

    queue = await _list(petition, SUPERVISOR, queue="extension")
    assert [i["id"] for i in queue["items"]] == [mid]
    assert queue["items"][0]["extension_request_reason"] == "需调取工资台账"
    assert (await _list(petition, OTHER_OPERATOR, queue="extension"))["total"] == 0  # township scope
    for who in (RSJ, ADMIN, OPERATOR, READER):
        await petition.post(mid, "extension-request/decision", who, {"approve": True}, status=403)
    bad = await petition.client.post(f"/matters/{mid}/extension-request/decision", json={"approve": "maybe"},
                                     headers=SUPERVISOR)
    assert bad.status_code == 422

    decided = await petition.post(mid, "extension-request/decision", SUPERVISOR, {"approve": True, "note": "同意"})
    assert decided["extension"]["days"] == 20 and decided["extension_request"] is None
    assert (_reply_due(decided) - before).days == 20
    assert (await _list(petition, SUPERVISOR, queue="extension"))["total"] == 0
    events = decoded(await petition.events(mid, at_least=4))
    assert [e.type for e in events] == ["petition.registered", "petition.assigned", "petition.accepted",
                                        "petition.extended"]
    assert events[-1].payload.extension_days == 20 and "u-supervisor" not in events[-1].payload.model_dump_json()
    audit = (await petition.client.get(f"/matters/{mid}/audit", headers=ADMIN)).json()
    assert [a["action"] for a in audit][-2:] == ["request_extension", "decide_extension"]


async def test_inbox_by_due_date_and_the_leaders_queues(petition: Petition) -> None:
    first = (await petition.register())["matter_id"]
    second = (await petition.register(petitioners=[person(2)]))["matter_id"]
    waiting = (await petition.register(petitioners=[person(3)]))["matter_id"]
    petition.clock.advance(days=1)
    await petition.post(second, "assign", ADMIN, ASSIGN)  # routed first: its acceptance notice falls due first
    petition.clock.advance(days=2)
    await petition.post(first, "assign", ADMIN, ASSIGN)

    inbox = await _list(petition, RSJ, sort="due_asc")
    assert [i["id"] for i in inbox["items"]] == [second, first]
    assert inbox["items"][0]["open_due_at"] <= inbox["items"][1]["open_due_at"]
    assert [i["id"] for i in (await _list(petition, RSJ, sort="due_desc"))["items"]] == [first, second]
    paged = await _list(petition, RSJ, sort="due_asc", limit=1, offset=1)
    assert paged["total"] == 2 and [i["id"] for i in paged["items"]] == [first]
    assert (await _list(petition, OTHER))["total"] == 0  # another department sees nothing of it

    sign_off = await _list(petition, SUPERVISOR, queue="sign_off")
    assert [i["id"] for i in sign_off["items"]] == [waiting]
    assert (await _list(petition, SUPERVISOR, queue="review"))["total"] == 0
    bad = await petition.client.get("/matters", params={"queue": "everything"}, headers=SUPERVISOR)
    assert bad.status_code == 422
    bad = await petition.client.get("/matters", params={"sort": "id; drop table matters"}, headers=SUPERVISOR)
    assert bad.status_code == 422

    petition.clock.advance(days=30)  # everything's route / notice clocks have run out
    overdue = await _list(petition, SUPERVISOR, queue="overdue", sort="due_asc")
    assert set(i["id"] for i in overdue["items"]) == {first, second, waiting}
    await petition.post(waiting, "supervision", SUPERVISOR, {"note": "请尽快转送"})
    supervised = await _list(petition, SUPERVISOR, queue="supervised")
    assert [i["id"] for i in supervised["items"]] == [waiting] and supervised["items"][0]["supervisions"] == 1


async def test_repeat_hint_while_typing_is_scoped_and_for_intake_staff_only(petition: Petition) -> None:
    p = person(4)
    mid = (await petition.register(OPERATOR, petitioners=[p]))["matter_id"]

    async def hint(headers: dict[str, str], status: int = 200, **body: Any) -> Any:
        r = await petition.client.post("/repeat-hints", json=body, headers=headers)
        assert r.status_code == status, r.text
        return r.json()

    hits = await hint(ADMIN, phone=p["phone"], name="别人")
    assert [h["id"] for h in hits] == [mid] and hits[0]["status_zh"] == "已登记"
    assert [h["id"] for h in await hint(OPERATOR, id_number=p["id_number"])] == [mid]
    assert await hint(ADMIN, phone=p["phone"][:7]) == []  # half-typed: nothing, no error
    assert await hint(OTHER_OPERATOR, id_number=p["id_number"]) == []  # another township's matter
    assert await hint(ADMIN, phone=person(5)["phone"]) == []
    for who in (RSJ, READER, SUPERVISOR):
        await hint(who, 403, phone=p["phone"])
    petition.clock.advance(days=10)
    assert await hint(ADMIN, phone=p["phone"], days=5) == []  # outside the look-back window
    assert (await hint(ADMIN, 422, phone=p["phone"], days=0))["error"]["field"].endswith("days")
