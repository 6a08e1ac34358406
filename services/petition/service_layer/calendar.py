"""The county's holiday calendar: enter a year, seed from `chinesecalendar`, recount open deadlines.

Entering a year (a county admin from the State Council's notice, or the start-up seed for the years
the package knows) writes the year and recounts, in the same transaction, every open matter whose
deadlines were counted with that year (or were never assessed): each deadline that moves is
published as `petition.deadline_recomputed` through the outbox with the calendar write, so either
both happen or neither.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from minqing_kit import metrics
from minqing_kit.auth import Principal
from minqing_kit.auth import Role as KitRole
from minqing_kit.clock import county_day
from minqing_kit.errors import Forbidden
from minqing_kit.workdays import SpecialDay, WorkdayCalendar, builtin_years

from ..adapters.clock import Clock
from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain import events as ev
from ..domain.workcalendar import next_year_missing, year_schedule
from . import commands as cmd
from .commands import Actor, EnterYear

__all__ = ["EnterYear", "enter_year", "refresh_gauge", "seed"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    year: int
    schedule: Mapping[date, SpecialDay]
    source: str
    notice: str | None
    entered_by: str | None


def require_county_admin(principal: Principal) -> None:
    if principal.role is not KitRole.COUNTY_ADMIN or not principal.county_wide:
        raise Forbidden("只有县级管理员可以录入节假日安排 (only a county admin may enter the holiday schedule)",
                        field="role", rule="county_admin_only")


async def _enter(uow: PetitionUnitOfWork, clock: Clock, entries: list[_Entry]) -> list[ev.DeadlineRecomputed]:
    """Write `entries` and recount the affected open matters, all in one transaction."""
    now = clock()
    moved: list[ev.DeadlineRecomputed] = []
    async with uow:
        store = uow.calendar
        await store.lock()
        known = await store.known_years()
        entries = [e for e in entries if e.source == "county" or e.year not in known]  # a seed never overwrites
        old = await store.current()
        new = old
        for e in entries:
            await store.put_year(e.year, e.schedule, source=e.source, notice=e.notice, entered_by=e.entered_by,
                                 at=now)
            new = new.with_year(e.year, e.schedule)
        # Matters saved before the calendar became data were counted with the package's years alone.
        before_data = WorkdayCalendar(builtin_years(), old.strict)
        repo = uow.matters
        for matter_id, assessed in await repo.calendar_candidates([e.year for e in entries]):
            matter = await repo.get(matter_id, for_update=True, calendar=old if assessed else before_data)
            if matter is None:
                raise RuntimeError(f"matter {matter_id} listed as a calendar candidate but not found in the same transaction")
            moved += matter.apply_calendar(new, now)
        await uow.commit()
    if entries or moved:
        log.info("workday calendar entered", extra={"years": [e.year for e in entries], "recomputed": len(moved)})
    return moved


async def enter_year(command: EnterYear, uow: PetitionUnitOfWork, actor: Actor, *,
                     clock: Clock) -> list[ev.DeadlineRecomputed]:
    """PUT /calendar/{year}: set the year from the notice (a correction replaces it)."""
    principal = actor.signed_in()
    require_county_admin(principal)
    schedule = year_schedule(command.year, command.holidays, command.working_days)
    entry = _Entry(command.year, schedule, "county", command.notice, principal.subject)
    return await _enter(uow, clock, [entry])


async def seed(command: cmd.SeedCalendar, uow: PetitionUnitOfWork, actor: Actor, *,
               clock: Clock) -> list[ev.DeadlineRecomputed]:
    """Start-up step: the years `chinesecalendar` knows and the database does not yet (never replacing
    a county entry), and the open matters not yet assessed since the calendar became data."""
    entries = [_Entry(y, s, "chinesecalendar", None, None) for y, s in sorted(builtin_years().items())]
    return await _enter(uow, clock, entries)


async def refresh_gauge(uow: PetitionUnitOfWork, clock: Clock) -> bool:
    """Set `minqing_workday_calendar_next_year_missing` (1: December and next year not entered)."""
    async with uow:
        calendar = await uow.calendar.current()
    missing = next_year_missing(county_day(clock()), calendar)
    metrics.WORKDAY_CALENDAR_NEXT_YEAR_MISSING.set(1 if missing else 0)
    return missing
