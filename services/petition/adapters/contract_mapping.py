"""The one place domain events become contract payloads (`minqing_contract.events.petition`).

Field by field: a contract field takes the domain field of the same name; domain-only fields
(signer ids, alert keys, supervisor ids) stay inside the service. Two names differ:
RepeatLinked → MatterRepeatLinked, DeadlineOverdue → MatterOverdue.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from minqing_contract.events import petition as contract
from minqing_contract.events.base import EventPayload
from minqing_kit.mapping import ContractMapping
from minqing_kit.outbox import PendingEvent

from ..domain import events as ev

CONTRACT: dict[type[ev.DomainEvent], type[EventPayload]] = {
    ev.MatterRegistered: contract.MatterRegistered,
    ev.RepeatLinked: contract.MatterRepeatLinked,
    ev.MatterAssigned: contract.MatterAssigned,
    ev.MatterAccepted: contract.MatterAccepted,
    ev.MatterReturned: contract.MatterReturned,
    ev.MatterExtended: contract.MatterExtended,
    ev.MatterReplied: contract.MatterReplied,
    ev.MatterRated: contract.MatterRated,
    ev.MatterClosed: contract.MatterClosed,
    ev.ReviewRequested: contract.ReviewRequested,
    ev.ReviewDecided: contract.ReviewDecided,
    ev.DeadlineApproaching: contract.DeadlineApproaching,
    ev.DeadlineOverdue: contract.MatterOverdue,
    ev.MatterSupervised: contract.MatterSupervised,
    ev.DeadlineRecomputed: contract.DeadlineRecomputed,
}

_ALERT_NAMESPACE = uuid5(NAMESPACE_URL, "minqing:petition:deadline-alert")


def alert_event_id(matter_id: UUID, alert_key: str) -> UUID:
    """Deterministic CloudEvents id of a deadline announcement: a duplicate could never pass as new."""
    return uuid5(_ALERT_NAMESPACE, f"{matter_id}:{alert_key}")


def _event_id(event: ev.DomainEvent) -> UUID | None:
    if isinstance(event, ev.DeadlineApproaching | ev.DeadlineOverdue):
        return alert_event_id(event.matter_id, event.alert_key)
    return None


#: What the unit of work maps with at commit: every event carries the matter's sequence.
MAPPING = ContractMapping(CONTRACT, event_id=_event_id)


def to_contract(event: ev.DomainEvent) -> EventPayload:
    payload = MAPPING.to_contract(event)
    if payload is None:  # every petition event is published
        raise LookupError(type(event).__name__)
    return payload


def to_pending(event: ev.DomainEvent, sequence: int) -> PendingEvent:
    return PendingEvent(to_contract(event), sequence=sequence, event_id=_event_id(event))
