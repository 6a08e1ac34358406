"""Failure classification and culprit isolation, without I/O: which errors dead-letter an event and which
retry the batch, and that bisecting a refused batch sets aside exactly the bad events, applying every
good one once and in order."""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError
from asyncpg.exceptions import _base as asyncpg_base

from minqing_kit.failures import is_permanent, isolate, reason_for, retry_transient


@pytest.mark.parametrize("exc", [
    asyncpg.CharacterNotInRepertoireError("invalid byte sequence for encoding \"UTF8\": 0x00"),
    asyncpg.UntranslatableCharacterError("unsupported Unicode escape sequence"),
    asyncpg.NumericValueOutOfRangeError("numeric field overflow"),
    asyncpg.DatetimeFieldOverflowError("date out of range"),
    asyncpg.NotNullViolationError("null value in column"),
    asyncpg.ProgramLimitExceededError("index row size exceeds maximum"),
    asyncpg_base.DataError("invalid input for query argument $1"),
    OverflowError("date value out of range"),
    decimal.InvalidOperation([decimal.InvalidOperation]),
    ValueError("bad"),
    UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
])
def test_the_event_own_data_errors_are_permanent(exc: Exception) -> None:
    assert is_permanent(exc)


@pytest.mark.parametrize("exc", [
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.DeadlockDetectedError("deadlock detected"),
    asyncpg.UndefinedTableError("relation does not exist"),  # a switch-over by the replay
    asyncpg.InterfaceError("pool is closing"),
    asyncpg.InternalClientError("cannot switch to state 15"),
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError(),
    KafkaConnectionError("broker down"),
    RuntimeError("not understood"),
])
def test_infrastructure_and_unknown_errors_are_transient(exc: Exception) -> None:
    assert not is_permanent(exc)


def test_reason_names_where_and_the_error() -> None:
    reason = reason_for(asyncpg.CharacterNotInRepertoireError("0x00"), "the reporting read model")
    assert reason == "data: the reporting read model refused the event: CharacterNotInRepertoireError: 0x00"


class FakeStore:
    """Applies groups atomically, refusing any group holding a poison item (as a savepoint would)."""

    def __init__(self, poison: set[int], transient_at: int | None = None) -> None:
        self.poison = poison
        self.applied: list[int] = []
        self.attempts = 0
        self.transient_at = transient_at

    async def apply(self, group: Sequence[int]) -> None:
        self.attempts += 1
        if self.attempts == self.transient_at:
            raise asyncpg.ConnectionDoesNotExistError("connection lost")
        bad = [i for i in group if i in self.poison]
        if bad:
            raise asyncpg.CharacterNotInRepertoireError(f"item {bad[0]}")
        self.applied.extend(group)


async def test_a_clean_batch_is_applied_in_one_attempt() -> None:
    store = FakeStore(set())
    assert await isolate(list(range(500)), store.apply) == []
    assert store.applied == list(range(500)) and store.attempts == 1


@pytest.mark.parametrize("poison", [{0}, {499}, {7, 8}, {3, 250, 498}, set(range(0, 500, 50))])
async def test_bisection_sets_aside_exactly_the_poison_and_applies_the_rest_in_order(poison: set[int]) -> None:
    items = list(range(500))
    store = FakeStore(poison)
    culprits = await isolate(items, store.apply)
    assert [item for item, _ in culprits] == sorted(poison)
    assert all(isinstance(exc, asyncpg.CharacterNotInRepertoireError) for _, exc in culprits)
    assert store.applied == [i for i in items if i not in poison]  # every good item once, in order
    # About 2·k·log2(n) attempts, not n: a poison event costs a few round trips, not a batch's worth.
    assert store.attempts <= 1 + 2 * len(poison) * 9 + 2


async def test_a_transient_failure_during_isolation_propagates_for_a_retry() -> None:
    store = FakeStore({10}, transient_at=3)
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        await isolate(list(range(20)), store.apply)


async def test_an_empty_batch_applies_nothing() -> None:
    store = FakeStore(set())
    assert await isolate([], store.apply) == [] and store.attempts == 0


async def test_retry_transient_retries_until_the_action_succeeds() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise asyncpg.CannotConnectNowError("starting up")
        return "done"

    assert await asyncio.wait_for(retry_transient(flaky, what="test", consumer="t", first_delay=0.001), 5) == "done"
    assert calls == 3
