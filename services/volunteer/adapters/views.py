"""Read-side SQL for screens: filtered, paginated lists and details (no domain objects needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class RequestFilter:
    township_code: str | None = None
    village_code: str | None = None
    status: str | None = None
    category: str | None = None
    team_id: UUID | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None


_REQUEST_COLUMNS = (
    "id, category, village_code, township_code, description, urgency, status, submitted_at, approved_at,"
    " dispatched_at, current_dispatch_at, accepted_at, started_at, completed_at, rated_at, closed_at, team_id,"
    " team_level, grabbed, attempts, close_reason, requester_name_enc, requester_phone_enc,"
    # the serving team's name: a township's board shows the county team serving its villager, a team
    # outside the township's own team list
    " (SELECT t.name FROM vol_teams t WHERE t.id = vol_requests.team_id) AS team_name")


def _where(f: RequestFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for column, value in (("township_code", f.township_code), ("village_code", f.village_code),
                          ("status", f.status), ("category", f.category), ("team_id", f.team_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if f.submitted_from is not None:
        args.append(f.submitted_from)
        clauses.append(f"submitted_at >= ${len(args)}")
    if f.submitted_to is not None:
        args.append(f.submitted_to)
        clauses.append(f"submitted_at < ${len(args)}")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


async def list_requests(conn: asyncpg.Connection, f: RequestFilter, *, limit: int, offset: int
                        ) -> tuple[int, list[asyncpg.Record]]:
    where, args = _where(f)
    total = await conn.fetchval(f"SELECT count(*) FROM vol_requests{where}", *args)
    rows = await conn.fetch(f"SELECT {_REQUEST_COLUMNS} FROM vol_requests{where}"
                            f" ORDER BY submitted_at DESC, id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
                            *args, limit, offset)
    return total, rows


async def request_detail(conn: asyncpg.Connection, request_id: UUID
                         ) -> tuple[asyncpg.Record | None, list[asyncpg.Record], asyncpg.Record | None,
                                    list[asyncpg.Record]]:
    row = await conn.fetchrow(f"SELECT {_REQUEST_COLUMNS} FROM vol_requests WHERE id = $1", request_id)
    audit = await conn.fetch("SELECT seq, at, actor, action, from_status, to_status, note FROM vol_request_audit"
                             " WHERE request_id = $1 ORDER BY seq", request_id)
    rating = await conn.fetchrow("SELECT stars, comment, rated_at FROM vol_ratings WHERE request_id = $1", request_id)
    hours = await conn.fetch("SELECT volunteer_id, start_at, end_at, minutes FROM vol_hours"
                             " WHERE source = 'request' AND source_id = $1 ORDER BY start_at", request_id)
    return row, audit, rating, hours


async def list_stations(conn: asyncpg.Connection, prefix: str | None) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, level, division_code, name FROM vol_stations"
                            " WHERE $1::text IS NULL OR division_code LIKE $1 || '%' ORDER BY division_code, name",
                            prefix)


async def list_teams(conn: asyncpg.Connection, prefix: str | None, specialty: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT t.id, t.name, t.level, t.home_station_id, t.home_division_code, t.specialties, t.capacity, t.active,"
        " (SELECT count(*) FROM vol_requests r WHERE r.team_id = t.id"
        "  AND r.status IN ('dispatched', 'accepted', 'in_service')) AS open_assignments"
        " FROM vol_teams t WHERE ($1::text IS NULL OR t.home_division_code LIKE $1 || '%')"
        " AND ($2::text IS NULL OR $2 = ANY(t.specialties)) ORDER BY t.level, t.name", prefix, specialty)


async def get_volunteer(conn: asyncpg.Connection, volunteer_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT v.*, coalesce((SELECT array_agg(team_id) FROM vol_team_members m WHERE m.volunteer_id = v.id),"
        " '{}') AS team_ids, coalesce((SELECT sum(minutes) FROM vol_hours h WHERE h.volunteer_id = v.id), 0)"
        " AS total_minutes FROM vol_volunteers v WHERE v.id = $1", volunteer_id)


#: The volunteer list's sort keys (API value → ORDER BY); the id last keeps pages stable.
VOLUNTEER_SORTS = {
    "registered": "v.created_at, v.id", "-registered": "v.created_at DESC, v.id",
    "hours": "total_minutes, v.created_at, v.id", "-hours": "total_minutes DESC, v.created_at, v.id",
}


async def list_volunteers(conn: asyncpg.Connection, township: str | None, *, limit: int, offset: int,
                          sort: str = "registered") -> tuple[int, list[asyncpg.Record]]:
    total = await conn.fetchval("SELECT count(*) FROM vol_volunteers WHERE $1::text IS NULL OR township_code = $1",
                                township)
    rows = await conn.fetch(
        "SELECT v.*, coalesce((SELECT array_agg(team_id) FROM vol_team_members m WHERE m.volunteer_id = v.id),"
        " '{}') AS team_ids, coalesce((SELECT sum(minutes) FROM vol_hours h WHERE h.volunteer_id = v.id), 0)"
        " AS total_minutes FROM vol_volunteers v WHERE $1::text IS NULL OR v.township_code = $1"
        f" ORDER BY {VOLUNTEER_SORTS[sort]} LIMIT $2 OFFSET $3", township, limit, offset)
    return total, rows


async def list_activities(conn: asyncpg.Connection, township: str | None, *, limit: int, offset: int
                          ) -> tuple[int, list[asyncpg.Record]]:
    total = await conn.fetchval("SELECT count(*) FROM vol_activities WHERE $1::text IS NULL OR township_code = $1",
                                township)
    rows = await conn.fetch("SELECT * FROM vol_activities WHERE $1::text IS NULL OR township_code = $1"
                            " ORDER BY held_at DESC, id LIMIT $2 OFFSET $3", township, limit, offset)
    return total, rows
