"""The one place where safety domain events become contract payloads (what goes on Kafka).

Domain events and contract payloads share names and field names (a unit test keeps them aligned);
enum members travel as their stable values. Nothing personal crosses: the domain events carry ids,
codes, counts and times only.
"""

from __future__ import annotations

from collections.abc import Iterable

from minqing_contract.events import safety as c
from minqing_contract.events.base import EventPayload
from minqing_kit.mapping import ContractMapping
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


#: What the unit of work maps with at commit. Safety events carry no aggregate sequence.
MAPPING = ContractMapping(_CONTRACT, sequenced=lambda _: False)


def to_contract(event: ev.DomainEvent) -> EventPayload:
    payload = MAPPING.to_contract(event)
    if payload is None:  # every safety event is published
        raise LookupError(type(event).__name__)
    return payload


def to_contract_all(events: Iterable[ev.DomainEvent]) -> list[EventPayload]:
    return [to_contract(e) for e in events]
