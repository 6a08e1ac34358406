"""Every safety command through the bus, on the in-memory unit of work (no I/O).

What they prove: the handlers have the one signature with their deps bound by name; the unit of work
saves what changed and publishes every aggregate's events in the order the domain recorded them, with
no handler listing events by hand; a refused command saves and publishes nothing; scope goes through
the one actor. (The county's rulings are in `test_rulings_handlers.py`.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from minqing_contract.divisions import load_county
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from minqing_kit.workdays import WorkdayCalendar
from services.safety.domain.enums import HazardStatus, OperatingStatus
from services.safety.service_layer import commands as cmd
from services.safety.service_layer.bus import HANDLERS

from .fakes import FakeSafetyUnitOfWork

COUNTY = load_county()
TOWN = "990102103000"  # 金山镇
OTHER_TOWN = next(t.code for t in COUNTY.townships if t.code != TOWN)
ITEMS = ("blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records")
PLAN = {"objectives": "消除边坡隐患", "methods": "削坡减载", "funding_and_materials": "20万元",
        "organisation_and_staff": "矿长牵头", "time_limits": "30日内", "safety_and_emergency": "设警戒区，备预案"}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OP = Actor.person(Principal("js-op", Role.TOWNSHIP_OPERATOR, TOWN))
OUTSIDER = Actor.person(Principal("other-op", Role.TOWNSHIP_OPERATOR, OTHER_TOWN))
CODES = ("91350124MA2Y0K8E3M", "92350124MA8T1QW5X2", "91330100799655058B", "914403001922038216")


class World:
    def __init__(self) -> None:
        self.uow = FakeSafetyUnitOfWork()
        self.codes = iter(CODES)
        self.now = T0
        self.bus = MessageBus(lambda: self.uow, HANDLERS, {"clock": lambda: self.now, "county": COUNTY,
                                                          "calendar": WorkdayCalendar(), "overdue_batch": 500})

    async def do(self, command: Any, actor: Actor = OP) -> Any:
        return await self.bus.handle(command, actor)

    def types(self, since: int = 0) -> list[str]:
        return [t.removeprefix("safety.") for t in self.uow.types()[since:]]

    async def enterprise(self, code: str | None = None) -> UUID:
        permit = cmd.PermitInput("(闽)FM安许证字[2024]0123", T0.date() - timedelta(days=400),
                                 T0.date() + timedelta(days=400))
        eid: UUID = await self.do(cmd.RegisterEnterprise("金山某石材有限公司", code or next(self.codes), TOWN,
                                                         "open_pit_quarry", "small", permit, "张三", "13800000000"))
        return eid

    async def inspect(self, eid: UUID, failed: str | None = "slopes", level: str = "major",
                      days: float = 10) -> cmd.InspectionOutcome:
        findings = () if failed is None else (cmd.FindingInput("边坡角度过陡", failed, cmd.HazardInput(
            level, "削坡并设监测点", self.now + timedelta(days=days))),)
        out: cmd.InspectionOutcome = await self.do(cmd.RecordInspection(
            eid, "routine", ("js-insp-01",), self.now, {i: i != failed for i in ITEMS}, findings))
        return out


@pytest.fixture
def w() -> World:
    return World()


async def test_registration_keeps_personal_data_off_the_events_and_refuses_a_taken_code(w: World) -> None:
    eid = await w.enterprise("91350124MA2Y0K8E3M")
    assert w.types() == ["enterprise_registered"]
    assert w.uow.safety.saved == ["add_enterprise"]
    assert w.uow.safety.extra[eid]["legal_rep_name"] == "张三"  # for the encrypted column, not for Kafka
    assert "张三" not in str([p.payload.model_dump() for p in w.uow.published])
    with pytest.raises(Conflict) as dup:
        await w.enterprise("91350124MA2Y0K8E3M")
    with pytest.raises(InvalidInput):
        await w.do(cmd.RegisterEnterprise("x", "92350124MA8T1QW5X2", "990102999000", "open_pit_quarry", "small"))
    with pytest.raises(Forbidden):
        await w.do(cmd.RegisterEnterprise("x", "92350124MA8T1QW5X2", TOWN, "open_pit_quarry", "small"), OUTSIDER)
    assert dup.value.field == "credit_code" and w.uow.commits == 1


async def test_an_inspection_then_its_major_hazard_through_plan_report_and_reinspection(w: World) -> None:
    eid = await w.enterprise()
    out = await w.inspect(eid)
    assert not out.passed and len(out.hazard_ids) == 1
    assert w.types(1) == ["inspection_recorded", "hazard_found"]
    assert w.uow.safety.saved[1:] == ["add_inspection", "add_hazard"]  # the inspection before its hazards
    hid = out.hazard_ids[0]
    hz = await w.do(cmd.SubmitPlan(hid, PLAN))
    assert hz.status is HazardStatus.found and hz.plan is not None
    with pytest.raises(InvalidInput):  # a plan with a part missing changes nothing
        await w.do(cmd.SubmitPlan(hid, {k: v for k, v in PLAN.items() if k != "time_limits"}))
    await w.do(cmd.ReportRectification(hid, ("削坡照片 3 张",)))
    hz = await w.do(cmd.Reinspect(hid, True, "合格"))
    assert hz.status is HazardStatus.closed
    assert w.types(3) == ["rectification_plan_submitted", "rectification_reported", "hazard_rectified"]
    with pytest.raises(Forbidden):
        await w.do(cmd.Reinspect(hid, True), OUTSIDER)
    with pytest.raises(NotFound):
        await w.do(cmd.SubmitPlan(uuid4(), PLAN))


async def test_a_penalty_on_a_failed_reinspection_then_refusal_and_publication(w: World) -> None:
    eid = await w.enterprise()
    hid = (await w.inspect(eid, level="general")).hazard_ids[0]
    await w.do(cmd.ReportRectification(hid, ("照片",)))
    await w.do(cmd.Reinspect(hid, False, "仍超标"))
    before = len(w.uow.published)
    out = await w.do(cmd.ImposePenalty(eid, "art102_unit", 20_000, w.now, hid))
    assert w.types(before)[0] == "penalty_imposed" and not out.closure_proposed
    assert w.uow.safety.rows[hid].status is HazardStatus.penalised
    saved = w.uow.safety.saved[-2:]
    assert saved[0] == "add_penalty" and "save_hazard" in w.uow.safety.saved[-3:]  # new row first
    with pytest.raises(InvalidInput) as bad:
        await w.do(cmd.ImposePenalty(eid, "art102_unit", 9_000_000, w.now, hid))
    assert bad.value.field == "amount_yuan"
    w.now += timedelta(days=1)
    ent = await w.do(cmd.RecordRefusal(out.penalty_id))
    assert ent.operating_status is OperatingStatus.suspended
    assert w.uow.safety.saved[-2:] == ["save_penalty", "save_enterprise"]  # the penalty changed without an event
    p = await w.do(cmd.MarkPublished(out.penalty_id))
    assert p.published_on_time and w.types()[-1] == "penalty_published"


async def test_a_fatal_accident_reports_first_then_suspends_and_a_passed_inspection_resumes(w: World) -> None:
    eid = await w.enterprise()
    before = len(w.uow.published)
    out = await w.do(cmd.ReportAccident(eid, w.now - timedelta(hours=2), w.now - timedelta(hours=1), 1, 0, 0))
    assert out.operating_status == "suspended" and not out.late_report
    assert w.types(before) == ["accident_reported", "enterprise_suspended", "permit_status_changed"]
    assert w.uow.safety.saved[-2:] == ["add_accident", "save_enterprise"]
    insp = await w.inspect(eid, failed=None)
    with pytest.raises(Conflict) as refused:  # a fatal accident's suspension needs the county's acceptance
        await w.do(cmd.ResumeEnterprise(eid, insp.inspection_id))
    assert refused.value.rule == "county_resumption_acceptance_required"
    assert w.uow.safety.rows[eid].operating_status is OperatingStatus.suspended


async def test_a_township_suspension_order_hits_each_operating_quarry_once(w: World) -> None:
    first, second = await w.enterprise(), await w.enterprise()
    before = len(w.uow.published)
    hit = await w.do(cmd.TownshipSuspension(TOWN, "open_pit_quarry"))
    assert sorted(hit) == sorted([first, second])
    assert w.types(before).count("enterprise_suspended") == 2
    assert await w.do(cmd.TownshipSuspension(TOWN, "open_pit_quarry")) == []  # none operating any more
    with pytest.raises(Forbidden):
        await w.do(cmd.TownshipSuspension(TOWN, "open_pit_quarry"), OUTSIDER)


async def test_follow_up_batch_is_all_or_nothing_and_saves_only_what_it_touched(w: World) -> None:
    eid = await w.enterprise()
    one = (await w.inspect(eid, level="general")).hazard_ids[0]
    two = (await w.inspect(eid, failed="staff_roster", level="general")).hazard_ids[0]
    for hid in (one, two):
        await w.do(cmd.ReportRectification(hid, ("照片",)))
    w.now += timedelta(days=1)
    start, end = w.now - timedelta(days=2), w.now + timedelta(days=1)
    with pytest.raises(InvalidInput) as bad:
        await w.do(cmd.RecordFollowUp(TOWN, start, end, (cmd.FollowUpLine(one, True, w.now),
                                                         cmd.FollowUpLine(uuid4(), True, w.now))))
    assert (bad.value.field, bad.value.rule) == ("results[1].hazard_id", "in_campaign")
    assert w.uow.safety.rows[one].status is HazardStatus.rectification_reported  # nothing of the batch kept
    saves = len(w.uow.safety.saved)
    out = await w.do(cmd.RecordFollowUp(TOWN, start, end, (cmd.FollowUpLine(one, True, w.now, "合格"),)))
    assert out.closed == (one,) and out.failed == ()
    assert w.uow.safety.saved[saves:] == ["save_hazard"]  # the untouched hazard is not rewritten
    assert w.uow.safety.extra[one]["campaign_id"] == out.campaign_id


async def test_the_overdue_watcher_announces_each_hazard_once(w: World) -> None:
    eid = await w.enterprise()
    await w.inspect(eid, level="general", days=1)
    assert await w.do(cmd.NotifyOverdue(), cmd.SYSTEM) == 0
    w.now += timedelta(days=2)
    assert await w.do(cmd.NotifyOverdue(), cmd.SYSTEM) == 1
    assert await w.do(cmd.NotifyOverdue(), cmd.SYSTEM) == 0
    assert w.types().count("hazard_overdue") == 1


def test_every_command_has_a_handler() -> None:
    commands = {obj for obj in vars(cmd).values() if isinstance(obj, type) and issubclass(obj, cmd.Command)
                and obj is not cmd.Command}
    assert commands == set(HANDLERS)
