"""Every petition command through the bus, on the in-memory unit of work (no I/O).

What they prove: the handlers have the one signature with their deps bound by name; the unit of work
numbers the matter's events on from its stored version and publishes them without any handler
listing them; a deadline alert the store already holds is withheld but keeps its number; a refused
command commits nothing; people act through the one actor type, the public through their receipt.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from minqing_contract.divisions import load_county
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.bus import MessageBus
from minqing_kit.errors import Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from services.petition.domain.clocks import SHANGHAI
from services.petition.domain.enums import MatterStatus
from services.petition.domain.workcalendar import ListedDay
from services.petition.service_layer import commands as cmd
from services.petition.service_layer import queries
from services.petition.service_layer.bus import HANDLERS
from services.petition.settings import PetitionSettings

from .fakes import FakePetitionUnitOfWork

COUNTY = "990102000000"
TOWNSHIP = "990102101000"
VILLAGE = "990102101201"
OTHER_TOWNSHIP = "990102102000"
ADMIN = Actor.person(Principal("u-officer", Role.COUNTY_ADMIN, COUNTY))
OPERATOR = Actor.person(Principal("u-township", Role.TOWNSHIP_OPERATOR, TOWNSHIP))
OUTSIDER = Actor.person(Principal("u-far", Role.TOWNSHIP_OPERATOR, OTHER_TOWNSHIP))
READER = Actor.person(Principal("u-reader", Role.READ_ONLY, TOWNSHIP))
HANDLER = Actor.person(Principal("u-rsj", Role.DEPARTMENT_HANDLER, COUNTY, department="rsj"))


def sh(y: int, m: int, d: int, hh: int = 9) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


class World:
    def __init__(self) -> None:
        clocks = PetitionSettings().clocks()
        self.uow = FakePetitionUnitOfWork(clocks)
        self.now = sh(2025, 5, 6)
        self.bus = MessageBus(lambda: self.uow, HANDLERS, {
            "clock": lambda: self.now, "county": load_county(), "pseudonym": Pseudonymizer("k" * 32),
            "group_threshold": 5})

    async def do(self, command: Any, actor: Actor = ADMIN) -> Any:
        return await self.bus.handle(command, actor)

    async def register(self, actor: Actor = ADMIN, phone: str = "13812340001", name: str = "王一测") -> Any:
        return await self.do(cmd.RegisterMatter(
            channel="visit", kind="claim", category="dispute", subcategory="wage_arrears", township_code=TOWNSHIP,
            village_code=VILLAGE, content="工地拖欠三个月工资，要求支付",
            petitioners=[cmd.PetitionerInput(name, phone)], headcount=1), actor)


@pytest.fixture
def w() -> World:
    return World()


async def test_registration_publishes_one_numbered_event_and_keeps_the_code_out_of_it(w: World) -> None:
    receipt = await w.register()
    mid = receipt.matter_id
    assert w.uow.types() == ["registered"] and [p.sequence for p in w.uow.published] == [1]
    assert w.uow.matters.rows[mid][1] == 1  # the stored version is the last sequence
    assert receipt.lookup_code not in str(w.uow.published[0].payload.model_dump())
    assert w.uow.matters.locked  # registrations of the same people are serialised
    with pytest.raises(Forbidden):
        await w.register(OUTSIDER)
    with pytest.raises(Forbidden):
        await w.register(READER)
    with pytest.raises(InvalidInput):
        await w.do(cmd.RegisterMatter("visit", "claim", "dispute", "wage_arrears", "990102999000", "x",
                                      [cmd.PetitionerInput("王一测", "13812340001")], 1))
    assert w.uow.commits == 1


async def test_a_repeat_by_the_same_person_links_to_the_first(w: World) -> None:
    first = await w.register()
    second = await w.register()
    assert w.uow.types() == ["registered", "repeat_linked"]  # a linked repeat is announced as such
    assert w.uow.matters.rows[second.matter_id][0].repeat_of == first.matter_id


async def test_actions_number_on_from_the_stored_version_and_a_refusal_commits_nothing(w: World) -> None:
    mid = (await w.register()).matter_id
    w.now += timedelta(hours=1)
    await w.do(cmd.Act(mid, "assign", {"department": "rsj", "mode": "assign", "signed_by": "u-lead"}))
    await w.do(cmd.Act(mid, "accept"), HANDLER)
    assert w.uow.types() == ["registered", "assigned", "accepted"]
    assert [p.sequence for p in w.uow.published] == [1, 2, 3] and w.uow.matters.rows[mid][1] == 3
    commits = w.uow.commits
    with pytest.raises(InvalidInput):
        await w.do(cmd.Act(mid, "fly_away"))
    with pytest.raises(InvalidInput):
        await w.do(cmd.Act(mid, "assign", {"department": "nowhere", "mode": "assign", "signed_by": "x"}))
    with pytest.raises(Forbidden):
        await w.do(cmd.Act(mid, "add_note", {"text": "越权"}), OUTSIDER)
    with pytest.raises(NotFound):
        await w.do(cmd.Act(uuid4(), "accept"), HANDLER)
    assert w.uow.commits == commits and w.uow.matters.rows[mid][0].status is MatterStatus.accepted
    assert (await queries.get_matter(w.uow, mid, ADMIN)).status is MatterStatus.accepted


async def test_the_public_acts_with_the_receipt_and_phone_digits_and_failures_are_counted(w: World) -> None:
    receipt = await w.register()
    mid = receipt.matter_id
    w.now += timedelta(hours=1)
    await w.do(cmd.Act(mid, "assign", {"department": "rsj", "mode": "assign", "signed_by": "u-lead"}))
    await w.do(cmd.Act(mid, "accept"), HANDLER)
    await w.do(cmd.Act(mid, "reply", {"text": "已责令支付"}), HANDLER)
    with pytest.raises(NotFound) as wrong:
        await w.do(cmd.PublicAct(receipt.lookup_code, "0000", "rate", {"satisfaction": "satisfied"}), cmd.PUBLIC)
    assert wrong.value.rule == "receipt_match" and w.uow.matters.attempts[mid].failures == 1  # committed
    matter = await w.do(cmd.PublicAct(receipt.lookup_code, "0001", "rate", {"satisfaction": "satisfied"}),
                        cmd.PUBLIC)
    assert matter.satisfaction is not None and w.uow.types()[-1] == "rated"
    assert w.uow.matters.attempts[mid].failures == 0  # a success clears the count
    assert (await queries.lookup(w.uow, receipt.lookup_code)).id == mid
    with pytest.raises(InvalidInput):
        await w.do(cmd.PublicAct(receipt.lookup_code, "0001", "close", {}), cmd.PUBLIC)


async def test_deadline_alerts_are_announced_once_and_a_stored_one_is_withheld(w: World) -> None:
    mid = (await w.register()).matter_id
    w.now += timedelta(days=30)  # far past the routing deadline
    keys = await w.do(cmd.FlagDeadlines(mid), cmd.SYSTEM)
    assert keys and all(":" in k for k in keys)
    announced = [p for p in w.uow.published if p.payload.event_type in ("petition.deadline_approaching",
                                                                         "petition.overdue")]
    assert len(announced) == len(keys) and all(p.event_id is not None for p in announced)
    assert await w.do(cmd.FlagDeadlines(mid), cmd.SYSTEM) == frozenset()  # nothing new
    # A restarted worker whose matter row lost its keys: the store refuses them, the number is kept.
    stored, version = w.uow.matters.rows[mid]
    stored.alerts_raised.clear()
    before = len(w.uow.published)
    assert await w.do(cmd.FlagDeadlines(mid), cmd.SYSTEM) == frozenset()
    assert len(w.uow.published) == before and w.uow.matters.rows[mid][1] == version + len(keys)


async def test_entering_a_year_needs_a_county_admin_and_recounts_open_matters(w: World) -> None:
    await w.register()
    year = cmd.EnterYear(2031, [ListedDay(sh(2031, 10, 1).date(), "国庆节")], [], "国办发明电〔2030〕1号")
    with pytest.raises(Forbidden) as refused:
        await w.do(year, OPERATOR)
    assert refused.value.rule == "county_admin_only" and not w.uow.calendar.entries
    moved = await w.do(year)
    assert moved == [] and w.uow.calendar.entries == [(2031, "county", "u-officer")]
    seeded = await w.do(cmd.SeedCalendar(), cmd.SYSTEM)
    assert seeded == [] and {source for _, source, _ in w.uow.calendar.entries} == {"county", "chinesecalendar"}
    assert all(y != 2031 for y, source, _ in w.uow.calendar.entries if source == "chinesecalendar")  # never replaces


async def test_hash_clear_lookup_codes_runs_in_a_committed_unit(w: World) -> None:
    w.uow.matters.clear_codes = 2
    assert await w.do(cmd.HashClearLookupCodes(), cmd.SYSTEM) == 2 and w.uow.commits == 1


def test_every_command_has_a_handler() -> None:
    commands = {obj for obj in vars(cmd).values() if isinstance(obj, type) and issubclass(obj, cmd.Command)
                and obj is not cmd.Command}
    assert commands == set(HANDLERS)




SUPERVISOR = Actor.person(Principal("u-dc", Role.COUNTY_SUPERVISOR, COUNTY))


async def test_extension_request_waits_for_the_supervisor_and_only_the_approval_is_published(w: World) -> None:
    mid = (await w.register()).matter_id
    w.now += timedelta(hours=1)
    await w.do(cmd.Act(mid, "assign", {"department": "rsj", "mode": "assign", "signed_by": "u-lead"}))
    await w.do(cmd.Act(mid, "accept"), HANDLER)
    before = w.uow.matters.rows[mid][0].reply_due_at()
    await w.do(cmd.Act(mid, "request_extension", {"days": 15, "reason": "需调取工资台账"}), HANDLER)
    stored = w.uow.matters.rows[mid][0]
    assert stored.extension_request is not None and stored.reply_due_at() == before
    assert w.uow.types() == ["registered", "assigned", "accepted"]  # a request is internal: nothing published
    commits = w.uow.commits
    for who in (HANDLER, ADMIN, OPERATOR):  # the department, the window and townships cannot approve
        with pytest.raises(Forbidden):
            await w.do(cmd.Act(mid, "decide_extension", {"approve": True}), who)
    assert w.uow.commits == commits
    await w.do(cmd.Act(mid, "decide_extension", {"approve": True, "note": "同意"}), SUPERVISOR)
    stored = w.uow.matters.rows[mid][0]
    assert stored.reply_due_at() == before + timedelta(days=15) and stored.extension_request is None
    assert w.uow.types()[-1] == "extended"
    payload = w.uow.published[-1].payload.model_dump()
    assert payload["extension_days"] == 15 and "u-dc" not in str(payload)  # no user ids on Kafka
    assert stored.extension is not None and stored.extension.approved_by == "u-dc"
