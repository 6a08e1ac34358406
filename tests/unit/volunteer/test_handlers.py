"""Every volunteer command through the bus, on the in-memory unit of work (no I/O).

What they prove: each handler has the one signature and its deps are bound by name; the unit of work
collects the aggregates' events (numbered per request, contiguous) without any handler publishing by
hand; a refused command commits nothing; scope is checked through the one actor type.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.fernet import Fernet

from minqing_contract.divisions import County, load_county
from minqing_contract.events import volunteer as contract
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import by_name
from services.volunteer.domain.enums import RequestStatus
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer import queries
from services.volunteer.service_layer.bus import HANDLERS
from services.volunteer.service_layer.deps import Deps

from .fakes import FakeVolunteerUnitOfWork

T0 = datetime(2026, 5, 6, 8, 0, tzinfo=UTC)
COUNTY = load_county()
TOWNSHIP = COUNTY.townships[0]
VILLAGE = TOWNSHIP.villages[0].code
OTHER_TOWNSHIP = COUNTY.townships[1]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class World:
    def __init__(self, county: County) -> None:
        self.uow = FakeVolunteerUnitOfWork()
        self.clock = Clock()
        self.cipher = PiiCipher(Fernet.generate_key().decode())
        self.deps = Deps(clock=self.clock, pseudonym=Pseudonymizer("k" * 32), cipher=self.cipher, county=county,
                         accept_timeout=timedelta(minutes=30), read=lambda: None)  # type: ignore[arg-type,return-value]
        self.bus = MessageBus(lambda: self.uow, HANDLERS, by_name(self.deps))

    async def handle(self, cmd: Any, actor: Actor) -> Any:
        return await self.bus.handle(cmd, actor)

    def published(self, request_id: UUID | None = None) -> list[Any]:
        return [p for p in self.uow.published
                if request_id is None or getattr(p.payload, "request_id", None) == request_id]


ADMIN = Actor.person(Principal("admin-1", Role.COUNTY_ADMIN, COUNTY.code))
TOWN_OP = Actor.person(Principal("op-1", Role.TOWNSHIP_OPERATOR, TOWNSHIP.code))
OTHER_OP = Actor.person(Principal("op-2", Role.TOWNSHIP_OPERATOR, OTHER_TOWNSHIP.code))


@pytest.fixture
def world() -> Iterator[World]:
    yield World(COUNTY)


async def _network(w: World) -> tuple[UUID, UUID]:
    """A village station with a team serving ecology, and one registered volunteer."""
    station = await w.handle(c.RegisterStation("village", VILLAGE, "实践站"), ADMIN)
    team = await w.handle(c.RegisterTeam("环保服务队", station.id, ("ecology",), 3), ADMIN)
    volunteer = await w.handle(c.RegisterVolunteer("张三", "13800000000", "110101199003071234", TOWNSHIP.code,
                                                   skills=("ecology",), team_ids=(team.id,)), ADMIN)
    return team.id, volunteer


async def _submitted(w: World) -> UUID:
    req = await w.handle(c.SubmitRequest("ecology", VILLAGE, "清理农膜", "high", "李四", "13900000000"), TOWN_OP)
    return UUID(str(req.id))


async def test_a_request_from_order_to_rating_publishes_every_event_numbered_once(world: World) -> None:
    w = world
    team_id, volunteer = await _network(w)
    rid = await _submitted(w)
    await w.handle(c.RequestAction(rid, "approve"), TOWN_OP)
    await w.handle(c.TeamAction(rid, "dispatch", None), TOWN_OP)  # automatic: the only team
    await w.handle(c.TeamAction(rid, "accept", team_id), TOWN_OP)
    await w.handle(c.RequestAction(rid, "start"), TOWN_OP)
    w.clock.advance(180)
    await w.handle(c.CompleteService(rid, (c.SpanInput(volunteer, T0, T0 + timedelta(hours=2)),)), TOWN_OP)
    await w.handle(c.RateService(rid, 5, "很好"), TOWN_OP)
    rows = w.published(rid)
    assert [type(p.payload).__name__ for p in rows if p.sequence is not None] == [
        "RequestSubmitted", "RequestApproved", "RequestDispatched", "RequestAccepted", "ServiceStarted",
        "ServiceCompleted", "RequestRated"]
    assert [p.sequence for p in rows if p.sequence is not None] == list(range(1, 8))
    hours = [p.payload for p in w.uow.published if isinstance(p.payload, contract.HoursRecorded)]
    assert [(h.volunteer_id, h.minutes) for h in hours] == [(volunteer, 120)]
    stored = w.uow.requests.stored(rid)
    assert stored.status is RequestStatus.rated and w.uow.requests.rows[rid][1] == 7  # version = last sequence
    assert not stored.events  # collected, not left for the next unit of work
    assert "李四" not in str([p.payload.model_dump() for p in w.uow.published])
    assert w.uow.requests.rows[rid][2]["requester_name_enc"] != "李四"  # encrypted before it reaches the store
    assert w.cipher.decrypt(w.uow.requests.rows[rid][2]["requester_name_enc"]) == "李四"


async def test_a_refused_command_commits_nothing(world: World) -> None:
    w = world
    rid = await _submitted(w)
    before, commits = list(w.uow.published), w.uow.commits
    with pytest.raises(Conflict):  # start before approval: an illegal transition
        await w.handle(c.RequestAction(rid, "start"), TOWN_OP)
    with pytest.raises(InvalidInput) as bad:
        await w.handle(c.WithReason(rid, "decline", "忙", None), TOWN_OP)
    assert bad.value.field == "team_id"
    assert w.uow.published == before and w.uow.commits == commits
    assert w.uow.requests.stored(rid).status is RequestStatus.submitted


async def test_scope_is_checked_through_the_one_actor(world: World) -> None:
    w = world
    rid = await _submitted(w)
    with pytest.raises(Forbidden):
        await w.handle(c.RequestAction(rid, "approve"), OTHER_OP)
    with pytest.raises(Forbidden):
        await w.handle(c.SubmitRequest("ecology", VILLAGE, "清理", "high", "王五", "13700000000"), OTHER_OP)
    with pytest.raises(NotFound):
        await w.handle(c.RequestAction(uuid4(), "approve"), TOWN_OP)


async def test_reject_cancel_and_redispatch(world: World) -> None:
    w = world
    team_id, _ = await _network(w)
    rejected, cancelled, moved = await _submitted(w), await _submitted(w), await _submitted(w)
    await w.handle(c.WithReason(rejected, "reject", "重复"), TOWN_OP)
    await w.handle(c.WithReason(cancelled, "cancel", "不需要了"), TOWN_OP)
    await w.handle(c.RequestAction(moved, "approve"), TOWN_OP)
    await w.handle(c.TeamAction(moved, "dispatch", team_id), TOWN_OP)
    await w.handle(c.WithReason(moved, "redispatch", "换队", None), ADMIN)
    assert w.uow.requests.stored(rejected).status is RequestStatus.rejected
    assert w.uow.requests.stored(cancelled).status is RequestStatus.cancelled
    assert [type(p.payload).__name__ for p in w.published(rejected)] == ["RequestSubmitted", "RequestRejected"]
    # RequestRedispatched is internal: the sequence stays contiguous without it
    assert [p.sequence for p in w.published(moved)] == list(range(1, len(w.published(moved)) + 1))
    assert w.uow.network.dispatch_locks >= 2  # dispatch and redispatch decide under the dispatch lock


async def test_a_team_grabs_then_declines_nothing_twice(world: World) -> None:
    w = world
    team_id, _ = await _network(w)
    rid = await _submitted(w)
    await w.handle(c.RequestAction(rid, "approve"), TOWN_OP)
    await w.handle(c.TeamAction(rid, "grab", team_id), TOWN_OP)
    assert w.uow.requests.stored(rid).grabbed
    with pytest.raises(Conflict):
        await w.handle(c.TeamAction(rid, "grab", team_id), TOWN_OP)


async def test_decline_names_the_team(world: World) -> None:
    w = world
    team_id, _ = await _network(w)
    rid = await _submitted(w)
    await w.handle(c.RequestAction(rid, "approve"), TOWN_OP)
    await w.handle(c.TeamAction(rid, "dispatch", team_id), TOWN_OP)
    await w.handle(c.WithReason(rid, "decline", "人手不足", team_id), TOWN_OP)
    assert team_id in w.uow.requests.stored(rid).excluded_team_ids
    names = [type(p.payload).__name__ for p in w.published(rid)]
    assert names[:4] == ["RequestSubmitted", "RequestApproved", "RequestDispatched", "RequestDeclined"], names


async def test_worker_commands_act_as_the_service_itself(world: World) -> None:
    w = world
    team_id, _ = await _network(w)
    rid = await _submitted(w)
    await w.handle(c.RequestAction(rid, "approve"), TOWN_OP)
    req = await w.handle(c.DispatchApproved(rid), c.SYSTEM)
    assert req is not None and req.status is RequestStatus.dispatched and req.team_id == team_id
    assert req.audit[-1].actor == "system:volunteer-worker"
    assert await w.handle(c.DispatchApproved(uuid4()), c.SYSTEM) is None  # not ours: ignored
    again = await w.handle(c.DispatchApproved(rid), c.SYSTEM)  # a redelivery changes nothing
    assert again is not None and len(w.published(rid)) == 3
    # Escalation: not due yet, then due once; the same attempt never escalates twice.
    assert await queries.due_for_escalation(w.uow, w.clock(), timedelta(minutes=30)) == []
    assert await w.handle(c.Escalate(rid), c.SYSTEM) is None
    w.clock.advance(31)
    assert await queries.due_for_escalation(w.uow, w.clock(), timedelta(minutes=30)) == [rid]
    escalated = await w.handle(c.Escalate(rid), c.SYSTEM)
    assert escalated is not None
    assert any(isinstance(p.payload, contract.RequestEscalated | contract.ManualDispatchNeeded)
               for p in w.published(rid))
    assert (rid, 1) in w.uow.requests.escalations
    assert await queries.pending_by_township(w.uow) == {TOWNSHIP.code: 1}


async def test_network_registration_and_its_one_event(world: World) -> None:
    w = world
    station = await w.handle(c.RegisterStation("township", TOWNSHIP.code, "实践所"), ADMIN)
    village_station = await w.handle(c.RegisterStation("village", VILLAGE, "实践站"), ADMIN)
    point = await w.handle(c.RegisterServicePoint(village_station.id, "微笑小屋"), TOWN_OP)
    team = await w.handle(c.RegisterTeam("医疗队", station.id, ("medical", "ecology"), 5), TOWN_OP)
    assert point.station_id == village_station.id and w.uow.network.points[point.id] == point
    [registered] = w.uow.payloads()  # only the team's registration is an event
    assert isinstance(registered, contract.TeamRegistered) and registered.team_id == team.id
    assert registered.specialties == ["ecology", "medical"] and registered.township_code == TOWNSHIP.code
    with pytest.raises(Conflict):
        await w.handle(c.RegisterStation("township", TOWNSHIP.code, "实践所"), ADMIN)
    with pytest.raises(InvalidInput):
        await w.handle(c.RegisterStation("village", "990199999999", "无此村"), ADMIN)
    with pytest.raises(Forbidden):
        await w.handle(c.RegisterServicePoint(village_station.id, "越权"), OTHER_OP)


async def test_volunteer_registration_encrypts_and_refuses_duplicates(world: World) -> None:
    w = world
    _, volunteer = await _network(w)
    events_before = w.uow.payloads()
    stored = w.uow.network.volunteers[volunteer]
    assert w.cipher.decrypt(stored["name_enc"]) == "张三" and "110101" not in stored["person_ref"]
    with pytest.raises(Conflict):
        await w.handle(c.RegisterVolunteer("张三", "13800000000", "110101199003071234", TOWNSHIP.code), ADMIN)
    with pytest.raises(InvalidInput) as bad:
        await w.handle(c.RegisterVolunteer("赵六", "13800000001", "110101199003071235", "990102999000"), ADMIN)
    assert bad.value.field == "township_code"
    assert [type(p).__name__ for p in events_before] == ["TeamRegistered"]
    assert w.uow.payloads() == events_before  # registrations of people are never events


async def test_activity_hours_and_record_entries(world: World) -> None:
    w = world
    team_id, volunteer = await _network(w)
    w.clock.advance(120)
    span = c.SpanInput(volunteer, T0, T0 + timedelta(minutes=90))
    activity = await w.handle(c.RecordActivity("sanitation", "垃圾分类宣讲", team_id, VILLAGE, T0, "实践站",
                                               participants=(span,)), TOWN_OP)
    held = [p for p in w.uow.published if isinstance(p.payload, contract.ActivityHeld)]
    assert [(p.payload.activity_id, p.sequence) for p in held] == [(activity.id, None)]
    assert activity.id in w.uow.activities.rows
    with pytest.raises(Conflict):  # the same volunteer cannot serve twice at once
        await w.handle(c.RecordActivity("sanitation", "重复", team_id, VILLAGE, T0, "实践站", participants=(span,)),
                       TOWN_OP)
    await w.handle(c.AddRecordEntry(volunteer, "training", T0, "急救培训", "县红十字会", minutes=120), TOWN_OP)
    with pytest.raises(InvalidInput):
        await w.handle(c.AddRecordEntry(volunteer, "gossip", T0, "x", "y"), TOWN_OP)
    with pytest.raises(Forbidden):
        await w.handle(c.AddRecordEntry(volunteer, "award", T0, "表彰", "县文明办"), OTHER_OP)
    record = await queries.load_record(w.uow, volunteer, TOWN_OP)
    assert record.total_minutes() == 90 and [t.minutes for t in record.trainings] == [120]


def test_every_command_has_a_handler() -> None:
    commands = {obj for obj in vars(c).values() if isinstance(obj, type) and issubclass(obj, c.Command)
                and obj is not c.Command}
    assert commands == set(HANDLERS)
