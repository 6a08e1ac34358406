"""In-memory unit of work and repository bases, for handler unit tests without I/O.

A service's fake subclasses `FakeUnitOfWork` and gives it fake repositories (`FakeRepository` for an
aggregate store); the same handler code runs, the same mapping numbers the events, and the outbox rows
land in `uow.published` instead of PostgreSQL. The repositories outlive each `async with uow`, like a
database: an aggregate's changes are stored only by `commit()` (a refused command leaves no trace).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Any, Generic, Self

from minqing_kit.errors import NotFound
from minqing_kit.mapping import ContractMapping
from minqing_kit.outbox import PendingEvent
from minqing_kit.uow import A, Repository, ServiceUnitOfWork, Tracked


class FakeUnitOfWork(ServiceUnitOfWork):
    def __init__(self, mapping: ContractMapping) -> None:
        super().__init__(mapping)
        self.published: list[PendingEvent] = []
        self.commits = 0

    def join(self, conn: Any) -> Self:
        return self  # one in-memory store: joining changes nothing

    async def _begin(self) -> None:
        return None

    async def _commit(self, pending: list[PendingEvent]) -> None:
        self.published.extend(pending)
        self.commits += 1

    async def _end(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        return None

    def payloads(self) -> list[Any]:
        return [p.payload for p in self.published]


class FakeRepository(Repository[A], Generic[A]):
    """Aggregates by key, each stored as a copy with its version (what a table row would hold)."""

    def __init__(self, key: Callable[[A], Hashable] = lambda a: a.id) -> None:  # type: ignore[attr-defined]
        super().__init__()
        self.key = key
        self.rows: dict[Hashable, tuple[A, int, dict[str, Any]]] = {}

    def load(self, key: Hashable, *, what: str = "aggregate") -> A:
        """A working copy of the stored aggregate, tracked; 404 (the kit's NotFound) when absent."""
        try:
            stored, version, _ = self.rows[key]
        except KeyError:
            raise NotFound(f"{what} {key} not found", field="id", rule="exists") from None
        return self._loaded(copy.deepcopy(stored), version)

    def put(self, aggregate: A, version: int = 0, **extra: Any) -> None:
        """Arrange a stored aggregate for a test."""
        self.rows[self.key(aggregate)] = (copy.deepcopy(aggregate), version, extra)

    async def save(self, tracked: Tracked[A]) -> None:
        stored = copy.deepcopy(tracked.aggregate)
        stored.events.clear()
        extra = dict(self.rows[self.key(stored)][2]) if self.key(stored) in self.rows else {}
        self.rows[self.key(stored)] = (stored, tracked.version, extra | tracked.extra)
