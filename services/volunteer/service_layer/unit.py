"""Units of work the handlers accept: the kit's own, or one joined to a consumer's transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from minqing_contract.events.base import EventPayload
from minqing_kit.outbox import PendingEvent, add_events
from services.volunteer.adapters.repository import Connection


class Unit(Protocol):
    @property
    def conn(self) -> Connection: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None: ...

    def publish(self, *events: EventPayload | PendingEvent) -> None: ...

    async def commit(self) -> None: ...


class JoinedUnitOfWork:
    """Runs a handler inside a transaction someone else owns (the idempotent consumer's savepoint).

    `commit()` only writes the outbox rows; the owner commits or rolls back the whole, together
    with the consumer's record of the event id. (The kit's `UnitOfWork` always opens its own
    connection, so a faust handler could not otherwise share the consumer's transaction.)
    """

    def __init__(self, conn: Connection, source: str) -> None:
        self._conn = conn
        self.source = source
        self._pending: list[PendingEvent] = []

    @property
    def conn(self) -> Connection:
        return self._conn

    async def __aenter__(self) -> Self:
        self._pending = []
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._pending = []

    def publish(self, *events: EventPayload | PendingEvent) -> None:
        self._pending.extend(e if isinstance(e, PendingEvent) else PendingEvent(e) for e in events)

    async def commit(self) -> None:
        await add_events(self._conn, self.source, self._pending)
        self._pending = []
