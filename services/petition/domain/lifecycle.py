"""The matter's state machine as data, who may take each action, and the records actions leave.

registered ─assign→ assigned ─accept→ accepted ─reply→ replied ─close→ closed
                    assigned ─raise_objection→ registered (back to the bureau for re-routing)
replied | closed ─request_review→ under_review ─decide_review→ reviewed
reviewed ─request_re_review→ under_re_review ─decide_re_review→ final (nothing more, §36)
Actions that leave the state unchanged (add_note, extend, request_extension, decide_extension, rate,
supervise) are in the table too, so "what may I do now" has one answer. `linked` (a repeat, §19) and `final` allow nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from minqing_kit.errors import Forbidden

from .enums import DeadlineKind, MatterStatus, Role

S = MatterStatus

TRANSITIONS: Mapping[str, Mapping[MatterStatus, MatterStatus]] = {
    "assign": {S.registered: S.assigned},
    "accept": {S.assigned: S.accepted},
    "raise_objection": {S.assigned: S.registered},
    "add_note": {S.accepted: S.accepted},
    "extend": {S.accepted: S.accepted},
    "request_extension": {S.accepted: S.accepted},
    "decide_extension": {S.accepted: S.accepted},
    "reply": {S.accepted: S.replied},
    "rate": {S.replied: S.replied, S.closed: S.closed},
    "close": {S.replied: S.closed},
    "request_review": {S.replied: S.under_review, S.closed: S.under_review},
    "decide_review": {S.under_review: S.reviewed},
    "request_re_review": {S.reviewed: S.under_re_review},
    "decide_re_review": {S.under_re_review: S.final},
    # 督办 marks an overdue matter wherever a statutory clock can run late; it is not a state.
    "supervise": {s: s for s in (S.registered, S.assigned, S.accepted, S.under_review, S.under_re_review)},
}

R = Role
_BUREAU = frozenset({R.petition_officer})
_DEPARTMENT = frozenset({R.department_handler})
_PERSON = frozenset({R.petitioner, R.petition_officer})  # the officer records what the person says

ACTION_ROLES: Mapping[str, frozenset[Role]] = {
    "register": frozenset({R.petition_officer, R.township_operator, R.cadre}),
    "assign": _BUREAU,
    "accept": _DEPARTMENT,
    "raise_objection": _DEPARTMENT,
    "add_note": frozenset({R.department_handler, R.petition_officer, R.county_supervisor}),
    "extend": _DEPARTMENT,
    "request_extension": _DEPARTMENT,
    # §34 "经本机关负责人批准": the county leader or the supervisor decides a department's request.
    "decide_extension": frozenset({R.county_leader, R.county_supervisor}),
    "reply": _DEPARTMENT,
    "rate": _PERSON,
    "close": _BUREAU,
    "request_review": _PERSON,
    "decide_review": frozenset({R.petition_officer, R.county_leader}),
    "request_re_review": _PERSON,
    "decide_re_review": frozenset({R.petition_officer, R.county_leader}),
    "supervise": frozenset({R.county_supervisor}),
}

#: Statuses no action leaves.
TERMINAL_STATUSES = frozenset(
    s for s in MatterStatus if not any(s in moves for moves in TRANSITIONS.values())
)
#: Statuses in which the matter is still being handled: a new intake on the same facts is a repeat (§19).
PENDING_STATUSES = frozenset({S.registered, S.assigned, S.accepted, S.under_review, S.under_re_review})


def allowed_actions(status: MatterStatus) -> frozenset[str]:
    return frozenset(action for action, moves in TRANSITIONS.items() if status in moves)


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id (or a petitioner's pseudonym), the role, and the role's scope."""

    user_id: str
    role: Role
    department: str | None = None  # for department handlers
    township_code: str | None = None  # for township operators and cadres


def require_role(action: str, actor: Actor) -> None:
    allowed = ACTION_ROLES[action]
    if actor.role not in allowed:
        raise Forbidden(
            f"「{actor.role.label_zh}」无权执行「{action}」"
            f" (role {actor.role.value} may not {action}; allowed: {', '.join(sorted(allowed))})",
            field="actor.role",
            rule=f"role_for_{action}",
        )


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, from which state to which; `detail` holds the stated reason or choice."""

    action: str
    actor: Actor
    at: datetime
    from_state: MatterStatus
    to_state: MatterStatus
    detail: str = ""


@dataclass(frozen=True)
class HandlingNote:
    """A department's progress note (办理情况); it changes no state."""

    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class Extension:
    """The one extension §34 allows: days, the reason told to the person, the approving head."""

    days: int
    reason: str
    approved_by: str
    at: datetime


@dataclass(frozen=True)
class ExtensionRequest:
    """A department's pending 申请延期: what it asks for, waiting for a county leader's decision."""

    days: int
    reason: str
    requested_by: str
    at: datetime


@dataclass(frozen=True)
class Supervision:
    """A 督办 record (§40): a county supervisor's order on an overdue matter."""

    supervisor: str
    at: datetime
    overdue: tuple[DeadlineKind, ...]
    note: str = ""
