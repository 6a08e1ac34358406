"""Handlers of households (联户): registration and updates, the help plan, pairing with a cadre, the
contact card, and visits (民情记录簿) whose problems are raised to petition.

Members' personal data only reaches the repository (which encrypts it); the household's pseudonym is
the keyed pseudonym of its head's ID number (namespace `household`), so a household registers once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from minqing_contract.divisions import County
from minqing_kit.actor import Actor
from minqing_kit.clock import Clock, county_day
from minqing_kit.errors import Conflict
from minqing_kit.pseudonym import Pseudonymizer
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork
from services.liaison.domain.household import CadreContact, ContactCard, HelpItem, Household, Member
from services.liaison.domain.visit import Problem, Visit
from services.liaison.service_layer import commands as c
from services.liaison.service_layer.stationing_handlers import cadre_ref, check_village

HOUSEHOLD_NAMESPACE = "household"


def _members(members: tuple[c.MemberInput, ...]) -> tuple[Member, ...]:
    return tuple(Member.parse(name=m.name, relation=m.relation, employment=m.employment, id_number=m.id_number,
                              phone=m.phone, index=i) for i, m in enumerate(members))


async def _contact(uow: LiaisonUnitOfWork, cadre_id: str, pseudonym: Pseudonymizer) -> CadreContact:
    record = await uow.cadres.get(cadre_id)
    return CadreContact(record.cadre_id, cadre_ref(pseudonym, cadre_id), record.name, record.work_phone, record.email)


async def register_household(cmd: c.RegisterHousehold, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock,
                             county: County, pseudonym: Pseudonymizer) -> Household:
    township = check_village(county, cmd.village_code)
    actor.ensure_covers(cmd.village_code)
    members = _members(cmd.members)
    ref = pseudonym(members[0].id_number or "", HOUSEHOLD_NAMESPACE) if members and members[0].id_number else None
    async with uow:
        h = Household.register(id=uuid.uuid4(), pseudonym=ref or "", township_code=township,
                               village_code=cmd.village_code, members=members, income_band=cmd.income_band,
                               needs=cmd.needs, actor=actor.name, now=clock())
        if await uow.households.find_by_ref(h.pseudonym) is not None:
            raise Conflict("该户已登记 (household already registered)", field="members[0].id_number",
                           rule="unique_household")
        uow.households.add(h)
        await uow.commit()
    return h


async def update_household(cmd: c.UpdateHousehold, uow: LiaisonUnitOfWork, actor: Actor, *,
                           clock: Clock) -> Household:
    members = _members(cmd.members)
    async with uow:
        h = await uow.households.get(cmd.household_id, for_update=True)
        actor.ensure_covers(h.village_code)
        h.update(members=members, income_band=cmd.income_band, needs=cmd.needs, now=clock())
        await uow.commit()
    return h


async def plan_help_item(cmd: c.PlanHelpItem, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock) -> HelpItem:
    async with uow:
        h = await uow.households.get(cmd.household_id, for_update=True)
        actor.ensure_covers(h.village_code)
        item = h.plan_item(item_id=uuid.uuid4(), title=cmd.title, due_on=cmd.due_on, now=clock())
        await uow.commit()
    return item


async def record_help_progress(cmd: c.RecordHelpProgress, uow: LiaisonUnitOfWork, actor: Actor, *,
                               clock: Clock) -> HelpItem:
    async with uow:
        h = await uow.households.get(cmd.household_id, for_update=True)
        actor.ensure_covers(h.village_code)
        item = h.record_progress(item_id=cmd.item_id, status=cmd.status, progress=cmd.progress, note=cmd.note,
                                 actor=actor.name, now=clock())
        await uow.commit()
    return item


async def pair_household(cmd: c.PairHousehold, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock,
                         pseudonym: Pseudonymizer) -> Household:
    async with uow:
        h = await uow.households.get(cmd.household_id, for_update=True)
        actor.ensure_covers(h.village_code)
        h.pair(await _contact(uow, cmd.cadre_id, pseudonym), now=clock())
        await uow.commit()
    return h


async def reissue_card(cmd: c.ReissueCard, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock,
                       pseudonym: Pseudonymizer) -> ContactCard:
    async with uow:
        h = await uow.households.get(cmd.household_id, for_update=True)
        actor.ensure_covers(h.village_code)
        if h.cadre_id is None:
            raise Conflict("该户尚未结对 (household not paired yet)", field="cadre_id", rule="paired")
        card = h.issue_card(await _contact(uow, h.cadre_id, pseudonym), now=clock())
        await uow.commit()
    return card


async def record_visit(cmd: c.RecordVisit, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock,
                       ledger: Mapping[str, frozenset[str]]) -> Visit:
    principal = actor.signed_in()
    now = clock()
    async with uow:
        h = await uow.households.get(cmd.household_id)
        actor.ensure_covers(h.village_code)
        v = Visit.record(id=uuid.uuid4(), household=h, cadre_id=principal.subject, visited_on=cmd.visited_on,
                         seen=cmd.seen, said=cmd.said, help_given=cmd.help_given,
                         problems=[Problem(uuid.uuid4(), p.category, p.subcategory, p.description, p.needs_handling)
                                   for p in cmd.problems],
                         tree=ledger, now=now, today=county_day(now))
        uow.visits.add(v)
        await uow.commit()
    return v
