"""The liaison service end to end on real PostgreSQL and Kafka: stationing → presence → the week closed
by the worker's timer; household → pairing → card → visit → problem_raised on the topic, with the
household's personal data encrypted at rest and absent from every byte on the bus."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from prometheus_client import REGISTRY

from devstack.stack import Stack
from minqing_contract import decode
from minqing_contract.events.liaison import ProblemRaised
from services.liaison.entrypoints.worker import RunningWorker
from tests.integration.conftest import eventually, read_topic
from tests.integration.liaison.conftest import ADMIN, CADRE, OTHER_OPERATOR, QINLE, ZHONGZHUANG, World

TOPIC = "minqing.liaison.events"


async def _true(value: bool) -> bool:
    return value
HEAD_NAME, HEAD_ID, HEAD_PHONE = "王大山", "990102195001010011", "13812345678"


def _unique_id_number() -> str:
    # a fresh head per test run: the pseudonym (and so the household) is unique per ID number
    return "9901021950" + f"{uuid.uuid4().int % 10**8:08d}"


async def _household(w: World, id_number: str) -> dict[str, Any]:
    body = {"village_code": QINLE, "income_band": "below_4k", "needs": ["自来水入户"],
            "members": [{"name": HEAD_NAME, "relation": "户主", "employment": "farming", "id_number": id_number,
                         "phone": HEAD_PHONE},
                        {"name": "李秀英", "relation": "配偶", "employment": "migrant_work"}]}
    return dict(await w.call("POST", "/households", body, expect=201))


async def test_stationed_cadre_week_is_closed_by_the_timer_and_published(world: World, worker: RunningWorker,
                                                                        stack: Stack) -> None:
    w = world
    s = await w.call("POST", "/stationings", {"cadre_id": "cadre-li", "village_code": QINLE,
                                              "starts_on": "2026-03-02"}, expect=201)
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        await w.call("POST", "/presence", {"day": day, "status": "in_village"}, headers=CADRE, expect=201)
    bad = await w.client.post("/presence", json={"day": "2026-03-04", "status": "on_leave"}, headers=CADRE)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "note", bad.text
    other = await w.client.post("/presence", json={"day": "2026-03-04", "status": "in_village"},
                                headers=OTHER_OPERATOR)
    assert other.status_code == 404  # no stationing of that cadre covers the day
    await w.call("POST", "/weekly-reports", {"week_start": "2026-03-02", "text": "走访 3 户，核实低保户信息"},
                 headers=CADRE, expect=201)
    week = await w.call("GET", "/stationings/this-week", headers=ADMIN)
    [mine] = [i for i in week["items"] if i["id"] == s["id"]]
    assert (mine["required_days"], mine["in_village_days"], mine["working_days_left"]) == (4, 3, 2)
    assert mine["short"] and not mine["cannot_meet"]
    assert mine["cadre_name"] is None  # no work contact registered (the e2e shows a registered name)

    w.clock.advance(timedelta(days=5))  # Monday 9 March: the week of 2 March has ended
    async def closed() -> Any:
        return await w.pool.fetchrow("SELECT * FROM lia_weeks WHERE stationing_id = $1::uuid", s["id"])
    row = await eventually(closed, timeout=20, message="week closed by the timer")
    assert (row["required_days"], row["in_village_days"], row["met"], row["short_streak"]) == (4, 3, False, 1)
    def short_gauge(weeks: str) -> float:
        return REGISTRY.get_sample_value("minqing_liaison_cadres_short", {"township": ZHONGZHUANG, "weeks": weeks}) or 0
    await eventually(lambda: _true(short_gauge("1") >= 1), timeout=10, message="short gauge refreshed")
    late = await w.client.post("/presence", json={"day": "2026-03-05", "status": "in_village"}, headers=CADRE)
    assert late.status_code == 409 and late.json()["error"]["rule"] == "week_closed"

    report = await w.call("POST", "/misconduct", {"stationing_id": s["id"], "prohibition": "gifts",
                                                  "description": "村民张某反映其收受烟酒"}, expect=201)
    await w.call("POST", f"/misconduct/{report['id']}/follow-ups", {"status": "investigating", "note": "约谈张某"},
                 expect=201)
    async def seen_by(who: dict[str, str]) -> Any:
        return next(i for i in (await w.call("GET", "/misconduct", headers=who))["items"] if i["id"] == report["id"])
    admin_view = await seen_by(ADMIN)
    assert admin_view["description"] == "村民张某反映其收受烟酒" and not admin_view["text_withheld"]
    accused = await seen_by(CADRE)  # the cadre the report is about sees that it exists, not who said what
    assert accused["text_withheld"] and accused["description"] is None and "note" not in accused["follow_ups"][0]

    records = await read_topic(stack.kafka_admin, TOPIC, at_least=6, timeout=30,
                               predicate=lambda r: r.key == s["id"].encode())
    events = [decode(r.key, r.value, r.headers) for r in records]
    assert [e.type for e in events] == ["liaison.cadre_stationed"] + ["liaison.presence_recorded"] * 3 + [
        "liaison.weekly_report_submitted", "liaison.week_closed"]
    assert [e.sequence for e in events] == list(range(1, 7))
    assert not any(b"cadre-li" in r.value for r in records)  # the cadre travels as a pseudonym
    assert all(b"\xe8\xb5\xb0\xe8\xae\xbf" not in r.value for r in records)  # nor the report's text (走访)


async def test_household_visit_raises_a_problem_with_no_personal_data_on_the_bus(world: World, stack: Stack) -> None:
    w = world
    id_number = _unique_id_number()
    await w.call("PUT", "/cadres/me", {"township_code": ZHONGZHUANG, "name": "李干部", "work_phone": "0472-8123456",
                                       "email": "li@zhongzhuang.gov.example"}, headers=CADRE)
    h = await _household(w, id_number)
    dup = await w.client.post("/households", json={"village_code": QINLE, "income_band": "below_4k", "members": [
        {"name": "王", "relation": "户主", "employment": "farming", "id_number": id_number}]}, headers=ADMIN)
    assert dup.status_code == 409 and dup.json()["error"]["rule"] == "unique_household"
    stored = await w.pool.fetchrow("SELECT members_enc FROM lia_households WHERE id = $1::uuid", h["id"])
    assert HEAD_NAME not in stored["members_enc"] and id_number not in stored["members_enc"]
    assert h["members"][0]["name"] == HEAD_NAME  # a township operator sees personal data
    forbidden = await w.client.get(f"/households/{h['id']}", headers=OTHER_OPERATOR)
    assert forbidden.status_code == 403

    await w.call("POST", f"/households/{h['id']}/plan", {"title": "自来水入户", "due_on": "2026-06-30"}, expect=201)
    await w.call("POST", f"/households/{h['id']}/pairing", {"cadre_id": "cadre-li"})
    card = await w.call("GET", f"/households/{h['id']}/card")
    assert (card["card_no"], card["cadre_name"], card["pledged"]) == (1, "李干部", ["自来水入户"])
    page = await w.client.get(f"/households/{h['id']}/card/print", headers=ADMIN)
    assert page.status_code == 200 and "干群联系卡" in page.text and "0472-8123456" in page.text

    visit = await w.call("POST", f"/households/{h['id']}/visits", {
        "visited_on": "2026-03-04", "seen": f"{HEAD_NAME}家屋顶漏雨", "said": f"电话 {HEAD_PHONE}，希望尽快通水",
        "help_given": "联系水务站",
        "problems": [{"category": "livelihood", "subcategory": "drinking_water",
                      "description": f"{HEAD_NAME}（{id_number}）家停水一周"},
                     {"category": "dispute", "subcategory": "neighbour_dispute", "description": "已当场调解",
                      "needs_handling": False}]}, headers=CADRE, expect=201)
    wrong = await w.client.post(f"/households/{h['id']}/visits", json={
        "visited_on": "2026-03-04", "seen": "s", "said": "s",
        "problems": [{"category": "dispute", "subcategory": "medical", "description": "x"}]}, headers=CADRE)
    assert wrong.status_code == 422 and wrong.json()["error"]["rule"] == "subcategory_of_category"

    records = await read_topic(stack.kafka_admin, TOPIC, at_least=2, timeout=30,
                               predicate=lambda r: r.key == visit["id"].encode())
    events = {decode(r.key, r.value, r.headers).type: decode(r.key, r.value, r.headers) for r in records}
    assert set(events) == {"liaison.visit_recorded", "liaison.problem_raised"}
    raised = events["liaison.problem_raised"].payload
    assert isinstance(raised, ProblemRaised)
    assert (raised.village_code, raised.subcategory, str(raised.visit_id)) == (QINLE, "drinking_water", visit["id"])
    household_records = await read_topic(stack.kafka_admin, TOPIC, at_least=3, timeout=30,
                                         predicate=lambda r: r.key == h["id"].encode())
    for r in [*records, *household_records]:
        raw = r.value + b"".join(v for _, v in r.headers)
        for secret in (HEAD_NAME, "李秀英", id_number, HEAD_PHONE, "李干部", "0472-8123456"):
            assert secret.encode() not in raw, (secret, r.value)


