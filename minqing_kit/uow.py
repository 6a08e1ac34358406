"""The unit of work: one PostgreSQL transaction holding a state change and its outbox rows.

    async with uow:                      # opens a connection and a transaction
        matter = await repo(uow.conn).get(matter_id, for_update=True)
        matter.accept(actor, now)
        await repo(uow.conn).save(matter)
        uow.publish(*contract_events)    # written to the outbox at commit, same transaction
        await uow.commit()
    # leaving without commit() rolls everything back, outbox rows included
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import asyncpg

from minqing_contract.events.base import EventPayload
from minqing_kit.outbox import PendingEvent, add_events


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool, source: str) -> None:
        self.pool = pool
        self.source = source
        self._conn: asyncpg.Connection | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._pending: list[PendingEvent] = []
        self.committed = False

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work not entered")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self.pool.acquire()
        self._tx = self._conn.transaction()
        await self._tx.start()
        self._pending = []
        self.committed = False
        return self

    def publish(self, *events: EventPayload | PendingEvent) -> None:
        for event in events:
            self._pending.append(event if isinstance(event, PendingEvent) else PendingEvent(event))

    async def commit(self) -> None:
        assert self._tx is not None
        await add_events(self.conn, self.source, self._pending)
        await self._tx.commit()
        self.committed = True
        self._pending = []

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if not self.committed and self._tx is not None:
                await self._tx.rollback()
        finally:
            if self._conn is not None:
                await self.pool.release(self._conn)
            self._conn = None
            self._tx = None
