"""A batch consumer in a Kafka consumer group whose offsets live in PostgreSQL, beside the effects.

For a consumer that must keep up with bulk traffic (the reporting ingest): aiokafka's `getmany` hands
over thousands of messages per call, where faust's stream hands them over one by one (measured: a
faust agent with an empty body reaches 0.04× a raw aiokafka consumer on two cores).

Who owns what:
  - **PostgreSQL holds the truth**: the caller writes each partition's next offset in the same
    transaction as the batch's effects (and claims the event ids there). On every assignment the
    reader seeks each partition to its stored offset (`load_offsets`), or to the beginning when none is
    stored. Kafka's committed offsets are a copy, written for lag monitoring only.
  - **Rebalances**: aiokafka rebalances eagerly (every member gives up all its partitions, then gets its
    new share). On revoke the reader waits for the batch in flight to commit (at most
    `revoke_grace_s`; past that it abandons it: rolled back, nothing stored, the next owner reads it
    again from the stored offsets), copies the applied offsets to Kafka while it still owns the
    partitions, and forgets them. A fetch that straddles a rebalance is dropped (`OffsetLedger.current`)
    and its partitions seeked back to the new assignment's start (`refetch`): it may hold messages
    from before the rebalance, or messages past the new start, and the stored offset assumes each
    partition is applied in order. A batch that still commits for
    a partition another member now reads changes nothing twice: its event ids are claimed in the same
    transaction, and the stored offset only ever grows (`greatest`).
  - **Crash and restart**: a member killed with -9 is forgotten after `session_timeout_ms` (10 s);
    SIGTERM leaves the group at once (`consumer.stop()`).

The caller supplies the batch work as a `BatchSink` (the reporting `Pipeline`: prepare in a thread,
commit in the background, in order; it retries a batch until applied, its poison dead-lettered) and
is told of each commit (`on_committed(result)`), after which the batch's ends count as applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from minqing_kit import metrics
from minqing_kit.consumer import RawMessage
from minqing_kit.failures import retry_transient
from minqing_kit.faust_support import HEARTBEAT_INTERVAL_S, SESSION_TIMEOUT_S
from minqing_kit.kafka_auth import KafkaConnection, client_options

log = logging.getLogger(__name__)

TP = tuple[str, int]


class BatchSink(Protocol):
    """Where batches go: `submit` starts a batch's commit (in order) and calls `on_committed(ends)` after
    it; `drain` waits for the batch in flight; `cancel` abandons it (rolled back)."""

    async def submit(self, messages: Sequence[RawMessage],
                     on_committed: Callable[[Any], Awaitable[None]]) -> object: ...

    async def drain(self) -> object: ...

    async def cancel(self) -> None: ...


#: How old the reader's cluster metadata may get before it asks again (see `GroupReader.run`).
METADATA_MAX_AGE_MS = 10_000

@dataclass
class OffsetLedger:
    """The reader's bookkeeping, pure: which partitions it owns, how far they are applied (committed in
    PostgreSQL) and how far that was copied to Kafka, and which fetches are still current."""

    generation: int = 0
    owned: set[TP] = field(default_factory=set)
    applied: dict[TP, int] = field(default_factory=dict)
    reported: dict[TP, int] = field(default_factory=dict)
    starts: dict[TP, int | None] = field(default_factory=dict)  # where the assignment seeked

    def assign(self, tps: Iterable[TP], stored: Mapping[TP, int]) -> dict[TP, int | None]:
        """New partitions: where to seek each (the stored next offset, None = from the beginning)."""
        self.generation += 1
        self.owned = set(tps)
        self.applied = {tp: stored[tp] for tp in self.owned if tp in stored}
        self.reported = {}  # copy the stored offsets to Kafka once (its copy may be behind, or rewound)
        self.starts = {tp: stored.get(tp) for tp in sorted(self.owned)}
        return dict(self.starts)

    def current(self, generation: int) -> bool:
        """Whether messages fetched in `generation` may still be submitted (no rebalance since)."""
        return generation == self.generation

    def refetch(self, fetched: Iterable[TP]) -> dict[TP, int | None]:
        """A batch fetched across a rebalance is dropped, yet the fetch may already have read past the new
        assignment's seek: where to seek again, for its partitions we own (no batch of the new generation
        was submitted yet, so the assignment's start still holds)."""
        return {tp: self.starts[tp] for tp in fetched if tp in self.owned and tp in self.starts}

    def committed(self, ends: Mapping[TP, int]) -> None:
        """A batch committed in PostgreSQL up to `ends` (next offsets); partitions no longer owned are
        ignored (their new owner reports them)."""
        for tp, end in ends.items():
            if tp in self.owned and end > self.applied.get(tp, -1):
                self.applied[tp] = end

    def due(self) -> dict[TP, int]:
        """Offsets to copy to Kafka: owned partitions applied further than last reported."""
        return {tp: end for tp, end in self.applied.items()
                if tp in self.owned and end > self.reported.get(tp, -1)}

    def reported_up_to(self, offsets: Mapping[TP, int]) -> None:
        for tp, end in offsets.items():
            if end > self.reported.get(tp, -1):
                self.reported[tp] = end

    def revoke(self) -> dict[TP, int]:
        """All partitions taken away: returns what is still due to Kafka (commit it before returning from
        the revoke callback), then owns nothing; fetches made before are no longer current."""
        due = self.due()
        self.generation += 1
        self.owned = set()
        self.applied = {}
        self.reported = {}
        self.starts = {}
        return due


def ends_of(messages: Sequence[RawMessage]) -> dict[TP, int]:
    ends: dict[TP, int] = {}
    for m in messages:
        tp = (m.topic, m.partition)
        if m.offset + 1 > ends.get(tp, 0):
            ends[tp] = m.offset + 1
    return ends


@dataclass
class GroupReader:
    """`run(stop)`: read `topics` in group `group_id` with `getmany`, hand batches to `sink`, until `stop`."""

    bootstrap: KafkaConnection | str
    group_id: str
    topics: Sequence[str]
    sink: BatchSink
    load_offsets: Callable[[Sequence[TP]], Awaitable[Mapping[TP, int]]]
    max_records: int = 2000
    poll_timeout_s: float = 0.2
    #: Kafka's committed offsets are only copied for lag monitoring: at most this often.
    report_every_s: float = 1.0
    revoke_grace_s: float = 10.0
    consumer_options: dict[str, Any] = field(default_factory=dict)
    ledger: OffsetLedger = field(default_factory=OffsetLedger)
    assigned: asyncio.Event = field(default_factory=asyncio.Event)
    rebalances: int = 0

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()  # held from a batch's fetch to its submission, and by the revoke callback
        self._consumer: AIOKafkaConsumer | None = None
        self._reported_at = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        options: dict[str, Any] = {
            **client_options(self.bootstrap), "group_id": self.group_id, "enable_auto_commit": False,
            "auto_offset_reset": "earliest", "max_poll_records": self.max_records,
            "session_timeout_ms": int(SESSION_TIMEOUT_S * 1000),
            "heartbeat_interval_ms": int(HEARTBEAT_INTERVAL_S * 1000),
            "max_partition_fetch_bytes": 4 * 1024 * 1024,
            # aiokafka 0.14 retries a refused offset lookup (NotLeaderForPartition while a restarted broker
            # takes its partitions back) without refreshing its metadata, so a partition with no offset yet
            # (an empty stream) stalled the whole reader until the 5-minute periodic refresh. Seen in the
            # three-broker fault test; a short metadata age bounds the stall to seconds.
            "metadata_max_age_ms": METADATA_MAX_AGE_MS,
        }
        options.update(self.consumer_options)
        consumer = self._consumer = AIOKafkaConsumer(**options)
        await consumer.start()
        consumer.subscribe(list(self.topics), listener=_Listener(self))
        try:
            while not stop.is_set():
                generation = self.ledger.generation
                got = await consumer.getmany(timeout_ms=int(self.poll_timeout_s * 1000), max_records=self.max_records)
                async with self._lock:
                    if not self.ledger.current(generation):  # a rebalance during the fetch
                        await self._seek(consumer, self.ledger.refetch((tp.topic, tp.partition) for tp in got))
                        continue
                    messages = [RawMessage.of(r) for records in got.values() for r in records]
                    if messages:
                        await self.sink.submit(messages, self._on_committed(generation, ends_of(messages)))
                    else:
                        await self.sink.drain()  # idle: finish the batch in flight now
                await self._report(consumer, force=not messages)
            async with self._lock:
                await self.sink.drain()  # SIGTERM: finish the batch in flight, then leave the group
                await self._report(consumer, force=True)
        finally:
            await self.sink.cancel()
            with contextlib.suppress(Exception):
                await consumer.stop()  # leaves the group: the others get its partitions at once

    def _on_committed(self, generation: int, ends: dict[TP, int]) -> Callable[[Any], Awaitable[None]]:
        async def committed(result: Any) -> None:
            if self.ledger.current(generation):
                self.ledger.committed(ends)
        return committed

    async def _report(self, consumer: AIOKafkaConsumer, *, force: bool = False) -> None:
        """Copy the applied offsets to Kafka (lag monitoring) and record the lag; best effort."""
        now = time.monotonic()
        if not force and now - self._reported_at < self.report_every_s:
            return
        self._reported_at = now
        due = self.ledger.due()
        if due:
            try:
                await consumer.commit({TopicPartition(*tp): end for tp, end in due.items()})
                self.ledger.reported_up_to(due)
            except Exception as exc:  # a rebalance under way: the revoke callback or the next round reports
                log.info("offsets not copied to Kafka", extra={"consumer": self.group_id, "error": repr(exc)})
        for tp, end in self.ledger.applied.items():
            highwater = consumer.highwater(TopicPartition(*tp))
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(consumer=self.group_id, topic=tp[0], partition=str(tp[1])).set(
                    max(highwater - end, 0))

    @staticmethod
    async def _seek(consumer: AIOKafkaConsumer, starts: Mapping[TP, int | None]) -> None:
        await _seek_all(consumer, starts)

    async def _revoked(self) -> None:
        async with self._lock:
            try:
                await asyncio.wait_for(self.sink.drain(), self.revoke_grace_s)
            except Exception as exc:  # a commit stuck (database away): abandon it, it rolls back
                log.warning("abandoned the batch in flight on revoke", extra={"consumer": self.group_id,
                                                                              "error": repr(exc)})
                await self.sink.cancel()
            due = self.ledger.revoke()
            if due and self._consumer is not None:
                with contextlib.suppress(Exception):
                    await self._consumer.commit({TopicPartition(*tp): end for tp, end in due.items()})

    async def _assigned(self, assigned: Sequence[TopicPartition]) -> None:
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("partitions assigned before the consumer started")
        tps = [(tp.topic, tp.partition) for tp in assigned]
        # PostgreSQL away: wait for it here (this member consumes nothing until it knows where to start).
        stored = await retry_transient(partial(self.load_offsets, tps), what="stored offsets", consumer=self.group_id)
        async with self._lock:
            self.rebalances += 1
            await self._seek(consumer, self.ledger.assign(tps, stored))
        log.info("partitions assigned", extra={"consumer": self.group_id, "partitions": len(tps)})
        self.assigned.set()


async def _seek_all(consumer: AIOKafkaConsumer, starts: Mapping[TP, int | None]) -> None:
    for (topic, partition), offset in starts.items():
        tp = TopicPartition(topic, partition)
        if offset is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, offset)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, reader: GroupReader) -> None:
        self.reader = reader

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.reader._revoked()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.reader._assigned(list(assigned))
