"""SQL of the links between 民情走访 matters and the liaison visits that raised them.

One row per problem (`liaison.problem_raised`): the primary key on the problem id is the second guard
of exactly-once intake (the first is the consumer's record of the event id), so a problem raised again
under another event id still finds its matter instead of opening a second one.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class FieldVisitLink:
    problem_id: UUID
    matter_id: UUID
    visit_id: UUID
    household: str
    event_id: UUID
    created_at: datetime


class FieldVisitLinks(abc.ABC):
    @abc.abstractmethod
    async def matter_for(self, problem_id: UUID) -> UUID | None: ...

    @abc.abstractmethod
    async def add(self, link: FieldVisitLink) -> None: ...


class PgFieldVisitLinks(FieldVisitLinks):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def matter_for(self, problem_id: UUID) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(
            "SELECT matter_id FROM pet_field_visit_links WHERE problem_id = $1", problem_id)
        return found

    async def add(self, link: FieldVisitLink) -> None:
        await self.conn.execute(
            "INSERT INTO pet_field_visit_links (problem_id, matter_id, visit_id, household, event_id, created_at)"
            " VALUES ($1,$2,$3,$4,$5,$6)", link.problem_id, link.matter_id, link.visit_id, link.household,
            link.event_id, link.created_at)


async def links_of_visit(conn: asyncpg.Connection, visit_id: UUID) -> list[asyncpg.Record]:
    """Read side: the matters a visit raised."""
    return await conn.fetch("SELECT l.problem_id, l.matter_id, m.status, m.category, m.subcategory"
                            " FROM pet_field_visit_links l JOIN matters m ON m.id = l.matter_id"
                            " WHERE l.visit_id = $1 ORDER BY l.created_at", visit_id)
