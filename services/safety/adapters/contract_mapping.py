"""The one place where safety domain events become contract payloads (what goes on Kafka).

Domain events and contract payloads share names and field names (a unit test keeps them aligned);
enum members travel as their stable values. Nothing personal crosses: the domain events carry ids,
codes, counts and times only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import Enum
from typing import Any

from minqing_contract.events import safety as c
from minqing_contract.events.base import EventPayload
from services.safety.domain import events as ev

_CONTRACT: dict[type[ev.DomainEvent], type[EventPayload]] = {
    ev.EnterpriseRegistered: c.EnterpriseRegistered,
    ev.InspectionRecorded: c.InspectionRecorded,
    ev.HazardFound: c.HazardFound,
    ev.RectificationPlanSubmitted: c.RectificationPlanSubmitted,
    ev.RectificationReported: c.RectificationReported,
    ev.HazardRectified: c.HazardRectified,
    ev.ReinspectionFailed: c.ReinspectionFailed,
    ev.HazardOverdue: c.HazardOverdue,
    ev.PenaltyImposed: c.PenaltyImposed,
    ev.ClosureProposed: c.ClosureProposed,
    ev.EnterpriseSuspended: c.EnterpriseSuspended,
    ev.EnterpriseResumed: c.EnterpriseResumed,
    ev.PermitStatusChanged: c.PermitStatusChanged,
    ev.AccidentReported: c.AccidentReported,
    ev.AccidentInvestigationClosed: c.AccidentInvestigationClosed,
    ev.ResumptionAcceptanceRecorded: c.ResumptionAcceptanceRecorded,
    ev.ClosureDecided: c.ClosureDecided,
    ev.EnterpriseClosed: c.EnterpriseClosed,
    ev.PenaltyPublished: c.PenaltyPublished,
}


def _wire(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def to_contract(event: ev.DomainEvent) -> EventPayload:
    model = _CONTRACT[type(event)]
    data = {f.name: _wire(getattr(event, f.name)) for f in dataclasses.fields(event) if f.name in model.model_fields}
    return model.model_validate(data)


def to_contract_all(events: Iterable[ev.DomainEvent]) -> list[EventPayload]:
    return [to_contract(e) for e in events]
