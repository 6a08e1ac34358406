"""The request (微心愿) state machine as data: which action may move which status where.

点单 submitted → 审单 approved | rejected → 派单 dispatched | needs_manual_dispatch → 接单 accepted
(or 抢单 straight from approved / needs_manual_dispatch) → in_service → completed → 评单 rated.
A declined dispatch returns to approved (the decliner excluded); a dispatch nobody accepts in time
escalates one level up or, with no level or team left, waits for a person (never dropped).
`completed` is closed to everything but the rating: its hours are on volunteers' records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from minqing_kit.errors import InvalidInput

from ._guards import require_aware
from .enums import RequestStatus

S = RequestStatus

TRANSITIONS: Mapping[str, Mapping[RequestStatus, frozenset[RequestStatus]]] = {
    "approve": {S.submitted: frozenset({S.approved})},
    "reject": {S.submitted: frozenset({S.rejected})},
    "dispatch": {
        S.approved: frozenset({S.dispatched, S.needs_manual_dispatch}),
        S.needs_manual_dispatch: frozenset({S.dispatched}),
    },
    "accept": {S.dispatched: frozenset({S.accepted})},
    "decline": {S.dispatched: frozenset({S.approved})},
    "escalate": {S.dispatched: frozenset({S.dispatched, S.needs_manual_dispatch})},
    "grab": {S.approved: frozenset({S.accepted}), S.needs_manual_dispatch: frozenset({S.accepted})},
    "redispatch": {
        S.dispatched: frozenset({S.dispatched, S.approved}),
        S.accepted: frozenset({S.dispatched, S.approved}),
    },
    "start": {S.accepted: frozenset({S.in_service})},
    "complete": {S.in_service: frozenset({S.completed})},
    "rate": {S.completed: frozenset({S.rated})},
    "cancel": {
        s: frozenset({S.cancelled})
        for s in (S.submitted, S.approved, S.dispatched, S.needs_manual_dispatch, S.accepted, S.in_service)
    },
}

#: Statuses in which a request counts against its team's capacity.
OPEN_ASSIGNMENT_STATUSES = frozenset({S.dispatched, S.accepted, S.in_service})
#: Statuses no action leaves.
TERMINAL_STATUSES = frozenset(
    s for s in RequestStatus if not any(s in moves for moves in TRANSITIONS.values())
)


def allowed_actions(status: RequestStatus) -> frozenset[str]:
    return frozenset(action for action, moves in TRANSITIONS.items() if status in moves)


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, from which status to which; `note` holds the stated reason if any."""

    at: datetime
    actor: str
    action: str
    from_status: RequestStatus
    to_status: RequestStatus
    note: str = ""


@dataclass(frozen=True)
class TimeWindow:
    """When the requester would like the service (preferred, not binding)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "preferred_window")
        require_aware(self.end, "preferred_window")
        if self.end <= self.start:
            raise InvalidInput(
                "期望时间段结束须晚于开始 (preferred window must end after it starts)",
                field="preferred_window",
                rule="end_after_start",
            )
