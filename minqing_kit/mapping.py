"""The one generic mapping from a service's domain events to contract events (at the edge).

A service declares a table, domain event type → contract payload class (field by field: a contract
field takes the domain field of the same name, enum members travel as their values), a function (when
names differ), or None (internal only, never published):

    MAPPING = ContractMapping({ev.RequestApproved: c.RequestApproved, ev.RequestRedispatched: None, ...},
                              sequenced=lambda e: isinstance(e, ev.RequestEvent))

`pending(events, version)` numbers the published events of one aggregate on from its stored version
(the CloudEvents `sequence` extension, contiguous per aggregate) and returns the new version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, cast
from uuid import UUID

from minqing_contract.events.base import EventPayload
from minqing_kit.outbox import PendingEvent

Mapper = type[EventPayload] | Callable[[Any], EventPayload] | None


def plain(value: Any) -> Any:
    """A domain value as the contract carries it: enum members by value, sequences as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def by_field_names(target: type[EventPayload], event: Any) -> EventPayload:
    data = {f.name: plain(getattr(event, f.name)) for f in dataclasses.fields(event) if f.name in target.model_fields}
    return target.model_validate(data)


class ContractMapping:
    def __init__(self, table: Mapping[type, Mapper], *, sequenced: Callable[[Any], bool] = lambda _: True,
                 event_id: Callable[[Any], UUID | None] = lambda _: None) -> None:
        self.table = dict(table)
        self.sequenced = sequenced
        self.event_id = event_id

    def to_contract(self, event: Any) -> EventPayload | None:
        try:
            mapper = self.table[type(event)]
        except KeyError:
            raise LookupError(f"no contract mapping for domain event {type(event).__name__}") from None
        if mapper is None:
            return None
        if isinstance(mapper, type) and issubclass(mapper, EventPayload):
            return by_field_names(mapper, event)
        return cast(Callable[[Any], EventPayload], mapper)(event)

    def pending(self, events: Iterable[Any], version: int = 0) -> tuple[list[PendingEvent], int]:
        """Outbox rows for `events`; sequenced ones are numbered on from `version`. Returns the new version."""
        out: list[PendingEvent] = []
        for event in events:
            payload = self.to_contract(event)
            if payload is None:
                continue
            if self.sequenced(event):
                version += 1
                out.append(PendingEvent(payload, sequence=version, event_id=self.event_id(event)))
            else:
                out.append(PendingEvent(payload, event_id=self.event_id(event)))
        return out, version
