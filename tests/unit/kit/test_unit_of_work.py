"""The kit's skeleton without I/O: a unit of work collects what its repositories saw, in the domain's order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from minqing_contract.events.volunteer import RequestApproved, TeamRegistered
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import Command, MessageBus
from minqing_kit.errors import Forbidden
from minqing_kit.fakes import FakeRepository, FakeUnitOfWork
from minqing_kit.mapping import ContractMapping

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TOWNSHIP = "990102001000"


@dataclass(frozen=True, kw_only=True)
class Approved:
    request_id: UUID
    township_code: str = TOWNSHIP
    village_code: str = "990102001001"
    category: str = "ecology"
    submitted_at: datetime = NOW
    approved_at: datetime = NOW
    occurred_at: datetime = NOW


@dataclass(frozen=True, kw_only=True)
class Noted:  # internal: never published
    request_id: UUID


@dataclass(frozen=True, kw_only=True)
class TeamJoined:
    team_id: UUID
    level: str = "village"
    division_code: str = "990102001001"
    specialties: tuple[str, ...] = ("ecology",)
    capacity: int = 3
    township_code: str = TOWNSHIP
    occurred_at: datetime = NOW


@dataclass
class Thing:
    id: UUID
    events: list[Any] = field(default_factory=list)

    def approve(self) -> None:
        self.events.append(Noted(request_id=self.id))
        self.events.append(Approved(request_id=self.id))


MAPPING = ContractMapping({Approved: RequestApproved, Noted: None, TeamJoined: TeamRegistered},
                          sequenced=lambda e: isinstance(e, Approved))


class Things(FakeRepository[Thing]):
    async def get(self, thing_id: UUID) -> Thing:
        return self.load(thing_id)


class Uow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(MAPPING)
        self.things = Things()


@dataclass(frozen=True)
class ApproveBoth(Command[None]):
    first: UUID
    second: UUID


async def approve_both(cmd: ApproveBoth, uow: Uow, actor: Actor, *, fail: bool = False) -> None:
    async with uow:
        a, b = await uow.things.get(cmd.first), await uow.things.get(cmd.second)
        b.approve()  # b acts first: its event goes out first, whatever order they were loaded in
        uow.record(TeamJoined(team_id=uuid4()))
        a.approve()
        actor.ensure_covers("990102001001")
        if fail:
            raise RuntimeError("refused")
        await uow.commit()


async def test_events_leave_in_the_order_recorded_and_numbered_per_aggregate() -> None:
    uow = Uow()
    a, b = Thing(uuid4()), Thing(uuid4())
    uow.things.put(a, version=4)
    uow.things.put(b)
    bus = MessageBus(lambda: uow, {ApproveBoth: approve_both}, {})
    await bus.handle(ApproveBoth(a.id, b.id), Actor.system("test"))
    assert [(type(p.payload).__name__, getattr(p.payload, "request_id", None), p.sequence) for p in uow.published] \
        == [("RequestApproved", b.id, 1), ("TeamRegistered", None, None), ("RequestApproved", a.id, 5)]
    assert uow.things.rows[a.id][1] == 5 and uow.things.rows[b.id][1] == 1  # versions saved
    assert uow.things.rows[a.id][0].events == []  # collected once
    await bus.handle(ApproveBoth(a.id, b.id), Actor.system("test"))
    assert [p.sequence for p in uow.published[3:]] == [2, None, 6]


async def test_a_refused_command_saves_and_publishes_nothing() -> None:
    uow = Uow()
    a, b = Thing(uuid4()), Thing(uuid4())
    uow.things.put(a)
    uow.things.put(b)
    bus = MessageBus(lambda: uow, {ApproveBoth: approve_both}, {"fail": True})
    with pytest.raises(RuntimeError):
        await bus.handle(ApproveBoth(a.id, b.id), Actor.system("test"))
    outsider = Actor.person(Principal("op", Role.TOWNSHIP_OPERATOR, "990102101000"))
    with pytest.raises(Forbidden):
        await MessageBus(lambda: uow, {ApproveBoth: approve_both}, {}).handle(ApproveBoth(a.id, b.id), outsider)
    assert uow.published == [] and uow.commits == 0 and uow.things.rows[a.id][1] == 0


def test_bootstrap_refuses_a_handler_whose_dependency_is_missing() -> None:
    async def needs_clock(cmd: Any, uow: Any, actor: Any, *, clock: Any) -> None: ...

    with pytest.raises(TypeError, match="clock"):
        MessageBus(Uow, {ApproveBoth: needs_clock}, {})


def test_the_mapping_refuses_an_unmapped_event() -> None:
    with pytest.raises(LookupError, match="Thing"):
        MAPPING.to_contract(Thing(uuid4()))


async def test_a_new_aggregate_s_own_events_come_before_their_consequences() -> None:
    """A domain function that creates one aggregate and changes a loaded one (an acceptance that resumes
    an enterprise): the new fact is published first, whenever the handler hands it to the repository."""
    uow = Uow()
    loaded = Thing(uuid4())
    uow.things.put(loaded)
    async with uow:
        old = await uow.things.get(loaded.id)
        new = Thing(uuid4())
        new.events.append(Noted(request_id=new.id))
        new.events.append(Approved(request_id=new.id))  # recorded before the repository saw it
        old.approve()  # its consequence, on the loaded aggregate
        uow.things._added(new)
        await uow.commit()
    assert [(getattr(p.payload, "request_id", None), p.sequence) for p in uow.published] == [(new.id, 1), (old.id, 1)]
    assert uow.things.rows[new.id][1] == 1 and uow.things.rows[old.id][1] == 1


async def test_an_unchanged_aggregate_is_not_saved() -> None:
    uow = Uow()
    thing = Thing(uuid4())
    uow.things.put(thing, version=3)
    saved: list[UUID] = []
    original = uow.things.save

    async def spy(tracked: Any) -> None:
        saved.append(tracked.aggregate.id)
        await original(tracked)

    uow.things.save = spy  # type: ignore[method-assign]
    async with uow:
        await uow.things.get(thing.id)  # looked at, not changed
        await uow.commit()
    assert saved == [] and uow.commits == 1
