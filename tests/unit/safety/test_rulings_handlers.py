"""Handlers of the county's rulings with an in-memory repository and unit of work (no I/O): what is
saved and what is published, in which order, and that a refusal commits and publishes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from minqing_kit.auth import Principal, Role
from minqing_kit.errors import Conflict, Forbidden
from services.safety.domain.accident import Accident, report_accident
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.penalty import Penalty, impose_penalty
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import handlers, rulings

from .factories import CALENDAR, TOWNSHIP, at, enterprise

COUNTY = Principal("county-brigade", Role.COUNTY_ADMIN, TOWNSHIP[:6] + "000000")
STATION = Principal("js-station", Role.TOWNSHIP_OPERATOR, TOWNSHIP)


@dataclass
class FakeRepo:
    enterprises: dict[UUID, Enterprise] = field(default_factory=dict)
    accidents: dict[UUID, Accident] = field(default_factory=dict)
    penalties: dict[UUID, Penalty] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)

    async def get_enterprise(self, eid: UUID, *, for_update: bool = True) -> Enterprise:
        return self.enterprises[eid]

    async def get_accident(self, aid: UUID) -> Accident:
        return self.accidents[aid]

    async def accidents_of(self, eid: UUID) -> list[Accident]:
        return [a for a in self.accidents.values() if a.enterprise_id == eid]

    async def get_penalty(self, pid: UUID) -> Penalty:
        return self.penalties[pid]

    async def close_investigation(self, *a: Any, **kw: Any) -> None:
        self.saved.append("close_investigation")

    async def add_acceptance(self, *a: Any, **kw: Any) -> None:
        self.saved.append("add_acceptance")

    async def save_enterprise(self, *a: Any, **kw: Any) -> None:
        self.saved.append("save_enterprise")

    async def save_penalty(self, *a: Any, **kw: Any) -> None:
        self.saved.append("save_penalty")


class FakeUow:
    def __init__(self) -> None:
        self.published: list[Any] = []
        self.committed = False

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def publish(self, *events: Any) -> None:
        self.published.extend(events)

    async def commit(self) -> None:
        self.committed = True


@dataclass
class FakeDeps:
    uow_: FakeUow = field(default_factory=FakeUow)
    now: Any = field(default_factory=lambda: at(days=40))

    def uow(self) -> FakeUow:
        return self.uow_

    def clock(self) -> Any:
        return self.now


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeRepo, FakeDeps, Enterprise, Accident]:
    repo, deps = FakeRepo(), FakeDeps()
    monkeypatch.setattr(rulings, "_repo", lambda uow, d: repo)
    monkeypatch.setattr(handlers, "_repo", lambda uow, d: repo)
    ent = enterprise()
    acc = report_accident(id=uuid4(), enterprise=ent, occurred_at=at(1), reported_at=at(1.5), deaths=1,
                          serious_injuries=0, direct_loss_yuan=0, actor="s", now=at(2))
    ent.events.clear()
    acc.events.clear()
    repo.enterprises[ent.id], repo.accidents[acc.id] = ent, acc
    return repo, deps, ent, acc


def types(uow: FakeUow) -> list[str]:
    return [p.event_type for p in uow.published]


async def test_investigation_then_acceptance_publish_in_order(world) -> None:
    repo, deps, ent, acc = world
    await rulings.close_investigation(cmd.CloseInvestigation(acc.id, "违章作业", "liability"), deps, COUNTY)
    assert deps.uow_.committed and types(deps.uow_) == ["safety.accident_investigation_closed"]
    deps.uow_, deps.now = FakeUow(), at(days=45)
    out = await rulings.accept_resumption(
        cmd.AcceptResumption(ent.id, True, at(days=44), ("county-insp",), "合格"), deps, COUNTY)
    assert (out.passed, out.operating_status, out.permit_status) == (True, "operating", "valid")
    assert types(deps.uow_) == ["safety.resumption_acceptance_recorded", "safety.enterprise_resumed",
                                "safety.permit_status_changed"]
    assert repo.saved == ["close_investigation", "add_acceptance", "save_enterprise"]


async def test_township_station_is_refused_and_nothing_is_committed(world) -> None:
    repo, deps, ent, acc = world
    with pytest.raises(Forbidden) as err:
        await rulings.close_investigation(cmd.CloseInvestigation(acc.id, "x", "liability"), deps, STATION)
    assert err.value.rule == "county_level"
    with pytest.raises(Forbidden):
        await rulings.accept_resumption(cmd.AcceptResumption(ent.id, True, at(days=39), ("i",)), deps, STATION)
    with pytest.raises(Forbidden) as closing:
        await rulings.decide_closure(cmd.DecideClosure(ent.id, True, "x"), deps, STATION)
    assert closing.value.rule in ("county_government", "scope")
    assert not deps.uow_.committed and not deps.uow_.published and not repo.saved


async def test_passed_acceptance_with_open_investigation_commits_nothing(world) -> None:
    repo, deps, ent, _ = world
    with pytest.raises(Conflict) as err:
        await rulings.accept_resumption(cmd.AcceptResumption(ent.id, True, at(days=39), ("i",)), deps, COUNTY)
    assert err.value.rule == "investigation_closed_required"
    assert not deps.uow_.committed and not deps.uow_.published and not repo.saved


async def test_closure_decision_publishes_decided_closed_and_revoked(world) -> None:
    _, deps, ent, _ = world
    ent.propose_closure(3, 180, now=at(3))
    ent.events.clear()
    out = await rulings.decide_closure(cmd.DecideClosure(ent.id, True, "县政府决定"), deps, COUNTY)
    assert out.operating_status.value == "closed"
    assert types(deps.uow_) == ["safety.closure_decided", "safety.enterprise_closed",
                                "safety.permit_status_changed"]
    assert deps.uow_.published[-1].to_status.value == "revoked"


async def test_publication_publishes_penalty_published(world) -> None:
    repo, deps, ent, _ = world
    p = impose_penalty(id=uuid4(), enterprise=ent, rule="art101_5_unit", amount_yuan=10_000, decided_at=at(days=39),
                       actor="b", now=at(days=39), calendar=CALENDAR)
    p.events.clear()  # as loaded from the table
    repo.penalties[p.id] = p
    out = await handlers.mark_published(cmd.MarkPublished(p.id), deps, COUNTY)  # type: ignore[arg-type]
    assert out.published_at == at(days=40) and out.published_on_time
    assert types(deps.uow_) == ["safety.penalty_published"] and deps.uow_.published[0].on_time is True
    assert repo.saved == ["save_penalty"]
