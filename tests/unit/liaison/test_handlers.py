"""Every liaison command through the bus, on the in-memory unit of work (no I/O).

What they prove: each handler has the one signature and its deps are bound by name; the unit of work
collects and publishes the aggregates' events (numbered per aggregate) without any handler publishing
by hand; a refused command commits nothing; scope is the township's, and the cadre is the token's
`sub`; no name, phone or ID number reaches a published payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from cryptography.fernet import Fernet

from minqing_contract.divisions import load_county
from minqing_contract.events import liaison as contract
from minqing_contract.ledger import LEDGER
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import Command, MessageBus
from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import by_name
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork
from services.liaison.domain.presence_rule import SeasonalRule
from services.liaison.service_layer import commands as c
from services.liaison.service_layer import queries
from services.liaison.service_layer.bus import HANDLERS
from services.liaison.service_layer.deps import Deps

from .fakes import FakeLiaisonUnitOfWork

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 4, 18, 0, tzinfo=CST)  # a Wednesday
COUNTY = load_county()
TOWNSHIP = COUNTY.townships[0]
VILLAGE = TOWNSHIP.villages[0].code
OTHER = COUNTY.townships[1]

ADMIN = Actor.person(Principal("admin-1", Role.COUNTY_ADMIN, COUNTY.code))
OP = Actor.person(Principal("op-1", Role.TOWNSHIP_OPERATOR, TOWNSHIP.code))
CADRE = Actor.person(Principal("cadre-1", Role.TOWNSHIP_OPERATOR, TOWNSHIP.code))
CADRE2 = Actor.person(Principal("cadre-2", Role.TOWNSHIP_OPERATOR, TOWNSHIP.code))
OTHER_OP = Actor.person(Principal("op-2", Role.TOWNSHIP_OPERATOR, OTHER.code))
HEAD = c.MemberInput("王大山", "户主", "farming", "110101195001010011", "13800138000")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self) -> None:
        self.uow = FakeLiaisonUnitOfWork()
        self.clock = Clock()
        self.deps = Deps(clock=self.clock, pseudonym=Pseudonymizer("k" * 32),
                         cipher=PiiCipher(Fernet.generate_key().decode()), county=COUNTY, rule=SeasonalRule(),
                         calendar=WorkdayCalendar(), ledger=LEDGER,
                         read=lambda: None)  # type: ignore[arg-type,return-value]
        self.bus: MessageBus[LiaisonUnitOfWork] = MessageBus(lambda: self.uow, HANDLERS, by_name(self.deps))

    async def handle(self, cmd: Command[Any], actor: Actor) -> Any:
        return await self.bus.handle(cmd, actor)

    def payloads(self, kind: type | None = None) -> list[Any]:
        return [p.payload for p in self.uow.published if kind is None or isinstance(p.payload, kind)]


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


async def _stationed(w: World, starts_on: date = date(2026, 3, 2)) -> UUID:
    s = await w.handle(c.StationCadre("cadre-1", VILLAGE, starts_on), OP)
    return UUID(str(s.id))


async def _paired_household(w: World) -> UUID:
    await w.handle(c.RegisterCadreContact(TOWNSHIP.code, "李干部", "0472-1234567", "li@gov.example"), CADRE)
    h = await w.handle(c.RegisterHousehold(VILLAGE, (HEAD,), "below_4k", ("饮水",)), OP)
    await w.handle(c.PlanHelpItem(h.id, "自来水入户"), OP)
    await w.handle(c.PairHousehold(h.id, "cadre-1"), OP)
    return UUID(str(h.id))


def test_every_command_has_a_handler() -> None:
    commands = {obj for obj in vars(c).values() if isinstance(obj, type) and issubclass(obj, Command)
                and obj is not Command}
    assert commands == set(HANDLERS)


async def test_stationing_presence_report_and_week_close_publish_the_cadre_week(world: World) -> None:
    w = world
    sid = await _stationed(w)
    for day in range(2, 5):  # Mon–Wed in the village
        await w.handle(c.RecordPresence(date(2026, 3, day), "in_village"), CADRE)
    await w.handle(c.SubmitWeeklyReport(date(2026, 3, 2), "走访 3 户"), CADRE)
    assert await w.handle(c.CloseWeek(sid), c.SYSTEM) is None  # the week has not ended
    w.clock.now = datetime(2026, 3, 9, 1, 0, tzinfo=CST)
    assert await queries.stationings_with_weeks_due(w.uow, w.clock.now.date()) == [sid]
    result = await w.handle(c.CloseWeek(sid), c.SYSTEM)
    assert (result.required_days, result.in_village_days, result.met) == (4, 3, False)
    [closed] = w.payloads(contract.WeekClosed)
    assert (closed.week_start, closed.short_streak, closed.met) == (date(2026, 3, 2), 1, False)
    assert [p.sequence for p in w.uow.published] == list(range(1, 7))  # stationed, 3 presence, report, week
    assert w.uow.stationings.stored(sid).closed_through == date(2026, 3, 2)
    assert await queries.stationings_with_weeks_due(w.uow, w.clock.now.date()) == []
    with pytest.raises(Conflict):  # the closed week is final
        await w.handle(c.RecordPresence(date(2026, 3, 5), "in_village"), CADRE)


async def test_presence_is_the_stationed_cadres_own(world: World) -> None:
    w = world
    await _stationed(w)
    with pytest.raises(NotFound):  # cadre-2 has no stationing that day
        await w.handle(c.RecordPresence(date(2026, 3, 3), "in_village"), CADRE2)
    with pytest.raises(InvalidInput) as e:
        await w.handle(c.RecordPresence(date(2026, 3, 3), "on_leave", ""), CADRE)
    assert e.value.field == "note"
    with pytest.raises(RuntimeError):  # the service itself is no cadre
        await w.handle(c.RecordPresence(date(2026, 3, 3), "in_village"), c.SYSTEM)


async def test_stationing_scope_village_and_overlap(world: World) -> None:
    w = world
    with pytest.raises(Forbidden):
        await w.handle(c.StationCadre("cadre-1", VILLAGE, date(2026, 3, 2)), OTHER_OP)
    with pytest.raises(InvalidInput) as e:
        await w.handle(c.StationCadre("cadre-1", "990102001999", date(2026, 3, 2)), OP)
    assert e.value.rule == "village_of_county"
    sid = await _stationed(w)
    s = await w.handle(c.EndStationing(sid, date(2026, 3, 31)), OP)
    assert s.ends_on == date(2026, 3, 31)
    assert isinstance(w.payloads()[-1], contract.StationingEnded)


async def test_misconduct_report_and_follow_up_within_scope(world: World) -> None:
    w = world
    sid = await _stationed(w)
    with pytest.raises(Forbidden):
        await w.handle(c.ReportMisconduct(sid, "gifts", "收受烟酒"), OTHER_OP)
    r = await w.handle(c.ReportMisconduct(sid, "gifts", "村民王某反映收受烟酒"), OP)
    await w.handle(c.FollowUpMisconduct(r.id, "investigating", "约谈"), OP)
    f = await w.handle(c.FollowUpMisconduct(r.id, "unfounded", "经核实不属实"), ADMIN)
    assert f.status.value == "unfounded"
    statuses = [p.status for p in w.payloads(contract.MisconductFollowedUp)]
    assert statuses == [contract.ConductStatus.investigating, contract.ConductStatus.unfounded]
    assert "王某" not in str([p.model_dump() for p in w.payloads()])


async def test_household_registration_pairing_card_and_reissue(world: World) -> None:
    w = world
    hid = await _paired_household(w)
    with pytest.raises(Conflict) as e:  # the same head registers the household once
        await w.handle(c.RegisterHousehold(VILLAGE, (HEAD,), "below_4k"), OP)
    assert e.value.rule == "unique_household"
    stored = w.uow.households.stored(hid)
    assert stored.card is not None and stored.card.card_no == 1 and stored.card.pledged == ("自来水入户",)
    with pytest.raises(NotFound):  # a cadre without a registered work contact cannot be paired
        await w.handle(c.PairHousehold(hid, "cadre-2"), OP)
    await w.handle(c.RegisterCadreContact(TOWNSHIP.code, "赵干部", "0472-7654321"), CADRE2)
    await w.handle(c.PairHousehold(hid, "cadre-2"), OP)
    card = await w.handle(c.ReissueCard(hid), OP)
    assert card.card_no == 3 and card.cadre_name == "赵干部"
    cards = w.payloads(contract.CardIssued)
    assert [(x.card_no, x.reissue) for x in cards] == [(1, False), (2, True), (3, True)]
    [registered] = w.payloads(contract.HouseholdRegistered)
    assert registered.household.startswith("p_") and registered.members == 1
    text = str([p.model_dump() for p in w.payloads()])
    for secret in ("王大山", "110101195001010011", "13800138000", "李干部", "0472-1234567"):
        assert secret not in text


async def test_help_plan_progress_and_household_update(world: World) -> None:
    w = world
    hid = await _paired_household(w)
    item_id = w.uow.households.stored(hid).plan[0].id
    item = await w.handle(c.RecordHelpProgress(hid, item_id, "in_progress", 40, "管道已铺设"), OP)
    assert item.progress == 40
    with pytest.raises(InvalidInput):
        await w.handle(c.RecordHelpProgress(hid, item_id, "done", 90, "x"), OP)
    spouse = c.MemberInput("李秀英", "配偶", "migrant_work")
    h = await w.handle(c.UpdateHousehold(hid, (HEAD, spouse), "4k_10k", ()), OP)
    assert len(h.members) == 2
    [updated] = w.payloads(contract.HouseholdUpdated)
    assert updated.members == 2 and updated.income_band is contract.IncomeBand.from_4k_to_10k
    with pytest.raises(Forbidden):
        await w.handle(c.PlanHelpItem(hid, "x"), OTHER_OP)


async def test_a_visit_raises_a_problem_with_no_personal_data_and_only_the_paired_cadre_visits(world: World) -> None:
    w = world
    hid = await _paired_household(w)
    problems = (c.ProblemInput("livelihood", "drinking_water", "王大山家停水一周（13800138000）"),
                c.ProblemInput("dispute", "neighbour_dispute", "已调解", needs_handling=False))
    with pytest.raises(Forbidden):
        await w.handle(c.RecordVisit(hid, T0.date(), "s", "s", None, problems), CADRE2)
    before = len(w.uow.published)
    with pytest.raises(InvalidInput) as e:
        await w.handle(c.RecordVisit(hid, T0.date(), "s", "s", None,
                                     (c.ProblemInput("livelihood", "wage_arrears", "x"),)), CADRE)
    assert e.value.rule == "subcategory_of_category" and len(w.uow.published) == before
    v = await w.handle(c.RecordVisit(hid, T0.date(), "屋顶漏雨", "希望通水", "联系水务站", problems), CADRE)
    [raised] = w.payloads(contract.ProblemRaised)
    assert raised.visit_id == v.id and raised.category is contract.LedgerCategory.livelihood
    assert raised.subcategory == "drinking_water" and raised.village_code == VILLAGE
    [visit] = w.payloads(contract.VisitRecorded)
    assert (visit.problems, visit.help_given) == (2, True)
    assert "王大山" not in raised.model_dump_json() and "13800138000" not in raised.model_dump_json()


async def test_cadre_contact_is_the_actors_own_and_in_scope(world: World) -> None:
    w = world
    with pytest.raises(Forbidden):
        await w.handle(c.RegisterCadreContact(OTHER.code, "李", "1"), CADRE)
    with pytest.raises(InvalidInput) as e:
        await w.handle(c.RegisterCadreContact("990102999000", "李", "1"), ADMIN)
    assert e.value.rule == "township_of_county"
    rec = await w.handle(c.RegisterCadreContact(TOWNSHIP.code, "李干部", "0472-1"), CADRE)
    assert rec.cadre_id == "cadre-1" and w.uow.cadres.rows["cadre-1"].name == "李干部"


async def test_the_timer_closes_every_ended_week_in_order_and_stops(world: World) -> None:
    from services.liaison.entrypoints.worker import close_due_weeks
    from services.liaison.service_layer.deps import Service

    w = world
    sid = await _stationed(w)
    w.clock.now = datetime(2026, 3, 30, 1, 0, tzinfo=CST)  # four weeks have ended (2, 9, 16, 23 March)
    service = Service(bus=w.bus, deps=w.deps)
    assert await close_due_weeks(service) == 4
    assert [p.week_start for p in w.payloads(contract.WeekClosed)] == [
        date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]
    assert [p.short_streak for p in w.payloads(contract.WeekClosed)] == [1, 2, 3, 4]
    assert await close_due_weeks(service) == 0
    assert w.uow.stationings.stored(sid).closed_through == date(2026, 3, 23)
