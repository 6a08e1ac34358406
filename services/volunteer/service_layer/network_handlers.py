"""Handlers for the network (stations, service points, teams, volunteers), activities and records.

The kit's one signature: `(cmd, uow, actor, *, <deps bound in bootstrap>)`. Activities are tracked by
their repository (the unit of work publishes their events); a team's registration is plain data
entry, so the handler records its domain event on the unit of work.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import InvalidInput
from minqing_kit.pseudonym import Pseudonymizer
from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork
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
from services.volunteer.service_layer.handlers import known_volunteers


def known_division(county: County, code: str, field: str) -> str:
    """A code of this county: the county itself, one of its townships or villages."""
    if code != county.code and county.township(code) is None and county.village(code) is None:
        raise InvalidInput(f"未知的区划代码 (unknown division code {code} in {county.name})",
                           field=field, rule="known_division")
    return code


async def register_station(cmd: c.RegisterStation, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock,
                           county: County) -> Station:
    level = parse_enum(Level, cmd.level, "level")
    station = Station(id=uuid4(), level=level, division_code=cmd.division_code,
                      name=require_text(cmd.name, "name", max_len=100))
    known_division(county, cmd.division_code, "division_code")
    actor.ensure_covers(cmd.division_code)
    async with uow:
        await uow.network.add_station(station, clock())
        await uow.commit()
    return station


async def register_service_point(cmd: c.RegisterServicePoint, uow: VolunteerUnitOfWork, actor: c.Actor, *,
                                 clock: Clock) -> ServicePoint:
    async with uow:
        station = await uow.network.get_station(cmd.station_id)
        actor.ensure_covers(station.division_code)
        point = ServicePoint.at(station, id=uuid4(), name=cmd.name)
        await uow.network.add_service_point(point, clock())
        await uow.commit()
    return point


async def register_team(cmd: c.RegisterTeam, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock,
                        county: County) -> Team:
    async with uow:
        station = await uow.network.get_station(cmd.home_station_id)
        actor.ensure_covers(station.division_code)
        team = Team(id=uuid4(), name=cmd.name, level=station.level, home_station_id=station.id,
                    home_division_code=station.division_code,
                    specialties=frozenset(parse_enum(Specialty, s, "specialties") for s in cmd.specialties),
                    capacity=cmd.capacity)
        now = clock()
        await uow.network.add_team(team, now)
        township = county.code if station.level is Level.county else township_of(station.division_code)
        uow.record(team.registered(township, now))
        await uow.commit()
    return team


async def register_volunteer(cmd: c.RegisterVolunteer, uow: VolunteerUnitOfWork, actor: c.Actor, *,
                             clock: Clock, county: County, pseudonym: Pseudonymizer, cipher: PiiCipher) -> UUID:
    if county.township(cmd.township_code) is None:
        raise InvalidInput(f"未知的乡镇代码 (unknown township code {cmd.township_code})", field="township_code",
                           rule="known_township")
    actor.ensure_covers(cmd.township_code)
    volunteer = Volunteer(
        id=uuid4(), skills=frozenset(parse_enum(Specialty, s, "skills") for s in cmd.skills),
        available_time=tuple(AvailabilitySlot(s.weekday, s.start, s.end) for s in cmd.available_time),
        team_ids=frozenset(cmd.team_ids))
    name = require_text(cmd.name, "name", max_len=50)
    async with uow:
        for team_id in volunteer.team_ids:
            await uow.network.get_team(team_id)
        await uow.network.add_volunteer(
            id=volunteer.id, person_ref=pseudonym(cmd.id_number, "volunteer"),
            name_enc=cipher.encrypt(name) or "", phone_enc=cipher.encrypt(cmd.phone) or "",
            id_number_enc=cipher.encrypt(cmd.id_number.upper()) or "", township_code=cmd.township_code,
            skills=[s.value for s in volunteer.skills],
            available_time=[{"weekday": s.weekday, "start": s.start.isoformat(), "end": s.end.isoformat()}
                            for s in volunteer.available_time],
            team_ids=volunteer.team_ids, now=clock())
        await uow.commit()
    return volunteer.id


async def record_activity(cmd: c.RecordActivity, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock,
                          county: County) -> Activity:
    known_division(county, cmd.place_code, "place_code")
    actor.ensure_covers(cmd.place_code)
    spans = tuple(ServiceSpan(p.volunteer_id, p.start, p.end) for p in cmd.participants)
    async with uow:
        await uow.network.get_team(cmd.team_id)
        await known_volunteers(uow, spans)
        now = clock()
        activity = Activity.record(
            id=uuid4(), activity_type=cmd.activity_type, title=cmd.title, team_id=cmd.team_id,
            place_code=cmd.place_code, held_at=cmd.held_at, participants=spans, organiser=cmd.organiser, now=now,
            existing_spans=await uow.network.spans_of(s.volunteer_id for s in spans))
        township = township_of(cmd.place_code, "place_code")
        uow.activities.add(activity, township)
        await uow.network.add_hours([ServiceEntry(HoursSource.activity, activity.id, s, activity.organiser,
                                                  activity.team_id) for s in spans], township, now)
        await uow.commit()
    return activity


async def add_record_entry(cmd: c.AddRecordEntry, uow: VolunteerUnitOfWork, actor: c.Actor) -> None:
    async with uow:
        actor.ensure_covers(await uow.network.volunteer_township(cmd.volunteer_id))
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
        await uow.network.add_record_entry(cmd.volunteer_id, cmd.kind, cmd.at, cmd.title.strip(),
                                           cmd.minutes if cmd.kind == "training" else None, cmd.recorded_by.strip())
        await uow.commit()
