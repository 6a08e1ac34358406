"""State and bookkeeping of the request (微心愿) aggregate: fields, transition checks, audit, events.

`request.Request` adds the business actions on top; this half keeps the mechanics every action
shares (check the table, append the audit entry, record the event) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput

from . import events as ev
from ._guards import require_actor, require_aware
from .divisions import township_of
from .enums import Level, RequestStatus, Specialty, Urgency
from .hours import ServiceSpan
from .lifecycle import OPEN_ASSIGNMENT_STATUSES, TRANSITIONS, AuditEntry, TimeWindow, allowed_actions
from .network import Team

S = RequestStatus


@dataclass(eq=False)
class RequestState:
    id: UUID
    category: Specialty
    village_code: str
    description: str
    urgency: Urgency
    requester: str  # pseudonym; the requester's identity stays with the adapters
    submitted_at: datetime
    preferred_window: TimeWindow | None = None
    status: RequestStatus = S.submitted
    approved_at: datetime | None = None
    dispatched_at: datetime | None = None  # first dispatch, for reporting
    current_dispatch_at: datetime | None = None  # the dispatch the accept timeout runs from
    accepted_at: datetime | None = None  # acceptance by the team that serves
    started_at: datetime | None = None
    completed_at: datetime | None = None
    rated_at: datetime | None = None
    closed_at: datetime | None = None  # rejected or cancelled
    team_id: UUID | None = None
    team_level: Level | None = None
    grabbed: bool = False
    attempts: int = 0
    min_level: Level = Level.village  # raised by escalation, kept for re-dispatch after a decline
    excluded_team_ids: set[UUID] = field(default_factory=set)
    spans: tuple[ServiceSpan, ...] = ()
    stars: int | None = None
    comment: str = ""
    close_reason: str = ""
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)

    # ----- queries ------------------------------------------------------------------------------
    @property
    def holds_assignment(self) -> bool:
        """Counts against `team_id`'s capacity."""
        return self.status in OPEN_ASSIGNMENT_STATUSES

    @property
    def township_code(self) -> str:
        return township_of(self.village_code)

    def allowed_actions(self) -> frozenset[str]:
        return allowed_actions(self.status)

    # ----- internals ----------------------------------------------------------------------------
    def _check(self, action: str) -> None:
        if self.status not in TRANSITIONS[action]:
            raise IllegalTransition("微心愿 (request)", self.status.value, action, self.allowed_actions())

    def _begin(self, action: str, actor: str, now: datetime) -> None:
        """Everything checked before an action changes anything: state, actor, clock."""
        self._check(action)
        require_actor(actor)
        require_aware(now, "now")
        if self.audit and now < self.audit[-1].at:
            # Out-of-order clocks would make reporting durations negative.
            raise InvalidInput(
                "操作时间早于上一步操作 (now is earlier than the previous action)",
                field="now",
                rule="not_before_previous_action",
            )

    def _move(self, action: str, to: RequestStatus, actor: str, now: datetime, note: str = "") -> None:
        self._check(action)
        if to not in TRANSITIONS[action][self.status]:
            raise IllegalTransition("微心愿 (request)", self.status.value, action, self.allowed_actions())
        require_aware(now, "now")
        self.audit.append(AuditEntry(now, require_actor(actor), action, self.status, to, note))
        self.status = to

    def _dispatch(self, action: str, team: Team, actor: str, now: datetime, note: str = "") -> None:
        self._move(action, S.dispatched, actor, now, note or f"team={team.id} level={team.level.value}")
        self.team_id, self.team_level, self.grabbed, self.accepted_at = team.id, team.level, False, None
        self.attempts += 1
        self.current_dispatch_at = now
        if self.dispatched_at is None:
            self.dispatched_at = now
        self._record(ev.RequestDispatched, now, team_id=team.id, team_level=team.level, attempt=self.attempts)

    def _flag_manual(self, action: str, reason: str, actor: str, now: datetime) -> None:
        self._move(action, S.needs_manual_dispatch, actor, now, reason)
        self._release_team()
        self._record(ev.ManualDispatchNeeded, now, reason=reason)

    def _release_team(self) -> None:
        self.team_id, self.team_level, self.current_dispatch_at, self.accepted_at = None, None, None, None

    def _require_current_team(self, team_id: UUID) -> None:
        if team_id != self.team_id:
            raise Conflict(
                "只有被派单的服务队可以操作 (only the dispatched team may do this)",
                field="team_id",
                rule="dispatched_team_only",
            )

    def _record(self, event_type: type[ev.RequestEvent], now: datetime, **fields: Any) -> None:
        self.events.append(
            event_type(
                occurred_at=now,
                request_id=self.id,
                township_code=township_of(self.village_code),
                village_code=self.village_code,
                category=self.category,
                submitted_at=self.submitted_at,
                dispatched_at=self.dispatched_at,
                accepted_at=self.accepted_at,
                completed_at=self.completed_at,
                **fields,
            )
        )
