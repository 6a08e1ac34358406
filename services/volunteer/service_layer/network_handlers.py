"""Handlers for the network (stations, service points, teams, volunteers), activities and records."""

from __future__ import annotations

from uuid import UUID, uuid4

from minqing_kit.errors import InvalidInput
from services.volunteer.adapters import repository as db
from services.volunteer.adapters.contract_mapping import pending_events, team_registered
from services.volunteer.domain._guards import parse_enum, require_text
from services.volunteer.domain.activity import Activity
from services.volunteer.domain.divisions import township_of
from services.volunteer.domain.enums import HoursSource, Level, Specialty
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.network import AvailabilitySlot, ServicePoint, Station, Team, Volunteer
from services.volunteer.domain.record import (
    AwardEntry,
    EvaluationEntry,
    ServiceEntry,
    TrainingEntry,
    VolunteerRecord,
)
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer.deps import Deps
from services.volunteer.service_layer.handlers import _known_volunteers


def known_division(deps: Deps, code: str, field: str) -> str:
    """A code of this county: the county itself, one of its townships or villages."""
    if code != deps.county.code and deps.county.township(code) is None and deps.county.village(code) is None:
        raise InvalidInput(f"未知的区划代码 (unknown division code {code} in {deps.county.name})",
                           field=field, rule="known_division")
    return code


async def register_station(deps: Deps, cmd: c.RegisterStation, actor: c.Actor) -> Station:
    level = parse_enum(Level, cmd.level, "level")
    station = Station(id=uuid4(), level=level, division_code=cmd.division_code,
                      name=require_text(cmd.name, "name", max_len=100))
    known_division(deps, cmd.division_code, "division_code")
    actor.ensure_covers(cmd.division_code)
    async with deps.uow() as uow:
        await db.add_station(uow.conn, station, deps.clock())
        await uow.commit()
    return station


async def register_service_point(deps: Deps, cmd: c.RegisterServicePoint, actor: c.Actor) -> ServicePoint:
    async with deps.uow() as uow:
        station = await db.get_station(uow.conn, cmd.station_id)
        actor.ensure_covers(station.division_code)
        point = ServicePoint.at(station, id=uuid4(), name=cmd.name)
        await db.add_service_point(uow.conn, point, deps.clock())
        await uow.commit()
    return point


async def register_team(deps: Deps, cmd: c.RegisterTeam, actor: c.Actor) -> Team:
    async with deps.uow() as uow:
        station = await db.get_station(uow.conn, cmd.home_station_id)
        actor.ensure_covers(station.division_code)
        team = Team(id=uuid4(), name=cmd.name, level=station.level, home_station_id=station.id,
                    home_division_code=station.division_code,
                    specialties=frozenset(parse_enum(Specialty, s, "specialties") for s in cmd.specialties),
                    capacity=cmd.capacity)
        now = deps.clock()
        await db.add_team(uow.conn, team, now)
        township = deps.county.code if station.level is Level.county else township_of(station.division_code)
        uow.publish(team_registered(team, township, now))
        await uow.commit()
    return team


async def register_volunteer(deps: Deps, cmd: c.RegisterVolunteer, actor: c.Actor) -> UUID:
    if deps.county.township(cmd.township_code) is None:
        raise InvalidInput(f"未知的乡镇代码 (unknown township code {cmd.township_code})", field="township_code",
                           rule="known_township")
    actor.ensure_covers(cmd.township_code)
    volunteer = Volunteer(
        id=uuid4(), skills=frozenset(parse_enum(Specialty, s, "skills") for s in cmd.skills),
        available_time=tuple(AvailabilitySlot(s.weekday, s.start, s.end) for s in cmd.available_time),
        team_ids=frozenset(cmd.team_ids))
    name = require_text(cmd.name, "name", max_len=50)
    async with deps.uow() as uow:
        for team_id in volunteer.team_ids:
            await db.get_team(uow.conn, team_id)
        await db.add_volunteer(
            uow.conn, id=volunteer.id, person_ref=deps.pseudonym(cmd.id_number, "volunteer"),
            name_enc=deps.cipher.encrypt(name) or "", phone_enc=deps.cipher.encrypt(cmd.phone) or "",
            id_number_enc=deps.cipher.encrypt(cmd.id_number.upper()) or "", township_code=cmd.township_code,
            skills=[s.value for s in volunteer.skills],
            available_time=[{"weekday": s.weekday, "start": s.start.isoformat(), "end": s.end.isoformat()}
                            for s in volunteer.available_time],
            team_ids=volunteer.team_ids, now=deps.clock())
        await uow.commit()
    return volunteer.id


async def record_activity(deps: Deps, cmd: c.RecordActivity, actor: c.Actor) -> Activity:
    known_division(deps, cmd.place_code, "place_code")
    actor.ensure_covers(cmd.place_code)
    spans = tuple(ServiceSpan(p.volunteer_id, p.start, p.end) for p in cmd.participants)
    async with deps.uow() as uow:
        await db.get_team(uow.conn, cmd.team_id)
        await _known_volunteers(uow.conn, spans)
        now = deps.clock()
        activity = Activity.record(
            id=uuid4(), activity_type=cmd.activity_type, title=cmd.title, team_id=cmd.team_id,
            place_code=cmd.place_code, held_at=cmd.held_at, participants=spans, organiser=cmd.organiser, now=now,
            existing_spans=await db.spans_of(uow.conn, (s.volunteer_id for s in spans)))
        township = township_of(cmd.place_code, "place_code")
        await db.add_activity(uow.conn, activity, township)
        await db.add_hours(uow.conn, [ServiceEntry(HoursSource.activity, activity.id, s, activity.organiser,
                                                   activity.team_id) for s in spans], township, now)
        pending, _ = pending_events(activity.events)
        uow.publish(*pending)
        await uow.commit()
    return activity


async def add_record_entry(deps: Deps, cmd: c.AddRecordEntry, actor: c.Actor) -> None:
    async with deps.uow() as uow:
        actor.ensure_covers(await db.volunteer_township(uow.conn, cmd.volunteer_id))
        record = VolunteerRecord(cmd.volunteer_id)  # validates the entry; the stored record is append-only
        if cmd.kind == "training":
            record.add_training(TrainingEntry(cmd.at, cmd.title, cmd.minutes or 0, cmd.recorded_by))
        elif cmd.kind == "award":
            record.add_award(AwardEntry(cmd.at, cmd.title, cmd.recorded_by))
        elif cmd.kind == "evaluation":
            record.add_evaluation(EvaluationEntry(cmd.at, cmd.title, cmd.recorded_by))
        else:
            raise InvalidInput("记录类型须为 training/award/evaluation (kind must be training, award or evaluation)",
                               field="kind", rule="one_of")
        await db.add_record_entry(uow.conn, cmd.volunteer_id, cmd.kind, cmd.at, cmd.title.strip(),
                                  cmd.minutes if cmd.kind == "training" else None, cmd.recorded_by.strip())
        await uow.commit()


async def load_record(deps: Deps, volunteer_id: UUID, actor: c.Actor) -> VolunteerRecord:
    async with deps.uow() as uow:
        actor.ensure_covers(await db.volunteer_township(uow.conn, volunteer_id))
        return await db.load_record(uow.conn, volunteer_id)
