"""In-memory volunteer unit of work for handler tests: the kit's fakes with this service's repositories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import Conflict, NotFound
from minqing_kit.fakes import FakeRepository, FakeUnitOfWork
from services.volunteer.adapters.contract_mapping import MAPPING
from services.volunteer.adapters.repository import ActivityRepository, NetworkRepository, RequestRepository
from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork
from services.volunteer.domain.activity import Activity
from services.volunteer.domain.enums import RequestStatus
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.network import ServicePoint, Station, Team
from services.volunteer.domain.record import ServiceEntry, TrainingEntry, VolunteerRecord
from services.volunteer.domain.request import Request

PENDING = {RequestStatus.submitted, RequestStatus.approved, RequestStatus.dispatched,
           RequestStatus.needs_manual_dispatch}


class FakeRequests(FakeRepository[Request], RequestRepository):
    def __init__(self) -> None:
        super().__init__()
        self.escalations: set[tuple[UUID, int]] = set()

    async def get(self, request_id: UUID, *, for_update: bool = False) -> Request:
        if request_id not in self.rows:
            raise NotFound(f"微心愿不存在 (no request {request_id})", field="request_id", rule="exists")
        return self.load(request_id)

    async def record_escalation(self, request_id: UUID, from_attempt: int, now: datetime) -> bool:
        if (request_id, from_attempt) in self.escalations:
            return False
        self.escalations.add((request_id, from_attempt))
        return True

    async def due_for_escalation(self, cutoff: datetime, limit: int = 100) -> list[UUID]:
        due = [r for r, _, _ in self.rows.values() if r.status is RequestStatus.dispatched
               and r.current_dispatch_at is not None and r.current_dispatch_at <= cutoff]
        return [r.id for r in sorted(due, key=lambda r: r.current_dispatch_at)][:limit]

    async def pending_by_township(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r, _, _ in self.rows.values():
            if r.status in PENDING:
                counts[r.township_code] = counts.get(r.township_code, 0) + 1
        return counts

    def stored(self, request_id: UUID) -> Request:
        return self.rows[request_id][0]


class FakeActivities(FakeRepository[Activity], ActivityRepository):
    pass


class FakeNetwork(NetworkRepository):
    def __init__(self) -> None:
        self.stations: dict[UUID, Station] = {}
        self.points: dict[UUID, ServicePoint] = {}
        self.teams: dict[UUID, Team] = {}
        self.volunteers: dict[UUID, dict[str, Any]] = {}
        self.hours: list[tuple[ServiceEntry, str]] = []
        self.entries: list[tuple[UUID, str, datetime, str, int | None, str]] = []
        self.dispatch_locks = 0

    async def lock_dispatch(self) -> None:
        self.dispatch_locks += 1

    async def add_station(self, station: Station, now: datetime) -> None:
        if any(s.name == station.name and s.division_code == station.division_code for s in self.stations.values()):
            raise Conflict("同名实践站点已存在 (a station with this name exists there)", field="name", rule="unique")
        self.stations[station.id] = station

    async def get_station(self, station_id: UUID) -> Station:
        if station_id not in self.stations:
            raise NotFound(f"实践站点不存在 (no station {station_id})", field="station_id", rule="exists")
        return self.stations[station_id]

    async def add_service_point(self, point: ServicePoint, now: datetime) -> None:
        self.points[point.id] = point

    async def add_team(self, team: Team, now: datetime) -> None:
        self.teams[team.id] = team

    async def get_team(self, team_id: UUID) -> Team:
        if team_id not in self.teams:
            raise NotFound(f"服务队不存在 (no team {team_id})", field="team_id", rule="exists")
        return self.teams[team_id]

    async def active_teams(self) -> list[Team]:
        return sorted((t for t in self.teams.values() if t.active), key=lambda t: t.id)

    async def open_counts(self) -> dict[UUID, int]:
        return {}  # the tests' teams have room; capacity rules are the domain's tests

    async def add_volunteer(self, *, id: UUID, person_ref: str, name_enc: str, phone_enc: str,
                            id_number_enc: str, township_code: str, skills: Iterable[str],
                            available_time: list[dict[str, Any]], team_ids: Iterable[UUID], now: datetime) -> None:
        if any(v["person_ref"] == person_ref for v in self.volunteers.values()):
            raise Conflict("该身份证号已注册为志愿者 (this ID number is already registered)", field="id_number",
                           rule="unique")
        self.volunteers[id] = {"person_ref": person_ref, "name_enc": name_enc, "phone_enc": phone_enc,
                               "id_number_enc": id_number_enc, "township_code": township_code,
                               "skills": sorted(skills), "team_ids": set(team_ids)}

    async def missing_volunteers(self, ids: Iterable[UUID]) -> set[UUID]:
        return set(ids) - set(self.volunteers)

    async def spans_of(self, volunteer_ids: Iterable[UUID]) -> list[ServiceSpan]:
        wanted = set(volunteer_ids)
        return [e.span for e, _ in self.hours if e.span.volunteer_id in wanted]

    async def add_hours(self, entries: Iterable[ServiceEntry], township_code: str, now: datetime) -> None:
        self.hours.extend((e, township_code) for e in entries)

    async def load_record(self, volunteer_id: UUID) -> VolunteerRecord:
        record = VolunteerRecord(volunteer_id)
        record.services.extend(e for e, _ in self.hours if e.span.volunteer_id == volunteer_id)
        record.trainings.extend(TrainingEntry(at, title, minutes or 0, by) for v, kind, at, title, minutes, by
                                in self.entries if v == volunteer_id and kind == "training")
        return record

    async def add_record_entry(self, volunteer_id: UUID, kind: str, at: datetime, title: str,
                               minutes: int | None, recorded_by: str) -> None:
        self.entries.append((volunteer_id, kind, at, title, minutes, recorded_by))

    async def volunteer_township(self, volunteer_id: UUID) -> str:
        if volunteer_id not in self.volunteers:
            raise NotFound(f"志愿者不存在 (no volunteer {volunteer_id})", field="volunteer_id", rule="exists")
        return str(self.volunteers[volunteer_id]["township_code"])


class FakeVolunteerUnitOfWork(FakeUnitOfWork, VolunteerUnitOfWork):
    """One instance serves a whole test: its repositories are the 'database' between units of work."""

    def __init__(self) -> None:
        super().__init__(MAPPING)
        self.requests = FakeRequests()
        self.activities = FakeActivities()
        self.network = FakeNetwork()
