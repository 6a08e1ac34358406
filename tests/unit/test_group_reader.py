"""The group reader's bookkeeping, without Kafka or PostgreSQL: where it seeks on assignment, what it
copies to Kafka, and that a rebalance neither reports partitions it no longer owns nor lets a batch
fetched before it through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from minqing_kit.consumer import RawMessage
from minqing_kit.group_reader import GroupReader, OffsetLedger, ends_of

A0, A1, B0 = ("a", 0), ("a", 1), ("b", 0)


def test_assignment_seeks_to_the_stored_offsets_or_the_beginning() -> None:
    ledger = OffsetLedger()
    seeks = ledger.assign([A0, A1, B0], {A0: 40, B0: 7, ("other", 0): 99})
    assert seeks == {A0: 40, A1: None, B0: 7}
    assert ledger.due() == {A0: 40, B0: 7}  # copied to Kafka once, whatever Kafka's copy says


def test_only_committed_owned_partitions_are_reported_and_only_forward() -> None:
    ledger = OffsetLedger()
    ledger.assign([A0, A1], {A0: 40})
    ledger.reported_up_to(ledger.due())
    ledger.committed({A0: 45, A1: 3, B0: 10})  # B0 is not ours (a batch from before a rebalance)
    assert ledger.due() == {A0: 45, A1: 3}
    ledger.reported_up_to({A0: 45, A1: 3})
    assert ledger.due() == {}
    ledger.committed({A0: 44})  # an older end never moves an offset back
    assert ledger.due() == {} and ledger.applied[A0] == 45


def test_revoke_returns_what_is_due_then_owns_nothing_and_stale_fetches_are_refused() -> None:
    ledger = OffsetLedger()
    ledger.assign([A0, A1], {})
    fetched_in = ledger.generation
    ledger.committed({A0: 5})
    assert ledger.revoke() == {A0: 5}  # reported while still owned
    assert not ledger.current(fetched_in)  # a batch fetched before the rebalance is dropped
    ledger.committed({A1: 9})  # a commit finishing after the revoke is not ours to report
    assert ledger.due() == {} and ledger.owned == set()
    ledger.assign([A1], {A1: 9})
    assert ledger.current(ledger.generation) and ledger.due() == {A1: 9}


def test_a_fetch_across_a_rebalance_is_read_again_from_the_new_start() -> None:
    ledger = OffsetLedger()
    ledger.assign([A0], {A0: 3})
    fetched_in = ledger.generation
    ledger.revoke()
    ledger.assign([A0, A1], {A0: 5})  # during the fetch: it may hold A0 from 3 (stale) or from 5 (new)
    assert not ledger.current(fetched_in)
    assert ledger.refetch([A0, A1, B0]) == {A0: 5, A1: None}  # B0 is not ours: its owner reads it


def test_ends_of_a_batch_are_the_next_offsets_per_partition() -> None:
    def msg(tp: tuple[str, int], offset: int) -> RawMessage:
        return RawMessage(tp[0], tp[1], offset, None, None, [])
    assert ends_of([msg(A0, 3), msg(A1, 8), msg(A0, 4)]) == {A0: 5, A1: 9}


class StuckSink:
    """A batch in flight whose commit never finishes (the database went away)."""

    def __init__(self) -> None:
        self.cancelled = False
        self.forever = asyncio.Event()

    async def submit(self, messages: Sequence[RawMessage], on_committed: Callable[[Any], Awaitable[None]]) -> object:
        return None

    async def drain(self) -> object:
        await self.forever.wait()
        return None

    async def cancel(self) -> None:
        self.cancelled = True


async def _no_offsets(tps: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
    return {}


async def test_revoke_abandons_a_batch_that_does_not_commit_within_the_grace() -> None:
    sink = StuckSink()
    reader = GroupReader("unused:9092", "g", ["a"], sink, _no_offsets, revoke_grace_s=0.05)
    reader.ledger.assign([A0], {A0: 10})
    reader.ledger.committed({A0: 12})
    await asyncio.wait_for(reader._revoked(), 5)  # no consumer: nothing is sent anywhere
    assert sink.cancelled  # rolled back; the next owner reads it again from the stored offset
    assert reader.ledger.owned == set() and reader.ledger.due() == {}


async def test_a_commit_reported_after_a_rebalance_does_not_count_for_the_new_assignment() -> None:
    reader = GroupReader("unused:9092", "g", ["a"], StuckSink(), _no_offsets)
    reader.ledger.assign([A0], {A0: 10})
    committed = reader._on_committed(reader.ledger.generation, {A0: 20})
    reader.ledger.revoke()
    reader.ledger.assign([A0], {A0: 15})  # another member applied up to 15 meanwhile
    await committed(None)
    assert reader.ledger.due() == {A0: 15}  # the old batch's end is not copied to Kafka by this member
