"""SQL for the volunteer service: load and save domain objects (asyncpg, inside a unit of work).

Each repository is an interface (what handlers may ask; `tests/unit/volunteer/fakes.py` implements it
in memory) and its PostgreSQL implementation. The request and activity repositories remember what
they loaded or added (the kit's `Repository.seen`); the unit of work saves those and publishes their
events at commit. Reads for screens (lists, detail, records) are in `views.py`; this is the write side.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.errors import Conflict, NotFound
from minqing_kit.uow import Repository, Tracked
from services.volunteer.domain.activity import Activity
from services.volunteer.domain.enums import Level, RequestStatus, Specialty, Urgency
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.lifecycle import OPEN_ASSIGNMENT_STATUSES, AuditEntry, TimeWindow
from services.volunteer.domain.network import ServicePoint, Station, Team
from services.volunteer.domain.record import (
    AwardEntry,
    EvaluationEntry,
    ServiceEntry,
    TrainingEntry,
    VolunteerRecord,
)
from services.volunteer.domain.request import Request

_OPEN = [s.value for s in OPEN_ASSIGNMENT_STATUSES]
# Serialises dispatch decisions (auto, manual, grab, escalation) so two of them never both take a
# team's last free place; county volumes make one lock cheap.
_DISPATCH_LOCK = 0x766F6C64  # "vold"


def _team(row: asyncpg.Record) -> Team:
    return Team(id=row["id"], name=row["name"], level=Level(row["level"]), home_station_id=row["home_station_id"],
                home_division_code=row["home_division_code"],
                specialties=frozenset(Specialty(s) for s in row["specialties"]), capacity=row["capacity"],
                active=row["active"])


class NetworkRepository(abc.ABC):
    """Reference data (stations, service points, teams, volunteers) and the append-only hours and records."""

    @abc.abstractmethod
    async def lock_dispatch(self) -> None:
        """Serialise dispatch decisions until the unit of work ends."""

    @abc.abstractmethod
    async def add_station(self, station: Station, now: datetime) -> None: ...

    @abc.abstractmethod
    async def get_station(self, station_id: UUID) -> Station: ...

    @abc.abstractmethod
    async def add_service_point(self, point: ServicePoint, now: datetime) -> None: ...

    @abc.abstractmethod
    async def add_team(self, team: Team, now: datetime) -> None: ...

    @abc.abstractmethod
    async def get_team(self, team_id: UUID) -> Team: ...

    @abc.abstractmethod
    async def active_teams(self) -> list[Team]: ...

    @abc.abstractmethod
    async def open_counts(self) -> dict[UUID, int]: ...

    @abc.abstractmethod
    async def add_volunteer(self, *, id: UUID, person_ref: str, name_enc: str, phone_enc: str,
                            id_number_enc: str, township_code: str, skills: Iterable[str],
                            available_time: list[dict[str, Any]], team_ids: Iterable[UUID], now: datetime) -> None: ...

    @abc.abstractmethod
    async def missing_volunteers(self, ids: Iterable[UUID]) -> set[UUID]: ...

    @abc.abstractmethod
    async def spans_of(self, volunteer_ids: Iterable[UUID]) -> list[ServiceSpan]: ...

    @abc.abstractmethod
    async def add_hours(self, entries: Iterable[ServiceEntry], township_code: str, now: datetime) -> None: ...

    @abc.abstractmethod
    async def load_record(self, volunteer_id: UUID) -> VolunteerRecord: ...

    @abc.abstractmethod
    async def add_record_entry(self, volunteer_id: UUID, kind: str, at: datetime, title: str,
                               minutes: int | None, recorded_by: str) -> None: ...

    @abc.abstractmethod
    async def volunteer_township(self, volunteer_id: UUID) -> str: ...


class RequestRepository(Repository[Request], abc.ABC):
    """The request aggregate: `get` and `add` track it; the unit of work saves it at commit."""

    @abc.abstractmethod
    async def get(self, request_id: UUID, *, for_update: bool = False) -> Request: ...

    def add(self, req: Request, *, requester_name_enc: str | None, requester_phone_enc: str | None) -> Request:
        return self._added(req, requester_name_enc=requester_name_enc, requester_phone_enc=requester_phone_enc)

    @abc.abstractmethod
    async def record_escalation(self, request_id: UUID, from_attempt: int, now: datetime) -> bool:
        """False if this dispatch attempt was already escalated (exactly-once guard)."""

    @abc.abstractmethod
    async def due_for_escalation(self, cutoff: datetime, limit: int = 100) -> list[UUID]: ...

    @abc.abstractmethod
    async def pending_by_township(self) -> dict[str, int]: ...


class ActivityRepository(Repository[Activity]):
    """Activities are recorded once (`add`); the unit of work inserts them at commit."""

    def add(self, activity: Activity, township_code: str) -> Activity:
        return self._added(activity, township_code=township_code)


class PgNetworkRepository(NetworkRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def lock_dispatch(self) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock($1)", _DISPATCH_LOCK)

    async def add_station(self, station: Station, now: datetime) -> None:
        try:
            await self.conn.execute("INSERT INTO vol_stations (id, level, division_code, name, created_at)"
                               " VALUES ($1, $2, $3, $4, $5)", station.id, station.level.value,
                               station.division_code, station.name, now)
        except asyncpg.UniqueViolationError:
            raise Conflict("同名实践站点已存在 (a station with this name exists there)", field="name",
                           rule="unique") from None


    async def get_station(self, station_id: UUID) -> Station:
        row = await self.conn.fetchrow("SELECT * FROM vol_stations WHERE id = $1", station_id)
        if row is None:
            raise NotFound(f"实践站点不存在 (no station {station_id})", field="station_id", rule="exists")
        return Station(id=row["id"], level=Level(row["level"]), division_code=row["division_code"], name=row["name"])


    async def add_service_point(self, point: ServicePoint, now: datetime) -> None:
        await self.conn.execute("INSERT INTO vol_service_points (id, station_id, name, village_code, created_at)"
                           " VALUES ($1, $2, $3, $4, $5)", point.id, point.station_id, point.name, point.village_code, now)


    async def add_team(self, team: Team, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO vol_teams (id, name, level, home_station_id, home_division_code, specialties, capacity,"
            " active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            team.id, team.name, team.level.value, team.home_station_id, team.home_division_code,
            sorted(s.value for s in team.specialties), team.capacity, team.active, now)


    async def get_team(self, team_id: UUID) -> Team:
        row = await self.conn.fetchrow("SELECT * FROM vol_teams WHERE id = $1", team_id)
        if row is None:
            raise NotFound(f"服务队不存在 (no team {team_id})", field="team_id", rule="exists")
        return _team(row)


    async def active_teams(self) -> list[Team]:
        return [_team(r) for r in await self.conn.fetch("SELECT * FROM vol_teams WHERE active ORDER BY id")]


    async def open_counts(self) -> dict[UUID, int]:
        rows = await self.conn.fetch("SELECT team_id, count(*) AS n FROM vol_requests"
                                " WHERE team_id IS NOT NULL AND status = ANY($1::text[]) GROUP BY team_id", _OPEN)
        return {r["team_id"]: r["n"] for r in rows}


    async def add_volunteer(self, *, id: UUID, person_ref: str, name_enc: str, phone_enc: str,
                            id_number_enc: str, township_code: str, skills: Iterable[str],
                            available_time: list[dict[str, Any]], team_ids: Iterable[UUID], now: datetime) -> None:
        try:
            await self.conn.execute(
                "INSERT INTO vol_volunteers (id, person_ref, name_enc, phone_enc, id_number_enc, township_code, skills,"
                " available_time, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                id, person_ref, name_enc, phone_enc, id_number_enc, township_code, sorted(skills), available_time, now)
        except asyncpg.UniqueViolationError:
            raise Conflict("该身份证号已注册为志愿者 (this ID number is already registered)", field="id_number",
                           rule="unique") from None
        await self.conn.executemany("INSERT INTO vol_team_members (team_id, volunteer_id) VALUES ($1, $2)",
                               [(t, id) for t in team_ids])


    async def missing_volunteers(self, ids: Iterable[UUID]) -> set[UUID]:
        wanted = set(ids)
        found = await self.conn.fetch("SELECT id FROM vol_volunteers WHERE id = ANY($1::uuid[])", list(wanted))
        return wanted - {r["id"] for r in found}


    # ----- hours -----------------------------------------------------------------------------------
    async def spans_of(self, volunteer_ids: Iterable[UUID]) -> list[ServiceSpan]:
        """Time already credited to these volunteers (locked, so a concurrent close-out waits)."""
        rows = await self.conn.fetch("SELECT volunteer_id, start_at, end_at FROM vol_hours"
                                " WHERE volunteer_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", list(set(volunteer_ids)))
        return [ServiceSpan(r["volunteer_id"], r["start_at"], r["end_at"]) for r in rows]


    async def add_hours(self, entries: Iterable[ServiceEntry], township_code: str,
                        now: datetime) -> None:
        rows = [(e.span.volunteer_id, e.source.value, e.source_id, e.team_id, township_code, e.span.start, e.span.end,
                 e.minutes, e.recorded_by, now) for e in entries]
        try:
            await self.conn.executemany(
                "INSERT INTO vol_hours (volunteer_id, source, source_id, team_id, township_code, start_at, end_at,"
                " minutes, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", rows)
        except asyncpg.ExclusionViolationError:
            # A concurrent close-out got there first; the domain check saw the state before it.
            raise Conflict("志愿者服务时段重叠 (overlapping spans for a volunteer)", field="spans",
                           rule="no_overlap_per_volunteer") from None


    async def load_record(self, volunteer_id: UUID) -> VolunteerRecord:
        from services.volunteer.domain.enums import HoursSource

        record = VolunteerRecord(volunteer_id)
        for r in await self.conn.fetch("SELECT * FROM vol_hours WHERE volunteer_id = $1 ORDER BY start_at", volunteer_id):
            record.services.append(ServiceEntry(HoursSource(r["source"]), r["source_id"],
                                                ServiceSpan(volunteer_id, r["start_at"], r["end_at"]),
                                                r["recorded_by"], r["team_id"]))
        for r in await self.conn.fetch("SELECT * FROM vol_record_entries WHERE volunteer_id = $1 ORDER BY at, id",
                                  volunteer_id):
            if r["kind"] == "training":
                record.trainings.append(TrainingEntry(r["at"], r["title"], r["minutes"] or 0, r["recorded_by"]))
            elif r["kind"] == "award":
                record.awards.append(AwardEntry(r["at"], r["title"], r["recorded_by"]))
            else:
                record.evaluations.append(EvaluationEntry(r["at"], r["title"], r["recorded_by"]))
        return record


    async def add_record_entry(self, volunteer_id: UUID, kind: str, at: datetime, title: str,
                               minutes: int | None, recorded_by: str) -> None:
        await self.conn.execute("INSERT INTO vol_record_entries (volunteer_id, kind, at, title, minutes, recorded_by)"
                           " VALUES ($1, $2, $3, $4, $5, $6)", volunteer_id, kind, at, title, minutes, recorded_by)


    async def volunteer_township(self, volunteer_id: UUID) -> str:
        township = await self.conn.fetchval("SELECT township_code FROM vol_volunteers WHERE id = $1", volunteer_id)
        if township is None:
            raise NotFound(f"志愿者不存在 (no volunteer {volunteer_id})", field="volunteer_id", rule="exists")
        return str(township)


class PgActivityRepository(ActivityRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self.conn = conn

    async def save(self, tracked: Tracked[Activity]) -> None:
            if not tracked.new:
                return  # recorded once, never changed
            activity = tracked.aggregate
            await self.conn.execute(
            "INSERT INTO vol_activities (id, activity_type, title, team_id, place_code, township_code, held_at,"
            " organiser, person_times, total_minutes, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            activity.id, activity.activity_type.value, activity.title, activity.team_id, activity.place_code,
            tracked.extra["township_code"], activity.held_at, activity.organiser, activity.person_times, activity.total_minutes,
            activity.recorded_at)


class PgRequestRepository(RequestRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self.conn = conn

    async def get(self, request_id: UUID, *, for_update: bool = False) -> Request:
        row = await self.conn.fetchrow(
            "SELECT * FROM vol_requests WHERE id = $1" + (" FOR UPDATE" if for_update else ""), request_id)
        if row is None:
            raise NotFound(f"微心愿不存在 (no request {request_id})", field="request_id", rule="exists")
        audit = await self.conn.fetch("SELECT * FROM vol_request_audit WHERE request_id = $1 ORDER BY seq", request_id)
        spans = await self.conn.fetch("SELECT volunteer_id, start_at, end_at FROM vol_hours"
                                      " WHERE source = 'request' AND source_id = $1 ORDER BY id", request_id)
        rating = await self.conn.fetchrow("SELECT * FROM vol_ratings WHERE request_id = $1", request_id)
        window = (TimeWindow(row["preferred_start"], row["preferred_end"])
                  if row["preferred_start"] is not None else None)
        return self._loaded(Request(
            id=row["id"], category=Specialty(row["category"]), village_code=row["village_code"],
            description=row["description"], urgency=Urgency(row["urgency"]), requester=row["requester"],
            submitted_at=row["submitted_at"], preferred_window=window, status=RequestStatus(row["status"]),
            approved_at=row["approved_at"], dispatched_at=row["dispatched_at"],
            current_dispatch_at=row["current_dispatch_at"], accepted_at=row["accepted_at"],
            started_at=row["started_at"], completed_at=row["completed_at"], rated_at=row["rated_at"],
            closed_at=row["closed_at"], team_id=row["team_id"],
            team_level=Level(row["team_level"]) if row["team_level"] else None, grabbed=row["grabbed"],
            attempts=row["attempts"], min_level=Level(row["min_level"]),
            excluded_team_ids=set(row["excluded_team_ids"]),
            spans=tuple(ServiceSpan(s["volunteer_id"], s["start_at"], s["end_at"]) for s in spans),
            stars=rating["stars"] if rating else None, comment=rating["comment"] if rating else "",
            close_reason=row["close_reason"],
            audit=[AuditEntry(a["at"], a["actor"], a["action"], RequestStatus(a["from_status"]),
                              RequestStatus(a["to_status"]), a["note"]) for a in audit],
        ), row["version"])

    async def save(self, tracked: Tracked[Request]) -> None:
        """Insert or update the request row, append new audit entries, store the rating once given."""
        req, version = tracked.aggregate, tracked.version
        requester_name_enc = tracked.extra.get("requester_name_enc")
        requester_phone_enc = tracked.extra.get("requester_phone_enc")
        window = req.preferred_window
        await self.conn.execute(
            """
            INSERT INTO vol_requests (id, version, category, village_code, township_code, description, urgency,
                requester, requester_name_enc, requester_phone_enc, preferred_start, preferred_end, status,
                submitted_at, approved_at, dispatched_at, current_dispatch_at, accepted_at, started_at,
                completed_at, rated_at, closed_at, team_id, team_level, grabbed, attempts, min_level,
                excluded_team_ids, close_reason)
            VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,
                    $26,$27,$28,$29)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
                approved_at = EXCLUDED.approved_at, dispatched_at = EXCLUDED.dispatched_at,
                current_dispatch_at = EXCLUDED.current_dispatch_at, accepted_at = EXCLUDED.accepted_at,
                started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,
                rated_at = EXCLUDED.rated_at, closed_at = EXCLUDED.closed_at, team_id = EXCLUDED.team_id,
                team_level = EXCLUDED.team_level, grabbed = EXCLUDED.grabbed, attempts = EXCLUDED.attempts,
                min_level = EXCLUDED.min_level, excluded_team_ids = EXCLUDED.excluded_team_ids,
                close_reason = EXCLUDED.close_reason
            """,
            req.id, version, req.category.value, req.village_code, req.township_code, req.description,
            req.urgency.value, req.requester, requester_name_enc, requester_phone_enc,
            window.start if window else None, window.end if window else None, req.status.value,
            req.submitted_at, req.approved_at, req.dispatched_at, req.current_dispatch_at, req.accepted_at,
            req.started_at, req.completed_at, req.rated_at, req.closed_at, req.team_id,
            req.team_level.value if req.team_level else None, req.grabbed, req.attempts, req.min_level.value,
            sorted(req.excluded_team_ids, key=str), req.close_reason)
        await self.conn.executemany(
            "INSERT INTO vol_request_audit (request_id, seq, at, actor, action, from_status, to_status, note)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (request_id, seq) DO NOTHING",
            [(req.id, i, a.at, a.actor, a.action, a.from_status.value, a.to_status.value, a.note)
             for i, a in enumerate(req.audit)])
        if req.stars is not None and req.rated_at is not None:
            await self.conn.execute(
                "INSERT INTO vol_ratings (request_id, stars, comment, rated_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (request_id) DO NOTHING", req.id, req.stars, req.comment, req.rated_at)

    async def record_escalation(self, request_id: UUID, from_attempt: int, now: datetime) -> bool:
        done = await self.conn.fetchval(
            "INSERT INTO vol_escalations (request_id, from_attempt, escalated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true", request_id, from_attempt, now)
        return bool(done)

    async def due_for_escalation(self, cutoff: datetime, limit: int = 100) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT id FROM vol_requests WHERE status = 'dispatched' AND current_dispatch_at <= $1"
            " ORDER BY current_dispatch_at LIMIT $2", cutoff, limit)
        return [r["id"] for r in rows]

    async def pending_by_township(self) -> dict[str, int]:
        rows = await self.conn.fetch(
            "SELECT township_code, count(*) AS n FROM vol_requests"
            " WHERE status IN ('submitted', 'approved', 'dispatched', 'needs_manual_dispatch')"
            " GROUP BY township_code")
        return {r["township_code"]: r["n"] for r in rows}
