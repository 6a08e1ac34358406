"""Apply a batch of Kafka messages to the read models, exactly once — in two steps that overlap.

Why not the kit's `apply_batch`: it calls a handler per event inside a savepoint (three round trips an
event); the reporting service must keep up with a replay of a million events, so it decodes and
projects the whole batch in memory, sums the facts (`Aggregate`), and writes one statement per table.

The two steps:
  1. `prepare(messages)` — pure CPU, no I/O, thread-safe: decode with the contract's fast codec into its
     validated structs (`codec.decode_slim`: no pydantic model, no `Event`), project each event straight
     into the batch's sums (`projection.project_into`: no `Facts` in between), and lay the sums out as
     the write statements' columns. Messages that do not decode (or cannot be projected, whatever the
     projection raises) are set aside with the reason: nothing a single event carries stops a batch.
  2. `commit(pool, model, prepared, dead_letters)` — one transaction: skip messages below a partition's recorded
     next offset (already in these tables — also how the live worker continues from where a replay
     ended), claim the event ids (a redelivered event, same id at any offset, adds nothing), write the
     sums and the partitions' next offsets. The sums are written in a savepoint; when PostgreSQL
     refuses them for a reason an event carries (a data error: `failures.is_permanent`), the batch is
     bisected in savepoints down to the culprits, which go to the dead-letter topic with the reason
     before the transaction commits; the others are applied. Any other failure (database down)
     raises: nothing is committed, the caller retries the same `Prepared`. So a partition's offset
     only ever moves past events that were applied or dead-lettered.
`Pipeline` runs step 1 of batch N+1 in a worker thread while step 2 of batch N waits on PostgreSQL,
and keeps the commits in order. (A child process instead of the thread was measured slower on two
cores: pickling the messages and results cost more than the GIL it frees.) Dead letters are sent once per batch, before its commit.

The writes of a bulk batch (`readmodel.Writer`, from `BULK_FROM` events) copy each table's rows into a session's temporary staging table with
binary COPY and move them with one `INSERT … SELECT … ON CONFLICT` (the claim of the event ids too): the
driver encodes COPY values in C, where array parameters (`unnest($1::text[], …)`) cost it two
Python-level ABC checks per element (measured: the commit's CPU per event fell from 12.7 to 9.3 µs).
A small batch (live traffic) passes arrays instead: fewer round trips, less latency.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from minqing_contract import DecodeError
from minqing_contract.codec import Slim, decode_slim
from minqing_kit import metrics
from minqing_kit.consumer import RawMessage
from minqing_kit.failures import is_permanent, isolate, reason_for
from minqing_kit.runtime import collector_paused
from services.reporting.adapters.readmodel import Offsets, Pool, ReadModel, Rows, rows_of
from services.reporting.domain.aggregate import Aggregate
from services.reporting.domain.projection import project_into


class DeadLetterSink(Protocol):
    async def send(self, message: RawMessage, reason: str) -> None: ...


@dataclass
class CountingSink:
    """For the replay: the live worker already dead-lettered these; only count them."""

    reasons: Counter[str] = field(default_factory=Counter)

    async def send(self, message: RawMessage, reason: str) -> None:
        self.reasons[reason.split(":", 1)[0]] += 1


@dataclass
class IngestResult:
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0  # below the recorded offset
    dead_lettered: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.dead_lettered += other.dead_lettered
        return self


_new_tuple = tuple.__new__
_type_of = itemgetter(2)  # Decoded.type


class Decoded(NamedTuple):
    """What the commit needs of one decoded message: its id and type, its payload (to sum it again when
    some of the batch turn out redelivered, rare), and the raw message in case the read model refuses
    it (dead letter)."""

    message: RawMessage
    id: UUID
    type: str
    payload: Any  # the codec's validated struct (or the reference's pydantic payload)

    @property
    def tp(self) -> tuple[str, int]:
        return self.message.topic, self.message.partition

    @property
    def offset(self) -> int:
        return self.message.offset


@dataclass
class Prepared:
    """A batch after step 1: what to dead-letter, what decoded, and its facts summed as if all were new."""

    rejected: list[tuple[RawMessage, str]]
    decoded: list[Decoded]
    ends: Offsets  # per partition: the offset after the batch's last message
    rows: Rows  # the sums of every decoded message, laid out for the write statements
    types: Counter[str]


def prepare(messages: Sequence[RawMessage]) -> Prepared:
    """Step 1 (pure, no I/O; safe in a worker thread or another process). The cyclic collector is paused
    meanwhile: what it builds lives until the batch is written, so a collection would only walk
    survivors (measured: 2 % of its CPU)."""
    with collector_paused():
        return _prepare(messages)


def _prepare(messages: Sequence[RawMessage]) -> Prepared:
    rejected: list[tuple[RawMessage, str]] = []
    decoded: list[Decoded] = []
    ends: Offsets = {}
    agg = Aggregate()
    for message in messages:
        tp = (message.topic, message.partition)
        if message.offset >= ends.get(tp, 0):
            ends[tp] = message.offset + 1
        try:
            event = decode_slim(message.key, message.value, message.headers)
        except DecodeError as exc:
            rejected.append((message, exc.reason))
            continue
        try:
            project_into(agg, event)
        except Exception as exc:  # pure code: whatever it raises, this event is at fault, not the batch
            rejected.append((message, f"domain: reporting projection failed: {exc!r}"))
            agg = _sum(decoded)  # the sum may hold part of this event: sum again without it (rare)
            continue
        decoded.append(_new_tuple(Decoded, (message, *event)))  # Decoded(message, id, type, payload), in C
    return Prepared(rejected, decoded, ends, rows_of(agg), Counter(map(_type_of, decoded)))  # counted in C


def _sum(decoded: Iterable[Decoded]) -> Aggregate:
    agg = Aggregate()
    for d in decoded:
        project_into(agg, Slim(d.id, d.type, d.payload))  # projected once already: pure rules, no raise now
    return agg


class RebuildRefused(Exception):
    """A rebuild's sums cannot be written: PostgreSQL refused them for a reason an event carries (a data
    error), or a projection raised midway through an event. The sums cannot tell which event, so the
    caller rebuilds again batch by batch (`prepare` sets such an event aside, `commit` bisects)."""


@dataclass
class Rebuild:
    """A replay into a fresh schema nobody reads yet: step 1 summed across batches, written in a few
    large transactions instead of one per batch.

    `add(records)` decodes and projects a fetched batch (any Kafka record shape: no `RawMessage`, no
    `Decoded` kept) into the rebuild's running sums; the event ids seen so far are held in memory
    (about 100 bytes an event), so a redelivered event — same id at any offset — is recognised before it
    is summed and never reaches PostgreSQL twice. `flush(pool, model)` writes what was summed since the
    last flush in one transaction: the new ids by binary COPY (no conflict check: none can be
    there), the sums and the partitions' next offsets by the live worker's statements. Sums written in
    several flushes add up to the same rows as one (upserts add; a mark's latest `at` wins however the
    events are cut), so the rebuilt tables equal the live ones. Messages that do not decode or
    cannot be projected are counted (the live worker dead-lettered them already)."""

    sink: CountingSink = field(default_factory=CountingSink)
    totals: IngestResult = field(default_factory=IngestResult)
    seen: set[UUID] = field(default_factory=set)
    agg: Aggregate = field(default_factory=Aggregate)
    new_ids: list[UUID] = field(default_factory=list)
    ends: Offsets = field(default_factory=dict)
    types: Counter[str] = field(default_factory=Counter)
    #: The marks earlier flushes left open in the schema: a close of any other key has nothing to delete.
    open_keys: set[tuple[str, str]] = field(default_factory=set)

    @property
    def pending(self) -> int:
        """Events summed since the last flush."""
        return len(self.new_ids)

    def add(self, records: Iterable[Any]) -> int:
        """Sum a batch (in stream order per partition) straight into the running sums; returns how many
        records it held. A projection that raises (a fault in pure code, never seen) has left the sums
        part-added: `RebuildRefused`, and the caller rebuilds batch by batch, setting that event aside."""
        agg, seen, ends, new_ids, types, n = self.agg, self.seen, self.ends, self.new_ids, self.types, 0
        for r in records:
            n += 1
            tp = (r.topic, r.partition)
            if r.offset >= ends.get(tp, 0):
                ends[tp] = r.offset + 1
            try:
                event = decode_slim(r.key, r.value, r.headers)
            except DecodeError as exc:
                self.sink.reasons[exc.reason.split(":", 1)[0]] += 1
                self.totals.dead_lettered += 1
                continue
            event_id = event.id
            if event_id in seen:
                self.totals.duplicates += 1
                continue
            try:
                project_into(agg, event)
            except Exception as exc:
                raise RebuildRefused(f"domain: reporting projection failed: {exc!r}") from exc
            seen.add(event_id)
            new_ids.append(event_id)
            types[event.type] += 1
        return n

    async def flush(self, pool: Pool, model: ReadModel) -> None:
        """Write what was summed since the last flush, in one transaction."""
        agg, ids, ends = self.agg, self.new_ids, dict(self.ends)
        self.agg, self.new_ids = Aggregate(), []
        # Most closes name a key that was never open (every routed petition clears an overdue mark that
        # was never set): in a schema only this rebuild writes, they are known to delete nothing.
        marks, open_keys = agg.marks, self.open_keys
        for key in [k for k, mark in marks.items() if not mark.open and k not in open_keys]:
            del marks[key]
        for key, mark in marks.items():
            if mark.open:
                open_keys.add(key)
            else:
                open_keys.discard(key)
        async with model.writing(pool, events=len(ids)) as w:
            try:
                async with w.savepoint():
                    await w.add_applied(ids)
                    await w.write(rows_of(agg), ends)
            except Exception as exc:
                if is_permanent(exc):
                    raise RebuildRefused(reason_for(exc, "the reporting read model")) from exc
                raise
        self.totals.applied += len(ids)


async def send_dead_letters(prepared: Prepared, dead_letters: DeadLetterSink) -> None:
    for message, reason in prepared.rejected:
        await dead_letters.send(message, reason)


async def commit(pool: Pool, model: ReadModel, prepared: Prepared, dead_letters: DeadLetterSink,
                 consumer: str = "reporting") -> IngestResult:
    """Step 2: one transaction; raises (nothing committed) on any failure but a poison event's."""
    result = IngestResult(dead_lettered=len(prepared.rejected))
    decoded = prepared.decoded
    types: Counter[str] = Counter()
    async with model.writing(pool, events=len(decoded)) as w:
        recorded = await w.offsets()
        fresh = [d for d in decoded if d.offset >= recorded.get(d.tp, 0)]
        result.skipped = len(decoded) - len(fresh)
        advanced = {tp: end for tp, end in prepared.ends.items() if end > recorded.get(tp, 0)}
        written = False

        async def apply(group: Sequence[Decoded]) -> None:
            nonlocal written
            whole = group is fresh  # the first attempt: the batch as prepared, with its offsets
            async with w.savepoint():
                claimed = await w.claim(list({d.id for d in group}))
                if whole and len(claimed) == len(decoded):
                    rows, counted = prepared.rows, prepared.types
                else:  # some skipped, redelivered or set aside (rare): sum only the new ones
                    new = []
                    for d in group:
                        if d.id in claimed:
                            claimed.discard(d.id)  # the same id twice in one batch counts once
                            new.append(d)
                    counted = Counter(d.type for d in new)
                    rows = rows_of(_sum(new))
                await w.write(rows, advanced if whole else {})
            types.update(counted)
            written = written or whole

        culprits = await isolate(fresh, apply)
        for d, exc in culprits:  # before the commit: if sending fails, the whole batch is retried
            await dead_letters.send(d.message, reason_for(exc, "the reporting read model"))
        if not written:
            await w.write(rows_of(Aggregate()), advanced)
        result.dead_lettered += len(culprits)
        result.applied = sum(types.values())
        result.duplicates = len(fresh) - result.applied - len(culprits)
    for event_type, n in types.items():
        metrics.EVENTS_CONSUMED.labels(consumer=consumer, type=event_type).inc(n)
    if result.duplicates:
        metrics.EVENTS_DUPLICATE.labels(consumer=consumer).inc(result.duplicates)
    return result


Commit = Callable[[Prepared], Awaitable[IngestResult]]


class Pipeline:
    """Overlap step 1 of the next batch with step 2 of the previous one, keeping commits in order.

    `submit(messages, on_committed)` prepares the batch in a worker thread (the event loop keeps
    serving the previous commit's round trips meanwhile), sends its dead letters, waits for the
    previous commit to finish, then starts this batch's commit in the background and returns;
    `on_committed(result)` runs after the commit (ack the batch there). `drain()` waits for the last
    one. A commit's failure is raised by the next `submit` or `drain`.
    """

    def __init__(self, commit_batch: Commit, dead_letters: DeadLetterSink) -> None:
        self._commit = commit_batch
        self._dead_letters = dead_letters
        self._pending: asyncio.Task[IngestResult] | None = None

    async def submit(self, messages: Sequence[RawMessage],
                     on_committed: Callable[[IngestResult], Awaitable[None]] | None = None) -> IngestResult | None:
        prepared = await asyncio.to_thread(prepare, messages)
        await send_dead_letters(prepared, self._dead_letters)
        previous = await self.drain()

        async def run() -> IngestResult:
            result = await self._commit(prepared)
            if on_committed is not None:
                await on_committed(result)
            return result

        self._pending = asyncio.ensure_future(run())
        return previous

    async def drain(self) -> IngestResult | None:
        """Wait for the batch in flight; returns its result (None if there was none)."""
        pending, self._pending = self._pending, None
        return await pending if pending is not None else None

    async def cancel(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
