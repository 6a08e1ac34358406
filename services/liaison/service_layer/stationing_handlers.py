"""Handlers of cadres' contacts, stationings (驻村), presence, weekly reports, closed weeks and 五不准 reports.

Signature `(cmd, uow, actor, *, deps…)` (docs/skeleton.md). The cadre is the actor: presence and
weekly reports are recorded by the stationed cadre themselves (the token's `sub`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from minqing_contract.divisions import County
from minqing_kit import metrics
from minqing_kit.actor import Actor
from minqing_kit.clock import Clock, county_day
from minqing_kit.errors import Forbidden, InvalidInput
from minqing_kit.guards import require_text
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.adapters.repository import CadreRecord
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork
from services.liaison.domain.conduct import FollowUp, MisconductReport
from services.liaison.domain.presence_rule import SeasonalRule, WeekCompliance, week_start
from services.liaison.domain.stationing import Presence, Stationing
from services.liaison.service_layer import commands as c

CADRE_NAMESPACE = "cadre"


def cadre_ref(pseudonym: Pseudonymizer, cadre_id: str) -> str:
    """The cadre as events name them: the keyed pseudonym of their account."""
    return pseudonym(cadre_id, CADRE_NAMESPACE)


def check_village(county: County, village_code: str) -> str:
    """The village's township; 422 unless it is a village of this county."""
    village = county.village(village_code)
    if village is None:
        raise InvalidInput(f"本县没有这个村（社区） (no village {village_code} in this county)",
                           field="village_code", rule="village_of_county")
    if county.is_retired(village_code):  # existing households keep it; a new one may not name it
        raise InvalidInput(f"村（社区）{village_code} 已撤并 (village {village_code} is retired)",
                           field="village_code", rule="village_active")
    return village.township_code


def _own(stationing: Stationing, actor: Actor) -> None:
    if stationing.cadre_id != actor.signed_in().subject:
        raise Forbidden("只有驻村干部本人可以登记 (only the stationed cadre records this)", field="cadre_id",
                        rule="own_stationing")


async def register_cadre_contact(cmd: c.RegisterCadreContact, uow: LiaisonUnitOfWork, actor: Actor, *,
                                 clock: Clock, county: County) -> CadreRecord:
    principal = actor.signed_in()
    if county.township(cmd.township_code) is None:
        raise InvalidInput(f"本县没有这个乡镇 (no township {cmd.township_code})", field="township_code",
                           rule="township_of_county")
    actor.ensure_covers(cmd.township_code)
    record = CadreRecord(principal.subject, cmd.township_code, require_text(cmd.name, "name", max_len=50),
                         require_text(cmd.work_phone, "work_phone", max_len=30),
                         (cmd.email or "").strip() or None)
    async with uow:
        await uow.cadres.put(record, clock())
        await uow.commit()
    return record


async def station_cadre(cmd: c.StationCadre, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock,
                        county: County, pseudonym: Pseudonymizer) -> Stationing:
    township = check_village(county, cmd.village_code)
    actor.ensure_covers(cmd.village_code)
    async with uow:
        s = Stationing.assign(id=uuid.uuid4(), cadre_id=cmd.cadre_id, cadre=cadre_ref(pseudonym, cmd.cadre_id),
                              township_code=township, village_code=cmd.village_code, starts_on=cmd.starts_on,
                              ends_on=cmd.ends_on, actor=actor.name, now=clock())
        uow.stationings.add(s)
        await uow.commit()
    return s


async def end_stationing(cmd: c.EndStationing, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock) -> Stationing:
    async with uow:
        s = await uow.stationings.get(cmd.stationing_id, for_update=True)
        actor.ensure_covers(s.village_code)
        s.end(ends_on=cmd.ends_on, now=clock())
        await uow.commit()
    return s


async def record_presence(cmd: c.RecordPresence, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock) -> Presence:
    cadre_id = actor.signed_in().subject
    now = clock()
    monday = week_start(cmd.day)
    async with uow:
        s = await uow.stationings.get(await uow.stationings.current_of(cadre_id, cmd.day), for_update=True,
                                      days=(monday, monday + timedelta(days=6)))
        _own(s, actor)
        p = s.record_presence(day=cmd.day, status=cmd.status, note=cmd.note, actor=actor.name, now=now,
                              today=county_day(now))
        await uow.commit()
    return p


async def submit_weekly_report(cmd: c.SubmitWeeklyReport, uow: LiaisonUnitOfWork, actor: Actor, *,
                               clock: Clock) -> Stationing:
    cadre_id = actor.signed_in().subject
    now = clock()
    today = county_day(now)
    monday = week_start(cmd.week_start)
    async with uow:
        # The stationing covering the week's last day so far (a stationing may begin mid-week).
        stationing_id = await uow.stationings.current_of(cadre_id, min(monday + timedelta(days=6), today))
        s = await uow.stationings.get(stationing_id, for_update=True, days=(monday, monday + timedelta(days=6)))
        _own(s, actor)
        s.submit_report(week=monday, text=cmd.text, now=now, today=today)
        await uow.commit()
    return s


async def close_week(cmd: c.CloseWeek, uow: LiaisonUnitOfWork, actor: Actor, *, clock: Clock, rule: SeasonalRule,
                     calendar: WorkdayCalendar) -> WeekCompliance | None:
    now = clock()
    today = county_day(now)
    async with uow:
        s = await uow.stationings.get(cmd.stationing_id, for_update=True)
        actor.ensure_covers(s.village_code)
        due = s.weeks_due(today)
        if not due:
            return None
        await uow.stationings.fill(s, due[0], due[0] + timedelta(days=6))
        result = s.close_week(week=due[0], rule=rule, calendar=calendar, now=now, today=today)
        await uow.commit()
    metrics.LIAISON_WEEKS_CLOSED.labels(township=s.township_code, met=str(result.met).lower()).inc()
    return result


async def report_misconduct(cmd: c.ReportMisconduct, uow: LiaisonUnitOfWork, actor: Actor, *,
                            clock: Clock) -> MisconductReport:
    async with uow:
        s = await uow.stationings.get(cmd.stationing_id)
        actor.ensure_covers(s.village_code)
        r = MisconductReport.report(id=uuid.uuid4(), stationing_id=s.id, cadre=s.cadre, township_code=s.township_code,
                                    village_code=s.village_code, prohibition=cmd.prohibition,
                                    description=cmd.description, actor=actor.name, now=clock())
        uow.misconduct.add(r)
        await uow.commit()
    return r


async def follow_up_misconduct(cmd: c.FollowUpMisconduct, uow: LiaisonUnitOfWork, actor: Actor, *,
                               clock: Clock) -> FollowUp:
    async with uow:
        r = await uow.misconduct.get(cmd.report_id, for_update=True)
        actor.ensure_covers(r.village_code)
        f = r.follow_up(status=cmd.status, note=cmd.note, actor=actor.name, now=clock())
        await uow.commit()
    return f
