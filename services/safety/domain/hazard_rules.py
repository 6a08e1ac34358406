"""The hazard (隐患) state machine as data, and the overdue rule.

found → rectification_reported (enterprise, with evidence) → re-inspected: closed (销号) or
reinspection_failed → penalised. A failed or penalised hazard is reported again and re-inspected
again until it is closed. A re-inspection may also start from `found` or `penalised` (回头看 of a
hazard nobody reported), but failing a `found` hazard needs its deadline to have passed.
`closed` is terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .enums import HazardStatus

H = HazardStatus

TRANSITIONS: Mapping[str, Mapping[HazardStatus, frozenset[HazardStatus]]] = {
    "submit_plan": {s: frozenset({s}) for s in (H.found, H.reinspection_failed, H.penalised)},
    "report_rectification": {
        s: frozenset({H.rectification_reported}) for s in (H.found, H.reinspection_failed, H.penalised)
    },
    "reinspect": {
        s: frozenset({H.closed, H.reinspection_failed}) for s in (H.found, H.rectification_reported, H.penalised)
    },
    "penalise": {H.reinspection_failed: frozenset({H.penalised})},
}

OPEN_STATUSES = frozenset(s for s in HazardStatus if s is not H.closed)


def allowed_actions(status: HazardStatus) -> frozenset[str]:
    return frozenset(a for a, moves in TRANSITIONS.items() if status in moves)


def is_overdue(
    status: HazardStatus, deadline: datetime, reported_at: datetime | None, at: datetime
) -> bool:
    """Open strictly after the deadline, unless the enterprise reported it rectified by the deadline
    and waits for the re-inspection (the delay is then the station's, not the enterprise's)."""
    if status is H.closed or at <= deadline:
        return False
    return not (status is H.rectification_reported and reported_at is not None and reported_at <= deadline)
