"""The one place domain events become contract payloads (`minqing_contract.events.petition`).

Field by field: a contract field takes the domain field of the same name; domain-only fields
(signer ids, alert keys, supervisor ids) stay inside the service. Two names differ:
RepeatLinked → MatterRepeatLinked, DeadlineOverdue → MatterOverdue.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from minqing_contract.events import petition as contract
from minqing_contract.events.base import EventPayload
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


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def to_contract(event: ev.DomainEvent) -> EventPayload:
    target = CONTRACT[type(event)]
    data = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)
            if f.name in target.model_fields}
    return target.model_validate(data)


def alert_event_id(matter_id: UUID, alert_key: str) -> UUID:
    """Deterministic CloudEvents id of a deadline announcement: a duplicate could never pass as new."""
    return uuid5(_ALERT_NAMESPACE, f"{matter_id}:{alert_key}")


def to_pending(event: ev.DomainEvent, sequence: int) -> PendingEvent:
    event_id = None
    if isinstance(event, ev.DeadlineApproaching | ev.DeadlineOverdue):
        event_id = alert_event_id(event.matter_id, event.alert_key)
    return PendingEvent(to_contract(event), sequence=sequence, event_id=event_id)
