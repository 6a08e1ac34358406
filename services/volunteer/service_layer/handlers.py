"""Request (微心愿) command handlers: load FOR UPDATE → domain action → save → publish → commit.

Every handler runs in one unit of work: if the domain refuses (bad input, illegal transition) the
exception leaves the unit uncommitted, so nothing is written — neither state nor outbox rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID, uuid4

from minqing_kit.errors import BrokenInvariant, Conflict, InvalidInput, NotFound
from services.volunteer.adapters import repository as db
from services.volunteer.adapters.contract_mapping import pending_events
from services.volunteer.adapters.repository import Connection, RequestRepository
from services.volunteer.domain.enums import HoursSource, RequestStatus
from services.volunteer.domain.hours import ServiceSpan
from services.volunteer.domain.lifecycle import TimeWindow
from services.volunteer.domain.record import ServiceEntry
from services.volunteer.domain.request import Request
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer.deps import Deps
from services.volunteer.service_layer.unit import Unit

Action = Callable[[Request, Connection, datetime], Awaitable[None]]


def known_village(deps: Deps, code: str, field: str = "village_code") -> str:
    if deps.county.village(code) is None:
        raise InvalidInput(f"未知的村（社区）代码 (unknown village code {code} in {deps.county.name})",
                           field=field, rule="known_village")
    return code


async def _save(uow: Unit, repo: RequestRepository, req: Request, **pii: str | None) -> None:
    pending, version = pending_events(req.events, repo.versions.get(req.id, 0))
    await repo.save(req, version, **pii)
    uow.publish(*pending)
    await uow.commit()
    req.events.clear()


async def _act(deps: Deps, request_id: UUID, actor: c.Actor, action: Action, *, dispatching: bool = False,
               uow: Unit | None = None) -> Request:
    async with uow or deps.uow() as unit:
        if dispatching:
            await db.lock_dispatch(unit.conn)
        repo = RequestRepository(unit.conn)
        req = await repo.get(request_id, for_update=True)
        actor.ensure_covers(req.village_code)
        await action(req, unit.conn, deps.clock())
        await _save(unit, repo, req)
    return req


async def submit(deps: Deps, cmd: c.SubmitRequest, actor: c.Actor) -> Request:
    known_village(deps, cmd.village_code)
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
                         requester=deps.pseudonym(phone or name), actor=actor.name, now=deps.clock(),
                         preferred_window=window)
    async with deps.uow() as uow:
        await _save(uow, RequestRepository(uow.conn), req, requester_name_enc=deps.cipher.encrypt(name or None),
                    requester_phone_enc=deps.cipher.encrypt(phone or None))
    return req


async def simple(deps: Deps, cmd: c.RequestAction, actor: c.Actor, uow: Unit | None = None) -> Request:
    """approve / start."""
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        getattr(req, cmd.action)(actor=actor.name, now=now)
    if cmd.action not in ("approve", "start"):
        raise ValueError(cmd.action)
    return await _act(deps, cmd.request_id, actor, action, uow=uow)


async def with_reason(deps: Deps, cmd: c.WithReason, actor: c.Actor) -> Request:
    """reject / cancel / decline / redispatch."""
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        if cmd.action in ("reject", "cancel"):
            getattr(req, cmd.action)(cmd.reason, actor=actor.name, now=now)
        elif cmd.action == "decline":
            if cmd.team_id is None:
                raise InvalidInput("须指明拒单的服务队 (team_id is required)", field="team_id", rule="required")
            req.decline(cmd.team_id, cmd.reason, actor=actor.name, now=now)
        elif cmd.action == "redispatch":
            team = await db.get_team(conn, cmd.team_id) if cmd.team_id else None
            counts = await db.open_counts(conn)
            req.redispatch(cmd.reason, actor=actor.name, now=now, team=team,
                           open_count=counts.get(team.id, 0) if team else 0)
        else:
            raise ValueError(cmd.action)
    return await _act(deps, cmd.request_id, actor, action, dispatching=cmd.action == "redispatch")


async def team_action(deps: Deps, cmd: c.TeamAction, actor: c.Actor, uow: Unit | None = None) -> Request:
    """dispatch (to a named team, or automatically when team_id is None) / grab / accept."""
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        if cmd.action == "accept":
            if cmd.team_id is None:
                raise InvalidInput("须指明接单的服务队 (team_id is required)", field="team_id", rule="required")
            req.accept(cmd.team_id, actor=actor.name, now=now)
            return
        counts = await db.open_counts(conn)
        if cmd.action == "dispatch" and cmd.team_id is None:
            req.auto_dispatch(await db.active_teams(conn), counts, actor=actor.name, now=now)
            return
        if cmd.team_id is None:
            raise InvalidInput("须指明服务队 (team_id is required)", field="team_id", rule="required")
        team = await db.get_team(conn, cmd.team_id)
        if cmd.action == "dispatch":
            req.dispatch_to(team, open_count=counts.get(team.id, 0), actor=actor.name, now=now)
        elif cmd.action == "grab":
            req.grab(team, open_count=counts.get(team.id, 0), actor=actor.name, now=now)
        else:
            raise ValueError(cmd.action)
    return await _act(deps, cmd.request_id, actor, action, dispatching=cmd.action != "accept", uow=uow)


async def complete(deps: Deps, cmd: c.CompleteService, actor: c.Actor) -> Request:
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        spans = tuple(ServiceSpan(s.volunteer_id, s.start, s.end) for s in cmd.spans)
        # Status first: a never-accepted request answers 409 before the hours are even looked at.
        if req.status is not RequestStatus.in_service:
            req.complete(spans, actor=actor.name, now=now)  # raises IllegalTransition
        await _known_volunteers(conn, spans)
        if req.team_id is None:
            raise BrokenInvariant("点单 (request)", "team_id", "set_while_in_service")
        team = await db.get_team(conn, req.team_id)
        existing = await db.spans_of(conn, (s.volunteer_id for s in spans))
        req.complete(spans, actor=actor.name, now=now, existing_spans=existing, recorded_by=team.name)
        entries = [ServiceEntry(HoursSource.request, req.id, s, team.name, team.id) for s in spans]
        await db.add_hours(conn, entries, req.township_code, now)
    return await _act(deps, cmd.request_id, actor, action)


async def rate(deps: Deps, cmd: c.RateService, actor: c.Actor) -> Request:
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        req.rate(cmd.stars, actor=actor.name, now=now, comment=cmd.comment)
    return await _act(deps, cmd.request_id, actor, action)


async def _known_volunteers(conn: Connection, spans: tuple[ServiceSpan, ...]) -> None:
    missing = await db.missing_volunteers(conn, (s.volunteer_id for s in spans))
    if missing:
        raise InvalidInput(f"未登记的志愿者 (unknown volunteers: {', '.join(sorted(map(str, missing)))})",
                           field="spans", rule="known_volunteer")


# ----- worker-side handlers --------------------------------------------------------------------
async def dispatch_approved(deps: Deps, request_id: UUID, uow: Unit) -> Request | None:
    """On the approved event: dispatch automatically, unless someone acted first (grab, cancel...)."""
    async def action(req: Request, conn: Connection, now: datetime) -> None:
        if req.status is RequestStatus.approved:
            req.auto_dispatch(await db.active_teams(conn), await db.open_counts(conn), actor=c.SYSTEM.name, now=now)
    try:
        return await _act(deps, request_id, c.SYSTEM, action, dispatching=True, uow=uow)
    except NotFound:
        return None  # another deployment's request on the shared topic (or a test's): not ours


async def escalate(deps: Deps, request_id: UUID, uow: Unit | None = None) -> Request | None:
    """Escalate one overdue dispatch; None when it was accepted or escalated meanwhile."""
    escalated: list[Request] = []

    async def action(req: Request, conn: Connection, now: datetime) -> None:
        # Re-checked under the row lock: the team may have accepted since the scan.
        if not req.escalation_due(now, deps.accept_timeout):
            return
        if not await RequestRepository(conn).record_escalation(req.id, req.attempts, now):
            raise Conflict("该次派单已升级 (this dispatch was already escalated)", field="attempt",
                           rule="escalate_once")
        teams, counts = await db.active_teams(conn), await db.open_counts(conn)
        req.escalate(teams, counts, actor=c.SYSTEM.name, now=now, accept_timeout=deps.accept_timeout)
        escalated.append(req)

    try:
        await _act(deps, request_id, c.SYSTEM, action, dispatching=True, uow=uow)
    except Conflict:
        return None
    return escalated[0] if escalated else None


async def due_for_escalation(deps: Deps) -> list[UUID]:
    async with deps.uow() as uow:
        return await RequestRepository(uow.conn).due_for_escalation(deps.clock() - deps.accept_timeout)


async def pending_by_township(deps: Deps) -> dict[str, int]:
    async with deps.uow() as uow:
        return await RequestRepository(uow.conn).pending_by_township()
