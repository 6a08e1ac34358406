"""Request (微心愿) command handlers: load FOR UPDATE → domain action → commit.

Every handler has the kit's one signature, `(cmd, uow, actor, *, <deps bound in bootstrap>)`, and runs
in the unit of work it is given: `uow.commit()` saves the requests it loaded or added and writes
their new events to the outbox (the unit of work collects them; nothing is published by hand). If the
domain refuses (bad input, illegal transition) the exception leaves the unit uncommitted, so nothing
is written — neither state nor outbox rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import BrokenInvariant, Conflict, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork
from services.volunteer.domain.enums import HoursSource, RequestStatus
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.lifecycle import TimeWindow
from services.volunteer.domain.record import ServiceEntry
from services.volunteer.domain.request import Request
from services.volunteer.service_layer import commands as c

Action = Callable[[Request, VolunteerUnitOfWork, datetime], Awaitable[None]]


def known_village(county: County, code: str, field: str = "village_code") -> str:
    if county.village(code) is None:
        raise InvalidInput(f"未知的村（社区）代码 (unknown village code {code} in {county.name})",
                           field=field, rule="known_village")
    if county.is_retired(code):  # existing requests keep it; a new one may not name it
        raise InvalidInput(f"村（社区）{code} 已撤并 (village {code} is retired)", field=field, rule="village_active")
    return code


async def _act(uow: VolunteerUnitOfWork, request_id: UUID, actor: c.Actor, action: Action, clock: Clock, *,
               dispatching: bool = False) -> Request:
    async with uow:
        if dispatching:
            await uow.network.lock_dispatch()
        req = await uow.requests.get(request_id, for_update=True)
        actor.ensure_covers(req.village_code)
        await action(req, uow, clock())
        await uow.commit()
    return req


async def submit(cmd: c.SubmitRequest, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock,
                 county: County, pseudonym: Pseudonymizer, cipher: PiiCipher) -> Request:
    known_village(county, cmd.village_code)
    actor.ensure_covers(cmd.village_code)
    window = None
    if cmd.preferred_start is not None or cmd.preferred_end is not None:
        if cmd.preferred_start is None or cmd.preferred_end is None:
            raise InvalidInput("期望时间段须有开始和结束 (preferred window needs start and end)",
                               field="preferred_window", rule="start_and_end")
        window = TimeWindow(cmd.preferred_start, cmd.preferred_end)
    name, phone = cmd.requester_name.strip(), cmd.requester_phone.strip()
    req = Request.submit(id=uuid4(), category=cmd.category, village_code=cmd.village_code,
                         description=cmd.description, urgency=cmd.urgency,
                         requester=pseudonym(phone or name), actor=actor.name, now=clock(),
                         preferred_window=window)
    async with uow:
        uow.requests.add(req, requester_name_enc=cipher.encrypt(name or None),
                         requester_phone_enc=cipher.encrypt(phone or None))
        await uow.commit()
    return req


async def simple(cmd: c.RequestAction, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock) -> Request:
    """approve / start."""
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        getattr(req, cmd.action)(actor=actor.name, now=now)
    if cmd.action not in ("approve", "start"):
        raise ValueError(cmd.action)
    return await _act(uow, cmd.request_id, actor, action, clock)


async def with_reason(cmd: c.WithReason, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock) -> Request:
    """reject / cancel / decline / redispatch."""
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        if cmd.action in ("reject", "cancel"):
            getattr(req, cmd.action)(cmd.reason, actor=actor.name, now=now)
        elif cmd.action == "decline":
            if cmd.team_id is None:
                raise InvalidInput("须指明拒单的服务队 (team_id is required)", field="team_id", rule="required")
            req.decline(cmd.team_id, cmd.reason, actor=actor.name, now=now)
        elif cmd.action == "redispatch":
            team = await uow.network.get_team(cmd.team_id) if cmd.team_id else None
            counts = await uow.network.open_counts()
            req.redispatch(cmd.reason, actor=actor.name, now=now, team=team,
                           open_count=counts.get(team.id, 0) if team else 0)
        else:
            raise ValueError(cmd.action)
    return await _act(uow, cmd.request_id, actor, action, clock, dispatching=cmd.action == "redispatch")


async def team_action(cmd: c.TeamAction, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock) -> Request:
    """dispatch (to a named team, or automatically when team_id is None) / grab / accept."""
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        if cmd.action == "accept":
            if cmd.team_id is None:
                raise InvalidInput("须指明接单的服务队 (team_id is required)", field="team_id", rule="required")
            req.accept(cmd.team_id, actor=actor.name, now=now)
            return
        counts = await uow.network.open_counts()
        if cmd.action == "dispatch" and cmd.team_id is None:
            req.auto_dispatch(await uow.network.active_teams(), counts, actor=actor.name, now=now)
            return
        if cmd.team_id is None:
            raise InvalidInput("须指明服务队 (team_id is required)", field="team_id", rule="required")
        team = await uow.network.get_team(cmd.team_id)
        if cmd.action == "dispatch":
            req.dispatch_to(team, open_count=counts.get(team.id, 0), actor=actor.name, now=now)
        elif cmd.action == "grab":
            req.grab(team, open_count=counts.get(team.id, 0), actor=actor.name, now=now)
        else:
            raise ValueError(cmd.action)
    return await _act(uow, cmd.request_id, actor, action, clock, dispatching=cmd.action != "accept")


async def complete(cmd: c.CompleteService, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock) -> Request:
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        spans = tuple(ServiceSpan(s.volunteer_id, s.start, s.end) for s in cmd.spans)
        # Status first: a never-accepted request answers 409 before the hours are even looked at.
        if req.status is not RequestStatus.in_service:
            req.complete(spans, actor=actor.name, now=now)  # raises IllegalTransition
        await known_volunteers(uow, spans)
        if req.team_id is None:
            raise BrokenInvariant("点单 (request)", "team_id", "set_while_in_service")
        team = await uow.network.get_team(req.team_id)
        existing = await uow.network.spans_of(s.volunteer_id for s in spans)
        req.complete(spans, actor=actor.name, now=now, existing_spans=existing, recorded_by=team.name)
        entries = [ServiceEntry(HoursSource.request, req.id, s, team.name, team.id) for s in spans]
        await uow.network.add_hours(entries, req.township_code, now)
    return await _act(uow, cmd.request_id, actor, action, clock)


async def rate(cmd: c.RateService, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock) -> Request:
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        req.rate(cmd.stars, actor=actor.name, now=now, comment=cmd.comment)
    return await _act(uow, cmd.request_id, actor, action, clock)


async def known_volunteers(uow: VolunteerUnitOfWork, spans: tuple[ServiceSpan, ...]) -> None:
    missing = await uow.network.missing_volunteers(s.volunteer_id for s in spans)
    if missing:
        raise InvalidInput(f"未登记的志愿者 (unknown volunteers: {', '.join(sorted(map(str, missing)))})",
                           field="spans", rule="known_volunteer")


# ----- worker-side handlers (the actor is the service itself) ----------------------------------
async def dispatch_approved(cmd: c.DispatchApproved, uow: VolunteerUnitOfWork, actor: c.Actor, *,
                            clock: Clock) -> Request | None:
    """On the approved event: dispatch automatically, unless someone acted first (grab, cancel...)."""
    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        if req.status is RequestStatus.approved:
            req.auto_dispatch(await uow.network.active_teams(), await uow.network.open_counts(), actor=actor.name,
                              now=now)
    try:
        return await _act(uow, cmd.request_id, actor, action, clock, dispatching=True)
    except NotFound:
        return None  # another deployment's request on the shared topic (or a test's): not ours


async def escalate(cmd: c.Escalate, uow: VolunteerUnitOfWork, actor: c.Actor, *, clock: Clock,
                   accept_timeout: timedelta) -> Request | None:
    """Escalate one overdue dispatch; None when it was accepted or escalated meanwhile."""
    escalated: list[Request] = []

    async def action(req: Request, uow: VolunteerUnitOfWork, now: datetime) -> None:
        # Re-checked under the row lock: the team may have accepted since the scan.
        if not req.escalation_due(now, accept_timeout):
            return
        if not await uow.requests.record_escalation(req.id, req.attempts, now):
            raise Conflict("该次派单已升级 (this dispatch was already escalated)", field="attempt",
                           rule="escalate_once")
        teams, counts = await uow.network.active_teams(), await uow.network.open_counts()
        req.escalate(teams, counts, actor=actor.name, now=now, accept_timeout=accept_timeout)
        escalated.append(req)

    try:
        await _act(uow, cmd.request_id, actor, action, clock, dispatching=True)
    except Conflict:
        return None
    return escalated[0] if escalated else None
