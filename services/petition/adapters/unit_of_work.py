"""The petition unit of work: what every handler receives (the kit's `ServiceUnitOfWork` with the
matters and the holiday calendar), and its PostgreSQL implementation. The in-memory one is in the
unit tests."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from minqing_kit.uow import PostgresUnitOfWork, ServiceUnitOfWork

from .calendar_store import CalendarCache
from .contract_mapping import MAPPING
from .field_visits import FieldVisitLinks, PgFieldVisitLinks
from .repository import CalendarRepository, MatterRepository, PgCalendarRepository, PgMatterRepository


class PetitionUnitOfWork(ServiceUnitOfWork):
    matters: MatterRepository
    calendar: CalendarRepository
    links: FieldVisitLinks  # matters raised from liaison visits


class PostgresPetitionUnitOfWork(PostgresUnitOfWork, PetitionUnitOfWork):
    def __init__(self, source: str, matters: Callable[[asyncpg.Connection], PgMatterRepository],
                 calendar: CalendarCache, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
        super().__init__(MAPPING, source, pool=pool, conn=conn)
        self._matters, self._calendar = matters, calendar

    def _open(self, conn: asyncpg.Connection) -> None:
        self.matters = self._matters(conn)
        self.calendar = PgCalendarRepository(conn, self._calendar)
        self.links = PgFieldVisitLinks(conn)
