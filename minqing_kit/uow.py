"""The unit of work: one PostgreSQL transaction holding a state change and its outbox rows.

Two layers. `UnitOfWork` (below) is the transaction: a pooled connection, BEGIN, the outbox rows
written at COMMIT, rollback unless committed. `ServiceUnitOfWork` is what every service's handlers
receive (cosmicpython's unit of work): it holds the service's repositories, remembers every aggregate
they loaded or added (`Repository.seen`), and at `commit()` saves each one, maps its new domain
events through the service's `ContractMapping` and writes them to the outbox in the same
transaction — nothing is published by hand. `PostgresUnitOfWork` runs it on a transaction of its own
or joined to a consumer's; `minqing_kit.fakes.FakeUnitOfWork` runs it in memory for handler tests.
The plain `UnitOfWork` stays the connection for read-side views.

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

import abc
import contextlib
import copy
import itertools
import logging
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

import asyncpg

from minqing_contract.events.base import EventPayload
from minqing_kit.db import ACQUIRE_TIMEOUT_S, is_db_unavailable
from minqing_kit.mapping import ContractMapping
from minqing_kit.outbox import OutboxBatch, PendingEvent, add_events

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


# ----- the skeleton: repositories that remember, a unit of work that collects ------------------------
class HasEvents(Protocol):
    """An aggregate: it records its domain events in `events` for the unit of work to collect."""

    @property
    def events(self) -> list[Any]: ...


A = TypeVar("A", bound=HasEvents)


@dataclass(eq=False)
class Tracked(Generic[A]):
    """An aggregate a unit of work has seen, with what its repository needs to save it."""

    aggregate: A
    version: int = 0  # sequence of the last event it published (as stored; 0 when new)
    new: bool = False  # added in this unit of work: save inserts
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. encrypted personal data of a new row
    order: int = 0  # when the unit of work first saw it (across all its repositories)
    snapshot: dict[str, Any] | None = None  # its state when loaded: unchanged aggregates are not saved
    #: While `save` runs: the unit of work's outbox rows, when the repository may write them in its own
    #: statement (`OutboxBatch.insert`); left alone, the unit of work writes them itself.
    outbox: OutboxBatch | None = None

    def changed(self) -> bool:
        return self.new or self.snapshot is None or _state(self.aggregate) != self.snapshot


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "events"}


def _snapshot(aggregate: Any) -> dict[str, Any]:
    """A deep copy of the aggregate's state; a field that cannot be copied (a read-only mapping inside
    configuration, such as the clocks' calendar) is kept by reference: configuration, not state."""
    out: dict[str, Any] = {}
    for name, value in _state(aggregate).items():
        try:
            out[name] = copy.deepcopy(value)
        except TypeError:
            out[name] = value
    return out


Stamp = tuple[int, int]


class EventLog(list[Any]):
    """An aggregate's `events` while a unit of work tracks it: a list that stamps every event appended
    with the unit of work's running number, so the outbox receives the events of several aggregates in
    the order the domain recorded them. Events already there when the aggregate was tracked (a new
    aggregate's own creation) are stamped first: the new fact, then its consequences on the aggregates
    the command loaded. The domain only sees a list; a copy is a plain list."""

    def __init__(self, items: Iterable[Any], stamps: Iterator[int]) -> None:
        super().__init__()
        self._next = stamps
        self.stamps: list[Stamp] = []
        for event in items:  # recorded before the unit of work saw the aggregate
            super().append(event)
            self.stamps.append((0, next(stamps)))

    def append(self, event: Any) -> None:
        super().append(event)
        self.stamps.append((1, next(self._next)))

    def extend(self, events: Iterable[Any]) -> None:
        for event in events:
            self.append(event)

    def __iadd__(self, events: Iterable[Any]) -> Self:  # type: ignore[override,misc]
        self.extend(events)
        return self

    def clear(self) -> None:
        super().clear()
        self.stamps.clear()

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(e, memo) for e in self]

    def __copy__(self) -> list[Any]:
        return list(self)


class Repository(Generic[A]):
    """Base of a service's repositories: every aggregate loaded (`_loaded`) or added (`_added`) is
    remembered in `seen`; at commit the unit of work calls `save` for each one that is new, recorded
    events or changed since it was loaded (compared with a snapshot). Load for update what a command
    changes; a plain read need not be tracked."""

    #: Save every aggregate loaded for update, changed or not (for state the snapshot cannot see, e.g.
    #: columns derived from configuration the aggregate holds by reference).
    save_unchanged: bool = False

    def __init__(self) -> None:
        self.seen: list[Tracked[A]] = []
        self._stamps: Iterator[int] = itertools.count()

    def _track(self, tracked: Tracked[A]) -> A:
        aggregate = tracked.aggregate
        tracked.order = next(self._stamps)
        # Events recorded from here on are stamped in the unit of work's order (see EventLog).
        object.__setattr__(aggregate, "events", EventLog(aggregate.events, self._stamps))
        self.seen.append(tracked)
        return aggregate

    def _loaded(self, aggregate: A, version: int = 0, **extra: Any) -> A:
        snapshot = None if self.save_unchanged else _snapshot(aggregate)
        tracked = Tracked(aggregate, version, False, extra, snapshot=snapshot)
        return self._track(tracked)

    def note(self, aggregate: A, **extra: Any) -> None:
        """What `save` needs besides the aggregate (e.g. who recorded it), for one already tracked."""
        for tracked in self.seen:
            if tracked.aggregate is aggregate:
                tracked.extra.update(extra)
                return
        raise LookupError(f"{type(aggregate).__name__} is not tracked by this unit of work")

    def _added(self, aggregate: A, **extra: Any) -> A:
        return self._track(Tracked(aggregate, 0, True, extra))

    def forget(self, stamps: Iterator[int] | None = None) -> None:
        self.seen = []
        if stamps is not None:
            self._stamps = stamps

    async def save(self, tracked: Tracked[A]) -> Collection[Any] | None:
        """Write the aggregate's state (`tracked.version` is already the version after its new events).

        May return events the store refused as already announced (a unique key met): they keep their
        sequence number but are not published again."""
        raise NotImplementedError(f"{type(self).__name__} tracks aggregates but cannot save them")


class ServiceUnitOfWork(abc.ABC):
    """What every handler receives: `async with uow: ... await uow.commit()`.

    Its repositories are its attributes that are `Repository` instances (built in `_open`). Leaving
    the block without `commit()` rolls everything back, outbox rows included.
    """

    def __init__(self, mapping: ContractMapping) -> None:
        self.mapping = mapping
        self.committed = False
        self._stamps: Iterator[int] = itertools.count()
        self._facts: list[tuple[Stamp, Any]] = []
        self.last_published: list[Any] = []  # the domain events the last commit wrote to the outbox

    def repositories(self) -> list[Repository[Any]]:
        return [v for v in vars(self).values() if isinstance(v, Repository)]

    async def __aenter__(self) -> Self:
        await self._begin()
        self._stamps = itertools.count()
        for repo in self.repositories():
            repo.forget(self._stamps)
        self._facts = []
        self.committed = False
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._facts = []
        await self._end(exc_type, exc, tb)

    def join(self, conn: Any) -> Self:
        """The same unit of work, run inside a transaction `conn` is in and its owner commits (a
        consumer's, with its record of the event id)."""
        raise TypeError(f"{type(self).__name__} cannot join another transaction")

    def record(self, *events: Any) -> None:
        """Domain events of plain data entry, with no aggregate of their own to carry them."""
        self._facts.extend(((1, next(self._stamps)), e) for e in events)

    def collect_new_events(self) -> Iterator[tuple[Repository[Any], Tracked[Any], list[Any]]]:
        """Every seen aggregate with its new events (cosmicpython's `collect_new_events`): the ones
        added in this unit of work first (inserted before the loaded ones are updated), each group in
        the order the unit of work saw them, whichever repository holds them."""
        seen = [(repo, tracked) for repo in self.repositories() for tracked in repo.seen]
        for repo, tracked in sorted(seen, key=lambda item: (not item[1].new, item[1].order)):
            yield repo, tracked, tracked.aggregate.events

    async def commit(self) -> None:
        """Save every seen aggregate, then write all their new events to the outbox in the order the
        domain recorded them (each aggregate's published events numbered on from its version)."""
        plan: list[tuple[Repository[Any], Tracked[Any], list[Any], list[tuple[Stamp, Any, PendingEvent]]]] = []
        for repo, tracked, events in list(self.collect_new_events()):
            stamps = events.stamps if isinstance(events, EventLog) else [(1, i) for i in range(len(events))]
            mine: list[tuple[Stamp, Any, PendingEvent]] = []
            for stamp, event in zip(stamps, list(events), strict=True):
                rows, tracked.version = self.mapping.pending([event], tracked.version)
                mine.extend((stamp, event, row) for row in rows)
            if events or tracked.changed():
                plan.append((repo, tracked, events, mine))
        facts = [(stamp, fact, row) for stamp, fact in self._facts for row in self.mapping.pending([fact])[0]]
        self._facts = []
        # One new aggregate and nothing else to publish (a registration): its repository may write the
        # outbox rows in the statement that inserts it (one round trip for state and events).
        batch = None
        if len(plan) == 1 and plan[0][1].new and not facts:
            batch = self._outbox_batch([row for _, _, row in sorted(plan[0][3], key=lambda item: item[0])])
        stamped = list(facts)
        for repo, tracked, events, mine in plan:
            tracked.outbox = batch
            try:
                withheld: Collection[Any] = await repo.save(tracked) or ()
            finally:
                tracked.outbox = None
            if withheld and batch is not None and batch.written:
                raise RuntimeError(f"{type(repo).__name__} wrote the outbox rows and withheld events")
            stamped.extend(item for item in mine if not any(item[1] is w for w in withheld))
            events.clear()
            tracked.new = False
        ordered = sorted(stamped, key=lambda item: item[0])
        await self._commit([] if batch is not None and batch.written else [row for _, _, row in ordered])
        self.last_published = [event for _, event, _ in ordered]
        self.committed = True

    def _outbox_batch(self, rows: list[PendingEvent]) -> OutboxBatch | None:
        """The outbox rows offered to a repository to write in its own statement (None: never)."""
        return None

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self, pending: list[PendingEvent]) -> None: ...

    @abc.abstractmethod
    async def _end(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                   tb: TracebackType | None) -> None: ...


class PostgresUnitOfWork(ServiceUnitOfWork):
    """A service unit of work on PostgreSQL: its own transaction (`pool=`), or one someone else owns
    (`conn=`: the idempotent consumer's, committed by it together with its record of the event id)."""

    def __init__(self, mapping: ContractMapping, source: str, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None, acquire_timeout: float = ACQUIRE_TIMEOUT_S) -> None:
        if (pool is None) == (conn is None):
            raise ValueError("a unit of work needs either a pool (own transaction) or a connection (joined)")
        super().__init__(mapping)
        self.source = source
        self._pool, self._joined, self._acquire_timeout = pool, conn, acquire_timeout
        self._tx: UnitOfWork | None = None

    @abc.abstractmethod
    def _open(self, conn: asyncpg.Connection) -> None:
        """Build the repositories on this transaction's connection."""

    def join(self, conn: asyncpg.Connection) -> Self:
        joined = copy.copy(self)
        joined._pool, joined._joined, joined._tx = None, conn, None
        return joined

    async def _begin(self) -> None:
        if self._pool is not None:
            self._tx = UnitOfWork(self._pool, self.source, acquire_timeout=self._acquire_timeout)
            conn = (await self._tx.__aenter__()).conn
        elif self._joined is not None:
            conn = self._joined
        else:  # excluded by __init__
            raise RuntimeError("unit of work has neither pool nor connection")
        self._open(conn)

    def _outbox_batch(self, rows: list[PendingEvent]) -> OutboxBatch | None:
        return OutboxBatch(self.source, rows)

    async def _commit(self, pending: list[PendingEvent]) -> None:
        if self._tx is not None:
            self._tx.publish(*pending)
            await self._tx.commit()
        elif self._joined is not None:
            await add_events(self._joined, self.source, pending)

    async def _end(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            await tx.__aexit__(exc_type, exc, tb)
