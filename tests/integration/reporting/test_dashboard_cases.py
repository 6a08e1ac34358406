"""Issue 18 through the real worker: the dashboard's rows name what they are and link to the case, a 较大
accident raises the alert with its deaths, the volunteer backlog shows, and a month with one day of data
is not compared with.

The scenario's own events (tests/integration/reporting/scenario.py) are produced unchanged; this test adds
its own events for the same township and month, so the scenario's expected figures stay as they are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from devstack.stack import Stack
from minqing_contract import encode
from minqing_contract.events import petition as pe
from minqing_contract.events import safety as se
from minqing_contract.events import volunteer as ve
from services.reporting.entrypoints.api import create_reporting_app
from services.reporting.entrypoints.worker import running_worker
from services.reporting.settings import ReportingSettings
from tests.integration.conftest import asgi_client

from .scenario import build
from .test_reporting import SUPERVISOR, caught_up, produce

pytestmark = pytest.mark.timeout(180)


async def test_the_dashboard_leads_to_the_case_and_raises_the_accident_alert(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings, pool = env
    monkeypatch.setenv("MINQING_REPORTING_PETITION_CASE_URL", "http://petition.test/")
    s = build(seed)
    t = s.township
    now = s.now
    ent, hazard, accident, matter, request = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()

    def company(cls: type[Any], **extra: Any) -> Any:
        return cls(township_code=t, occurred_at=extra.pop("occurred_at", s.t0), enterprise_id=ent,
                   industry="fireworks", **extra)

    own = [
        company(se.EnterpriseRegistered, size="small", permit_status="valid", operating_status="operating",
                enterprise_name="闽清某烟花厂"),
        company(se.HazardFound, hazard_id=hazard, level="general", listed_supervision=False, found_at=s.t0,
                deadline=now - timedelta(days=2)),
        company(se.HazardOverdue, occurred_at=now - timedelta(days=2), hazard_id=hazard, level="general",
                found_at=s.t0, deadline=now - timedelta(days=2)),
        company(se.AccidentReported, occurred_at=now - timedelta(days=3), accident_id=accident,
                accident_occurred_at=now - timedelta(days=3), reported_at=now - timedelta(days=3),
                deaths=4, serious_injuries=2, direct_loss_yuan=3_000_000, grade="larger", late_report=False),
        pe.DeadlineApproaching(township_code=t, occurred_at=now - timedelta(days=1), matter_id=matter,
                               channel="letter", kind="claim", category="poverty_relief",
                               subcategory="minimum_living", headcount=1, is_group_visit=False,
                               department="rsj", registered_at=s.t0, deadline="reply",
                               due_at=now + timedelta(days=2)),
        ve.ManualDispatchNeeded(township_code=t, occurred_at=now - timedelta(hours=3), request_id=request,
                                village_code=t[:9] + "201", category="ecology", submitted_at=now - timedelta(hours=4),
                                flagged_at=now - timedelta(hours=3)),
    ]
    await produce(stack.kafka_admin, s.records + [encode(x, source="/minqing/test", sequence=100 + i)
                                                for i, x in enumerate(own)])
    app = create_reporting_app(clock=s.clock)
    async with asgi_client(app) as client:
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        board = (await client.get("/api/dashboard", params={"township": t})).json()

        # The scenario's overdue matter: its category and department by name, a link to the matter.
        [petition] = board["overdue"]["petitions"]
        matter_c = petition["key"].split(":")[0]
        assert petition["url"] == f"http://petition.test/matters/{matter_c}"
        assert (petition["category_zh"], petition["deadline_zh"]) == ("民生改善", "转送交办")
        assert "petitioners" not in petition
        # Two overdue hazards: the scenario's (an enterprise registered without a name: its industry) and ours.
        hazards = {h["case_id"]: h for h in board["overdue"]["hazards"]}
        mine = hazards[str(hazard)]
        assert mine["url"] == f"/safety/hazards/{hazard}"
        assert (mine["enterprise_name"], mine["industry_zh"], mine["level_zh"]) == ("闽清某烟花厂", "烟花爆竹", "一般隐患")
        assert [h["enterprise_name"] for h in hazards.values() if h["case_id"] != str(hazard)] == [None]

        [soon] = board["due_soon"]["petitions"]
        assert (soon["case_id"], soon["category_zh"], soon["department_zh"]) == (
            str(matter), "扶贫帮困", "县人力资源和社会保障局")

        # The accidents panel and the alert: the scenario's 一般 accident and our 较大 one.
        grades = {g["grade"]: g for g in board["accidents"]["grades"]}
        assert (grades["ordinary"]["count"], grades["ordinary"]["serious_injuries"]) == (1, 1)
        assert (grades["larger"]["count"], grades["larger"]["deaths"], grades["larger"]["serious_injuries"]) == (1, 4, 2)
        alert = board["accident_alert"]
        assert alert is not None and (alert["level"], alert["count"], alert["deaths"]) == ("larger", 1, 4)
        assert "闽清某烟花厂发生较大事故，死亡4人、重伤2人" in alert["text_zh"]

        # 民情台账: the scenario's three matters are 民生改善; the six headings in order.
        assert [(r["zh"], r["count"]) for r in board["categories"]["rows"]] == [
            ("经济发展", 0), ("民生改善", 3), ("社会矛盾", 0), ("生产经营", 0), ("扶贫帮困", 0), ("基层组织", 0)]
        # Volunteer: one request awaits manual dispatch; the scenario's rating (5 stars) and dispatch (25 min).
        v = board["volunteer"]
        assert (v["awaiting_manual_dispatch"], v["average_stars"], v["rated"]) == (1, 5.0, 1)
        assert v["dispatched"] == 1 and 15 < v["dispatch_minutes_p50"] <= 30

        # The month is provisional on its last evening; the month before holds no data: no comparison.
        ranking = board["ranking"]
        assert ranking["provisional"] is True
        assert ranking["comparison"]["available"] is False and ranking["comparison"]["note_zh"].startswith("上月数据不完整")
        assert all(r["rank_change"] is None for r in ranking["rows"])
        api = (await client.get(f"/api/rankings/monthly/{s.month}", headers=SUPERVISOR)).json()
        assert api["comparison"]["available"] is False and api["provisional"] is True

        # The open-list API gives the same rows, the enterprise named.
        listed = (await client.get("/api/overdue/hazards", params={"township": t}, headers=SUPERVISOR)).json()
        assert {(h["case_id"], h["enterprise_name"]) for h in listed["items"]} == {
            (str(hazard), "闽清某烟花厂"), *((k, None) for k in hazards if k != str(hazard))}
