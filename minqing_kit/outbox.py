"""Transactional outbox: write events with the state change, publish them exactly in order.

Writing: `add_events(conn, payloads, ...)` inside the unit of work's transaction.

Publishing: `OutboxRelay` — one active relay per service database at a time (leader election with a
session advisory lock, so any number of replicas may run: the others stand by and take over when
the leader's connection drops). The leader wakes on LISTEN/NOTIFY, with a slow poll as fallback,
reads up to `batch_size` unpublished rows whose writers have all finished, sends them with an
idempotent producer (acks=all), and marks published the in-order prefix that Kafka acknowledged.
If Kafka is down, rows stay and are retried with backoff; nothing is lost or reordered per key.
Delivery is at-least-once in rare crash windows (sent, not yet marked): consumers deduplicate on
the CloudEvents id.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from minqing_contract import KafkaRecord, encode
from minqing_contract.events.base import EventPayload
from minqing_contract.topics import ALL_TOPICS
from minqing_kit import metrics
from minqing_kit.db import connect, is_db_unavailable
from minqing_kit.kafka_auth import KafkaConnection, client_options
from minqing_kit.supervisor import Heartbeat

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "minqing_outbox"
_RELAY_LOCK_KEY = 0x6F757462  # "outb"


@dataclass(frozen=True)
class PendingEvent:
    payload: EventPayload
    sequence: int | None = None
    event_id: UUID | None = None


def _row(record: KafkaRecord, payload: EventPayload) -> tuple[Any, ...]:
    names = [name for name, _ in record.headers]
    values = [value for _, value in record.headers]
    event_id = UUID(values[names.index("ce_id")].decode())
    partition = default_partition(record.key, _PARTITIONS[record.topic]) if record.topic in _PARTITIONS else None
    return (event_id, payload.event_type, payload.subject(), record.topic, record.key, partition, record.value,
            names, values)


_PARTITIONS = {spec.name: spec.partitions for spec in ALL_TOPICS}


def default_partition(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner (Java clients, aiokafka, librdkafka's murmur2_random): hashing here,
    on the write path, keeps pure-Python murmur2 out of the relay's hot loop."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


async def add_events(conn: asyncpg.Connection, source: str, events: Iterable[PendingEvent | EventPayload]) -> int:
    """Insert outbox rows; call inside the transaction that changes the state they describe."""
    rows = []
    for item in events:
        pending = item if isinstance(item, PendingEvent) else PendingEvent(item)
        record = encode(pending.payload, source=source, event_id=pending.event_id, sequence=pending.sequence)
        rows.append(_row(record, pending.payload))
    if rows:
        await conn.executemany(
            "INSERT INTO outbox (event_id, event_type, aggregate_id, topic, key, partition, value, header_names,"
            " header_values) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", rows)
    return len(rows)


_COLUMNS = "event_id, event_type, aggregate_id, topic, key, partition, value, header_names, header_values"


@dataclass
class OutboxBatch:
    """Outbox rows a repository may write in its own statement, as a data-modifying CTE beside its
    INSERT: state and events in one round trip. Offered by the unit of work (`Tracked.outbox`) when
    they are final before the save (one new aggregate, nothing else to publish)."""

    source: str
    events: list[PendingEvent]
    written: bool = False

    def insert(self, first_param: int) -> tuple[str, list[Any]]:
        """`INSERT INTO outbox ... VALUES (...), ...` with parameters numbered from `first_param` (rows
        get their ids in this order), and its arguments; the unit of work will not write them again."""
        rows = [_row(encode(e.payload, source=self.source, event_id=e.event_id, sequence=e.sequence), e.payload)
                for e in self.events]
        width = len(_COLUMNS.split(", "))
        values = ", ".join(
            "(" + ", ".join(f"${first_param + i * width + j}" for j in range(width)) + ")" for i in range(len(rows)))
        self.written = True
        return f"INSERT INTO outbox ({_COLUMNS}) VALUES {values}", [v for row in rows for v in row]


# Rows of transactions older than every running one: a lower id can never turn up later, so the
# relay publishes in commit-safe id order. `$2` excludes rows already sent but not yet acknowledged.
# Unpublished rows the last _FETCH could not take yet (their transaction is newer than one still open).
_HELD_BACK = "SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"
HELD_BACK_FIRST_S = 0.02  # then doubling while the older transaction stays open, up to:
HELD_BACK_MAX_S = 0.1  # a registration's transaction lasts tens of ms; an EXISTS on the partial index is cheap

_FETCH = """
SELECT id, event_type, topic, key, partition, value, header_names, header_values
FROM outbox
WHERE published_at IS NULL
  AND txid < pg_snapshot_xmin(pg_current_snapshot())
  AND id NOT IN (SELECT unnest($2::bigint[]))  -- hashed subplan: O(1) per row
ORDER BY id
LIMIT $1
"""


class OutboxRelay:
    def __init__(self, dsn: str, bootstrap: KafkaConnection | str, service: str, *, batch_size: int = 1000,
                 poll_interval_s: float = 5.0, standby_interval_s: float = 1.0, max_in_flight: int = 4,
                 producer_options: dict[str, Any] | None = None) -> None:
        self.dsn = dsn
        self.bootstrap = bootstrap
        self.service = service
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.poll_interval_s = poll_interval_s
        self.standby_interval_s = standby_interval_s
        self.producer_options = producer_options or {}
        self.is_leader = False
        self.published = 0
        self._hashed_ok: dict[str, bool] = {}
        self._wake = asyncio.Event()
        self._heartbeat: Heartbeat | None = None

    def _beat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.beat()

    # -- leadership ------------------------------------------------------------------------------
    async def _acquire_leadership(self, stop: asyncio.Event) -> asyncpg.Connection | None:
        while not stop.is_set():
            self._beat()  # standing by or retrying is a healthy cycle
            conn: asyncpg.Connection | None = None
            try:
                conn = await connect(self.dsn)
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK_KEY):
                    await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
                    self.is_leader = True
                    log.info("outbox relay is the leader", extra={"service": self.service})
                    return conn
            except Exception as exc:
                if not is_db_unavailable(exc):
                    if conn is not None:
                        await _close_quietly(conn)
                    raise
                log.warning("relay cannot reach PostgreSQL", extra={"error": repr(exc)})
            if conn is not None:
                await _close_quietly(conn)
            await _sleep_or_stop(stop, self.standby_interval_s)
        return None

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    # -- producing -------------------------------------------------------------------------------
    async def _start_producer(self, stop: asyncio.Event) -> AIOKafkaProducer | None:
        delay = 0.2
        self._hashed_ok.clear()  # re-check partition counts on every (re)connect
        while not stop.is_set():
            self._beat()
            producer = AIOKafkaProducer(
                **client_options(self.bootstrap), acks="all", enable_idempotence=True, linger_ms=5,
                max_batch_size=256 * 1024, request_timeout_ms=15000, retry_backoff_ms=200,
                **self.producer_options,
            )
            try:
                await producer.start()
                return producer
            except Exception as exc:  # Kafka unreachable: keep rows, retry with backoff
                log.warning("relay cannot reach Kafka", extra={"error": repr(exc), "retry_in_s": delay})
                await _stop_producer(producer)
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, 5.0)
        return None

    async def _send(self, producer: AIOKafkaProducer, rows: Sequence[asyncpg.Record]) -> list[asyncio.Future[Any]]:
        """Hand rows to the producer's accumulator (returns at once; acks arrive later, in order)."""
        futures = []
        for row in rows:
            headers = list(zip(row["header_names"], row["header_values"], strict=True))
            topic = row["topic"]
            if topic not in self._hashed_ok:  # use the stored partition only if the topic still has that many
                self._hashed_ok[topic] = len(await producer.partitions_for(topic)) == _PARTITIONS.get(topic)
            partition = row["partition"] if self._hashed_ok[topic] else None
            futures.append(await producer.send(topic, value=row["value"], key=row["key"], headers=headers,
                                               partition=partition))
        return futures

    async def _acknowledged(self, rows: Sequence[asyncpg.Record], futures: list[asyncio.Future[Any]]) -> list[int]:
        """Wait for acks; return the ids of the acknowledged in-order prefix."""
        done: list[int] = []
        for row, fut in zip(rows, futures, strict=True):
            try:
                await fut
            except Exception as exc:
                log.warning("publish failed; will retry from this row",
                            extra={"outbox_id": row["id"], "error": repr(exc)})
                break
            done.append(row["id"])
        counts = Counter(row["event_type"] for row in rows[:len(done)])
        for event_type, n in counts.items():
            metrics.EVENTS_PUBLISHED.labels(service=self.service, type=event_type).inc(n)
        return done

    async def _update_gauges(self, conn: asyncpg.Connection) -> None:
        backlog, oldest = await conn.fetchrow(
            "SELECT count(*), extract(epoch FROM clock_timestamp() - min(created_at))"
            " FROM outbox WHERE published_at IS NULL")
        metrics.OUTBOX_BACKLOG.labels(service=self.service).set(backlog)
        metrics.OUTBOX_OLDEST_AGE.labels(service=self.service).set(float(oldest or 0.0))

    async def run_once(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Publish until caught up, keeping one batch in flight while the previous one is acknowledged
        (the broker round trip overlaps the next fetch). Returns how many rows were published."""
        in_flight: collections.deque[tuple[Sequence[asyncpg.Record], list[asyncio.Future[Any]]]] = collections.deque()
        pending_ids: list[int] = []
        total = 0
        while True:
            self._beat()  # a long catch-up is progress, not a stuck loop
            rows = await conn.fetch(_FETCH, self.batch_size, pending_ids) if len(in_flight) < self.max_in_flight else []
            if rows:
                in_flight.append((rows, await self._send(producer, rows)))
                pending_ids.extend(r["id"] for r in rows)
            if not in_flight:
                return total
            if rows and len(in_flight) < self.max_in_flight and len(rows) == self.batch_size:
                continue  # more waiting: fetch and send the next batch before awaiting acks
            sent_rows, futures = in_flight.popleft()
            done = await self._acknowledged(sent_rows, futures)
            if done:
                await conn.execute("UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
                                   done)
                self.published += len(done)
                total += len(done)
            if len(done) < len(sent_rows):
                for _rows, later in in_flight:  # later batches may be partly delivered: resend from the gap
                    with contextlib.suppress(Exception):
                        await asyncio.gather(*later, return_exceptions=True)
                raise _ProducerBroken()
            acked = set(done)
            pending_ids = [i for i in pending_ids if i not in acked]
            if not rows and not in_flight:
                return total

    async def run(self, stop: asyncio.Event, heartbeat: Heartbeat | None = None) -> None:
        """Relay until `stop` is set; survives PostgreSQL and Kafka outages. Any other error escapes to
        the supervisor (`ServiceRuntime.spawn`), which restarts the relay with backoff."""
        self._heartbeat = heartbeat
        while not stop.is_set():
            conn = await self._acquire_leadership(stop)
            if conn is None:
                return
            producer: AIOKafkaProducer | None = None
            try:
                producer = await self._start_producer(stop)
                last_gauge = 0.0
                held_s = 0.0  # the current back-off while rows are held back (0: none held)
                while producer is not None and not stop.is_set():
                    self._beat()
                    self._wake.clear()
                    try:
                        await self.run_once(conn, producer)
                    except _ProducerBroken:
                        await _stop_producer(producer)
                        await _sleep_or_stop(stop, 0.5)
                        producer = await self._start_producer(stop)
                        continue
                    if time.monotonic() - last_gauge > 2.0:
                        await self._update_gauges(conn)
                        last_gauge = time.monotonic()
                    # caught up: wait for a NOTIFY or the fallback poll, or, while rows wait behind an
                    # older transaction still open (_FETCH's xmin guard), look again soon: that
                    # transaction's commit may write no outbox row, so no NOTIFY would say it ended
                    if not self._wake.is_set():
                        wait_s = self.poll_interval_s
                        if await conn.fetchval(_HELD_BACK):
                            held_s = min(held_s * 2, HELD_BACK_MAX_S, self.poll_interval_s) if held_s else HELD_BACK_FIRST_S
                            wait_s = held_s
                        else:
                            held_s = 0.0
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(wait_s):
                                await _first_of(self._wake.wait(), stop.wait())
            except Exception as exc:
                if not is_db_unavailable(exc):
                    raise
                # InternalClientError ("cannot switch to state ...") included: a connection killed
                # under a query; it once ended the relay task for good.
                log.warning("relay lost PostgreSQL; re-electing", extra={"error": repr(exc)})
                await _sleep_or_stop(stop, self.standby_interval_s)
            finally:
                self.is_leader = False
                if producer is not None:
                    await _stop_producer(producer)
                await _close_quietly(conn)


class _ProducerBroken(Exception):
    pass


async def _stop_producer(producer: AIOKafkaProducer, timeout: float = 2.0) -> None:
    """Stop without letting an unreachable broker hold shutdown (stop() flushes pending sends)."""
    try:
        await asyncio.wait_for(producer.stop(), timeout)
    except Exception as exc:
        log.warning("producer did not stop cleanly", extra={"error": repr(exc)})


async def _close_quietly(conn: asyncpg.Connection, timeout: float = 2.0) -> None:
    """Close politely if the server answers in time, otherwise drop the socket."""
    try:
        await conn.close(timeout=timeout)
    except Exception:
        conn.terminate()


async def _first_of(*aws: Any) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def purge_published(conn: asyncpg.Connection, older_than_days: int = 7) -> int:
    """Housekeeping: drop rows published long ago (Kafka is the record from then on)."""
    result = await conn.execute(
        "DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)", older_than_days)
    return int(result.split()[-1])
