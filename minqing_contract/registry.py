"""Which payload model (and which upcasters) belong to an event type and version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from minqing_contract.events import identity, petition, safety, volunteer
from minqing_contract.events.base import EventPayload

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type: cls for module in (petition, safety, volunteer, identity) for cls in module.EVENTS
}
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    key: fn  # type: ignore[misc]
    for module in (petition, safety, volunteer, identity) for key, fn in module.UPCASTERS.items()
}

SCHEMA_BASE = "https://schemas.minqing.example/events"


def schema_uri(event_type: str, version: int) -> str:
    """The CloudEvents `dataschema`: where the JSON Schema of this type/version is published."""
    return f"{SCHEMA_BASE}/{event_type}/v{version}.json"


def model_for(event_type: str) -> type[EventPayload]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise LookupError(f"unknown event type {event_type!r}") from None


def upcast(event_type: str, version: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring `data` of an older version up to the current one, one step at a time."""
    current = model_for(event_type).version
    if version > current:
        raise LookupError(f"{event_type} v{version} is newer than this contract (v{current}); upgrade minqing_contract")
    out = dict(data)
    while version < current:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise LookupError(f"no upcaster for {event_type} v{version}")
        out = step(out)
        version += 1
    return out
