"""Handlers of the county's rulings through the bus, on the in-memory unit of work (no I/O): what is
saved and what is published, in which order, and that a refusal commits and publishes nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.errors import Conflict, Forbidden
from services.safety.domain.accident import Accident, report_accident
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.penalty import impose_penalty
from services.safety.service_layer import commands as cmd
from services.safety.service_layer.bus import HANDLERS

from .factories import CALENDAR, TOWNSHIP, at, enterprise
from .fakes import FakeSafetyRepository, FakeSafetyUnitOfWork

COUNTY = Principal("county-brigade", Role.COUNTY_ADMIN, TOWNSHIP[:6] + "000000")
STATION = Principal("js-station", Role.TOWNSHIP_OPERATOR, TOWNSHIP)


class FakeDeps:
    """The bus over one in-memory unit of work, with a clock the test moves."""

    def __init__(self) -> None:
        self.uow_ = FakeSafetyUnitOfWork()
        self.now: Any = at(days=40)
        self.bus = MessageBus(lambda: self.uow_, HANDLERS, {"clock": lambda: self.now, "calendar": CALENDAR,
                                                             "county": None, "overdue_batch": 500})

    async def handle(self, command: Any, who: Principal) -> Any:
        return await self.bus.handle(command, Actor.person(who))


@pytest.fixture
def world() -> tuple[FakeSafetyRepository, FakeDeps, Enterprise, Accident]:
    deps = FakeDeps()
    repo = deps.uow_.safety
    ent = enterprise()
    acc = report_accident(id=uuid4(), enterprise=ent, occurred_at=at(1), reported_at=at(1.5), deaths=1,
                          serious_injuries=0, direct_loss_yuan=0, actor="s", now=at(2))
    ent.events.clear()
    acc.events.clear()
    repo.put(ent, acc)
    return repo, deps, ent, acc


def types(uow: FakeSafetyUnitOfWork, since: int = 0) -> list[str]:
    return uow.types()[since:]


async def test_investigation_then_acceptance_publish_in_order(world) -> None:
    repo, deps, ent, acc = world
    await deps.handle(cmd.CloseInvestigation(acc.id, "违章作业", "liability"), COUNTY)
    assert deps.uow_.committed and types(deps.uow_) == ["safety.accident_investigation_closed"]
    deps.now = at(days=45)
    out = await deps.handle(cmd.AcceptResumption(ent.id, True, at(days=44), ("county-insp",), "合格"), COUNTY)
    assert (out.passed, out.operating_status, out.permit_status) == (True, "operating", "valid")
    assert types(deps.uow_, since=1) == ["safety.resumption_acceptance_recorded", "safety.enterprise_resumed",
                                         "safety.permit_status_changed"]
    assert repo.saved == ["close_investigation", "add_acceptance", "save_enterprise"]


async def test_township_station_is_refused_and_nothing_is_committed(world) -> None:
    repo, deps, ent, acc = world
    with pytest.raises(Forbidden) as err:
        await deps.handle(cmd.CloseInvestigation(acc.id, "x", "liability"), STATION)
    assert err.value.rule == "county_level"
    with pytest.raises(Forbidden):
        await deps.handle(cmd.AcceptResumption(ent.id, True, at(days=39), ("i",)), STATION)
    with pytest.raises(Forbidden) as closing:
        await deps.handle(cmd.DecideClosure(ent.id, True, "x"), STATION)
    assert closing.value.rule in ("county_government", "scope")
    assert not deps.uow_.committed and not deps.uow_.published and not repo.saved


async def test_passed_acceptance_with_open_investigation_commits_nothing(world) -> None:
    repo, deps, ent, _ = world
    with pytest.raises(Conflict) as err:
        await deps.handle(cmd.AcceptResumption(ent.id, True, at(days=39), ("i",)), COUNTY)
    assert err.value.rule == "investigation_closed_required"
    assert not deps.uow_.committed and not deps.uow_.published and not repo.saved


async def test_closure_decision_publishes_decided_closed_and_revoked(world) -> None:
    repo, deps, ent, _ = world
    ent.propose_closure(3, 180, now=at(3))
    ent.events.clear()
    repo.put(ent)  # as stored once proposed
    out = await deps.handle(cmd.DecideClosure(ent.id, True, "县政府决定"), COUNTY)
    assert out.operating_status.value == "closed"
    assert types(deps.uow_) == ["safety.closure_decided", "safety.enterprise_closed",
                                "safety.permit_status_changed"]
    assert deps.uow_.published[-1].payload.to_status.value == "revoked"


async def test_publication_publishes_penalty_published(world) -> None:
    repo, deps, ent, _ = world
    p = impose_penalty(id=uuid4(), enterprise=ent, rule="art101_5_unit", amount_yuan=10_000, decided_at=at(days=39),
                       actor="b", now=at(days=39), calendar=CALENDAR)
    p.events.clear()  # as loaded from the table
    repo.put(p)
    out = await deps.handle(cmd.MarkPublished(p.id), COUNTY)
    assert out.published_at == at(days=40) and out.published_on_time
    assert types(deps.uow_) == ["safety.penalty_published"] and deps.uow_.published[0].payload.on_time is True
    assert repo.saved == ["save_penalty"]
