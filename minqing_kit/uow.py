"""The unit of work: one PostgreSQL transaction holding a state change and its outbox rows.

    async with uow:                      # opens a connection and a transaction
        matter = await repo(uow.conn).get(matter_id, for_update=True)
        matter.accept(actor, now)
        await repo(uow.conn).save(matter)
        uow.publish(*contract_events)    # written to the outbox at commit, same transaction
        await uow.commit()
    # leaving without commit() rolls everything back, outbox rows included

The connection goes back to the pool whatever fails — acquiring, BEGIN, the body, COMMIT or ROLLBACK
(an exit stack owns it from the moment it is acquired): a connection the server dropped is then
replaced by the pool instead of leaking, so a failover cannot drain the pool. Waiting for a free
connection is bounded (`acquire_timeout`); the HTTP edge answers that, like every "database
unavailable" error (`minqing_kit.db.is_db_unavailable`), with 503 and Retry-After.
"""

from __future__ import annotations

import contextlib
import logging
from types import TracebackType
from typing import Self

import asyncpg

from minqing_contract.events.base import EventPayload
from minqing_kit.db import ACQUIRE_TIMEOUT_S, is_db_unavailable
from minqing_kit.outbox import PendingEvent, add_events

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool, source: str, *, acquire_timeout: float = ACQUIRE_TIMEOUT_S) -> None:
        self.pool = pool
        self.source = source
        self.acquire_timeout = acquire_timeout
        self._conn: asyncpg.Connection | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._pending: list[PendingEvent] = []
        self.committed = False

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work not entered")
        return self._conn

    async def __aenter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("unit of work already entered")
        for attempt in (1, 2):
            stack = contextlib.AsyncExitStack()
            try:
                # From here on the stack releases the connection, even if BEGIN below fails.
                conn = await stack.enter_async_context(self.pool.acquire(timeout=self.acquire_timeout))
                tx = conn.transaction()
                await tx.start()
                stack.push_async_callback(self._rollback_unless_committed, tx)
                break
            except BaseException as exc:
                await stack.aclose()
                # An idle pooled connection the server dropped fails at BEGIN, before any work: the
                # pool has now discarded it, so one more try on a fresh connection is safe.
                if attempt == 1 and isinstance(exc, Exception) and is_db_unavailable(exc) \
                        and not isinstance(exc, TimeoutError):
                    log.info("stale pooled connection; retrying BEGIN once", extra={"error": repr(exc)})
                    continue
                raise
        self._stack, self._conn, self._tx = stack, conn, tx
        self._pending = []
        self.committed = False
        return self

    async def _rollback_unless_committed(self, tx: asyncpg.transaction.Transaction) -> None:
        if self.committed:
            return
        try:
            await tx.rollback()
        except Exception as exc:  # a dead connection: the server rolled back already; the pool replaces it
            log.debug("rollback failed", extra={"error": repr(exc)})

    def publish(self, *events: EventPayload | PendingEvent) -> None:
        for event in events:
            self._pending.append(event if isinstance(event, PendingEvent) else PendingEvent(event))

    async def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("unit of work not entered")
        await add_events(self.conn, self.source, self._pending)
        await self._tx.commit()
        self.committed = True
        self._pending = []

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        stack, self._stack = self._stack, None
        self._conn = None
        self._tx = None
        self._pending = []
        if stack is not None:
            await stack.aclose()  # roll back unless committed, then release: both always run
