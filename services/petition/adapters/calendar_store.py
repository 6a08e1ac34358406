"""All SQL of the county's holiday calendar (tables `workday_years`, `workday_days`), and the
process-wide cache of it.

Every process (API, worker, several of each) holds the calendar in memory and asks, inside the
transaction that is about to use it, whether the database has a newer revision; a matter is never
counted with a calendar older than the one committed before its row lock was taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from minqing_kit.workdays import DayKind, SpecialDay, WorkdayCalendar, freeze

_LOCK = "minqing:petition:workday-calendar"


@dataclass(frozen=True)
class YearInfo:
    year: int
    source: str  # chinesecalendar | county
    notice: str | None
    entered_by: str | None
    entered_at: datetime
    holidays: int
    working_days: int


class CalendarStore:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def lock(self) -> None:
        """Serialise calendar writes (API and worker seeding together, two admins entering a year)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)

    async def revision(self) -> int:
        return int(await self.conn.fetchval("SELECT coalesce(max(revision), 0) FROM workday_years"))

    async def load(self) -> dict[int, dict[date, SpecialDay]]:
        years: dict[int, dict[date, SpecialDay]] = {y: {} for y in await self.known_years()}
        for r in await self.conn.fetch("SELECT day, year, kind, name FROM workday_days"):
            years[r["year"]][r["day"]] = SpecialDay(DayKind(r["kind"]), r["name"])
        return years

    async def known_years(self) -> set[int]:
        return {r["year"] for r in await self.conn.fetch("SELECT year FROM workday_years")}

    async def put_year(self, year: int, schedule: Mapping[date, SpecialDay], *, source: str,
                       notice: str | None, entered_by: str | None, at: datetime) -> None:
        """Set (add or replace) a year; its revision becomes the newest."""
        await self.conn.execute(
            """INSERT INTO workday_years (year, source, notice, entered_by, entered_at)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, notice = EXCLUDED.notice,
                   entered_by = EXCLUDED.entered_by, entered_at = EXCLUDED.entered_at,
                   revision = nextval('workday_revision')""",
            year, source, notice, entered_by, at)
        await self.conn.execute("DELETE FROM workday_days WHERE year = $1", year)
        await self.conn.executemany(
            "INSERT INTO workday_days (day, year, kind, name) VALUES ($1, $2, $3, $4)",
            [(day, year, s.kind.value, s.name) for day, s in sorted(schedule.items())])

    async def years(self) -> list[YearInfo]:
        rows = await self.conn.fetch(
            """SELECT y.year, y.source, y.notice, y.entered_by, y.entered_at,
                      count(*) FILTER (WHERE d.kind = 'rest') AS holidays,
                      count(*) FILTER (WHERE d.kind = 'work') AS working_days
                 FROM workday_years y LEFT JOIN workday_days d ON d.year = y.year
                GROUP BY y.year ORDER BY y.year""")
        return [YearInfo(**dict(r)) for r in rows]

    async def year(self, year: int) -> tuple[YearInfo, list[asyncpg.Record]] | None:
        info = next((y for y in await self.years() if y.year == year), None)
        if info is None:
            return None
        days = await self.conn.fetch("SELECT day, kind, name FROM workday_days WHERE year = $1 ORDER BY day", year)
        return info, list(days)


class CalendarCache:
    """The calendar as of a revision, shared by a process's requests; reloaded when stale."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self._held: tuple[int, WorkdayCalendar] = (-1, WorkdayCalendar(freeze({}), strict))

    async def current(self, conn: Any) -> WorkdayCalendar:
        """The calendar committed as seen by `conn`'s transaction (one cheap query when unchanged)."""
        return await self.at(conn, await CalendarStore(conn).revision())

    async def at(self, conn: Any, revision: int) -> WorkdayCalendar:
        """The calendar of `revision`, a revision `conn`'s transaction has just read (loaded only when
        it is not the one held)."""
        held_revision, calendar = self._held
        if revision != held_revision:
            calendar = WorkdayCalendar(freeze(await CalendarStore(conn).load()), self.strict)
            self._held = (revision, calendar)
        return calendar
