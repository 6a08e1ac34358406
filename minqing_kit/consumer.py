"""Idempotent consumers and the dead-letter topic, for plain aiokafka loops and faust agents alike.

`apply_batch` is the one place that turns Kafka messages into effects:
  - each message is decoded with the contract; one that does not decode or fails its schema goes
    to the dead-letter topic with the reason and its original bytes, and the batch carries on;
  - each decoded event is applied inside a savepoint of one batch transaction, after recording its
    id in `processed_events` (same transaction as the effect): a redelivered event changes nothing;
  - a handler raising a `DomainError` (well-formed but inapplicable) is dead-lettered likewise, and so
    is an event failing permanently in its savepoint (a data error from PostgreSQL, an overflow...:
    `failures.is_permanent`) — the savepoint rolls back that event alone;
  - any other error (database down...) propagates: offsets are not committed, the batch is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from minqing_contract import DEAD_LETTER, DecodeError, Event, decode
from minqing_kit import metrics
from minqing_kit.errors import DomainError
from minqing_kit.failures import is_permanent, reason_for, retry_transient
from minqing_kit.kafka_auth import KafkaConnection, client_options

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Event], Awaitable[None]]


@dataclass(frozen=True)
class RawMessage:
    """What any Kafka client gives us, reduced to what we need."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]

    @classmethod
    def of(cls, record: Any) -> RawMessage:
        """From anything shaped like a Kafka record: aiokafka's `ConsumerRecord`, faust's `Message`."""
        return cls(record.topic, record.partition, record.offset, record.key, record.value,
                   list(record.headers or ()))


class DeadLetters:
    """Publishes messages a consumer cannot apply, with the reason, to the shared dead-letter topic."""

    def __init__(self, producer: AIOKafkaProducer, consumer: str) -> None:
        self.producer = producer
        self.consumer = consumer

    async def send(self, message: RawMessage, reason: str) -> None:
        headers = [(k, v) for k, v in message.headers if not k.startswith("dlq_")]
        headers += [
            ("dlq_consumer", self.consumer.encode()),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_topic", message.topic.encode()),
            ("dlq_partition", str(message.partition).encode()),
            ("dlq_offset", str(message.offset).encode()),
            ("dlq_at", datetime.now(UTC).isoformat().encode()),
        ]
        await self.producer.send_and_wait(DEAD_LETTER.name, value=message.value, key=message.key, headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(consumer=self.consumer, reason=_reason_class(reason)).inc()
        log.warning("dead-lettered a message", extra={"consumer": self.consumer, "reason": reason,
                                                      "topic": message.topic, "offset": message.offset})


def _reason_class(reason: str) -> str:
    if "fails its schema" in reason:
        return "schema"
    if reason.startswith("domain:"):
        return "domain"
    if reason.startswith("data:"):
        return "data"
    return "decode"


async def claim(conn: asyncpg.Connection, consumer: str, event: Event) -> bool:
    """Record the event as applied by `consumer`; False if it already was (a redelivery)."""
    row = await conn.fetchval(
        "INSERT INTO processed_events (consumer, event_id, event_type) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true", consumer, event.id, event.type)
    return bool(row)


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


async def apply_batch(pool: asyncpg.Pool, consumer: str, messages: Sequence[RawMessage], handler: Handler,
                      dead_letters: DeadLetters) -> BatchResult:
    result = BatchResult()
    decoded: list[tuple[RawMessage, Event]] = []
    for message in messages:
        try:
            decoded.append((message, decode(message.key, message.value, list(message.headers))))
        except DecodeError as exc:
            await dead_letters.send(message, exc.reason)
            result.dead_lettered += 1
    if not decoded:
        return result
    async with pool.acquire() as conn, conn.transaction():
        for message, event in decoded:
            try:
                async with conn.transaction():  # savepoint: a refused event leaves the rest intact
                    if not await claim(conn, consumer, event):
                        result.duplicates += 1
                        continue
                    await handler(conn, event)
                result.applied += 1
                metrics.EVENTS_CONSUMED.labels(consumer=consumer, type=event.type).inc()
            except DomainError as exc:
                await dead_letters.send(message, f"domain: {exc.message}")
                result.dead_lettered += 1
            except Exception as exc:
                if not is_permanent(exc):
                    raise
                await dead_letters.send(message, reason_for(exc, consumer))
                result.dead_lettered += 1
    return result


class EventConsumer:
    """A plain aiokafka consumer loop: batches, idempotent apply, dead letters, manual commits."""

    def __init__(self, *, bootstrap: KafkaConnection | str, group_id: str, topics: Sequence[str], pool: asyncpg.Pool,
                 handler: Handler, max_records: int = 500, auto_offset_reset: str = "earliest",
                 name: str | None = None) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        #: The name under which applied event ids are recorded (defaults to the group id).
        self.name = name or group_id
        self.topics = list(topics)
        self.pool = pool
        self.handler = handler
        self.max_records = max_records
        self.auto_offset_reset = auto_offset_reset
        self.totals = BatchResult()
        self.assigned = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics, **client_options(self.bootstrap), group_id=self.group_id, enable_auto_commit=False,
            auto_offset_reset=self.auto_offset_reset, max_poll_records=self.max_records,
        )
        producer = AIOKafkaProducer(**client_options(self.bootstrap), acks="all", enable_idempotence=True)
        await consumer.start()
        await producer.start()
        dead_letters = DeadLetters(producer, self.name)
        try:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=self.max_records)
                if consumer.assignment():
                    self.assigned.set()
                if not batch:
                    continue
                await self._process(consumer, batch, dead_letters, stop)
                await self._record_lag(consumer)
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _process(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list],  # type: ignore[type-arg]
                       dead_letters: DeadLetters, stop: asyncio.Event) -> None:
        messages = [RawMessage.of(r) for records in batch.values() for r in records]

        async def attempt() -> BatchResult:
            if stop.is_set():
                raise asyncio.CancelledError  # stopping: leave the batch uncommitted (redelivered)
            return await apply_batch(self.pool, self.name, messages, self.handler, dead_letters)

        # Permanent failures were dead-lettered inside; what is left is transient: nothing was
        # committed, retry the same batch (never commit offsets past events not applied).
        try:
            res = await retry_transient(attempt, what="batch", consumer=self.group_id)
        except asyncio.CancelledError:
            if stop.is_set():
                return
            raise
        self.totals.applied += res.applied
        self.totals.duplicates += res.duplicates
        self.totals.dead_lettered += res.dead_lettered
        await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = await consumer.position(tp)
            metrics.CONSUMER_LAG.labels(consumer=self.group_id, topic=tp.topic,
                                        partition=str(tp.partition)).set(max(highwater - position, 0))
