"""Read-side SQL for screens: lists and details (no domain objects needed; ciphertexts decrypted by
the route, which masks them for roles without access)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg


def _scope(township_code: str | None, args: list[Any], column: str = "township_code") -> str:
    if township_code is None:
        return "TRUE"
    args.append(township_code)
    return f"{column} = ${len(args)}"


async def get_cadre(conn: asyncpg.Connection, cadre_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM lia_cadres WHERE cadre_id = $1", cadre_id)


async def list_stationings(conn: asyncpg.Connection, township_code: str | None, *, active_on: date | None,
                           limit: int, offset: int) -> tuple[int, list[asyncpg.Record]]:
    args: list[Any] = []
    where = _scope(township_code, args)
    if active_on is not None:
        args.append(active_on)
        where += f" AND starts_on <= ${len(args)} AND (ends_on IS NULL OR ends_on >= ${len(args)})"
    total = await conn.fetchval(f"SELECT count(*) FROM lia_stationings WHERE {where}", *args)
    rows = await conn.fetch(f"SELECT * FROM lia_stationings WHERE {where} ORDER BY village_code, starts_on"
                            f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
    return total, rows


async def cadre_names(conn: asyncpg.Connection, cadre_ids: list[str]) -> dict[str, str]:
    """The names cadres registered as their work contact (printed on cards), by account."""
    rows = await conn.fetch("SELECT cadre_id, name FROM lia_cadres WHERE cadre_id = ANY($1::text[])", cadre_ids)
    return {r["cadre_id"]: r["name"] for r in rows}


async def get_stationing(conn: asyncpg.Connection, stationing_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM lia_stationings WHERE id = $1", stationing_id)


async def presence_between(conn: asyncpg.Connection, stationing_ids: list[UUID], first: date,
                           last: date) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT stationing_id, day, status, note FROM lia_presence WHERE stationing_id = ANY($1)"
                            " AND day BETWEEN $2 AND $3 ORDER BY day", stationing_ids, first, last)


async def closed_weeks(conn: asyncpg.Connection, stationing_id: UUID, limit: int = 60) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT w.*, r.text AS report FROM lia_weeks w LEFT JOIN lia_reports r USING"
                            " (stationing_id, week_start) WHERE w.stationing_id = $1 ORDER BY week_start DESC"
                            " LIMIT $2", stationing_id, limit)


async def short_streaks(conn: asyncpg.Connection, since: date) -> list[asyncpg.Record]:
    """Per township: stationings still running on `since` whose latest closed weeks were short."""
    return await conn.fetch("SELECT township_code, count(*) FILTER (WHERE short_streak >= 2) AS two_running,"
                            " count(*) FILTER (WHERE short_streak >= 1) AS short FROM lia_stationings"
                            " WHERE ends_on IS NULL OR ends_on >= $1 GROUP BY township_code", since)


async def list_misconduct(conn: asyncpg.Connection, township_code: str | None, *, limit: int,
                          offset: int) -> tuple[int, list[asyncpg.Record]]:
    args: list[Any] = []
    where = _scope(township_code, args)
    total = await conn.fetchval(f"SELECT count(*) FROM lia_misconduct WHERE {where}", *args)
    rows = await conn.fetch(f"SELECT * FROM lia_misconduct WHERE {where} ORDER BY reported_at DESC"
                            f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
    return total, rows


async def list_households(conn: asyncpg.Connection, township_code: str | None, village_code: str | None, *,
                          unvisited_since: date | None, limit: int, offset: int) -> tuple[int, list[asyncpg.Record]]:
    args: list[Any] = []
    where = _scope(township_code, args, "h.township_code")
    if village_code is not None:
        args.append(village_code)
        where += f" AND h.village_code = ${len(args)}"
    if unvisited_since is not None:
        args.append(unvisited_since)
        where += (f" AND NOT EXISTS (SELECT 1 FROM lia_visits v WHERE v.household_id = h.id"
                  f" AND v.visited_on >= ${len(args)})")
    total = await conn.fetchval(f"SELECT count(*) FROM lia_households h WHERE {where}", *args)
    rows = await conn.fetch(
        f"SELECT h.*, (SELECT max(visited_on) FROM lia_visits v WHERE v.household_id = h.id) AS last_visit"
        f" FROM lia_households h WHERE {where} ORDER BY h.village_code, h.registered_at"
        f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
    return total, rows


async def get_household(conn: asyncpg.Connection, household_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM lia_households WHERE id = $1", household_id)


async def latest_card(conn: asyncpg.Connection, household_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM lia_cards WHERE household_id = $1 ORDER BY card_no DESC LIMIT 1",
                               household_id)


async def list_visits(conn: asyncpg.Connection, household_id: UUID, limit: int = 100) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM lia_visits WHERE household_id = $1 ORDER BY visited_on DESC, recorded_at"
                            " DESC LIMIT $2", household_id, limit)
