"""Idempotent consumers and the dead-letter topic, with a plain aiokafka loop and a faust agent."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faust.contrib.asgi import faust_app_running

from devstack.stack import Stack
from minqing_contract import DEAD_LETTER, STREAMS, Event, encode
from minqing_kit.consumer import EventConsumer
from minqing_kit.faust_support import add_idempotent_agent, make_app
from minqing_kit.kafka_auth import KafkaConnection, client_options
from tests.factories import inspection
from tests.integration.conftest import PoolFactory, eventually, read_topic
from tests.integration.spine.test_outbox import running

TOPIC = STREAMS["safety"].name


async def _counting_db(make_pool: PoolFactory) -> asyncpg.Pool:
    pool = await make_pool()
    await pool.execute("CREATE TABLE t_counts (subject text PRIMARY KEY, n int NOT NULL)")
    return pool


def _counting_handler(subjects: set[str]):  # type: ignore[no-untyped-def]
    async def handler(conn: asyncpg.Connection, event: Event) -> None:
        if event.subject in subjects:
            await conn.execute(
                "INSERT INTO t_counts VALUES ($1, 1) ON CONFLICT (subject) DO UPDATE SET n = t_counts.n + 1",
                event.subject)
    return handler


async def _produce(bootstrap: KafkaConnection | str, items: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all")
    await producer.start()
    try:
        for key, value, headers in items:
            await producer.send_and_wait(TOPIC, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


def _poison(subject: str) -> list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]:
    """Three bad messages: not a CloudEvent, a payload failing its schema, an unknown type."""
    good = encode(inspection(uuid.UUID(subject)), source="/minqing/test")
    headers = dict(good.headers)
    bad_payload = json.loads(good.value)
    del bad_payload["inspected_at"]
    unknown = {**headers, "ce_type": b"safety.something_new", "ce_id": str(uuid.uuid4()).encode()}
    return [
        (b"garbage", b"\x00\x01 not json at all", []),
        (good.key, json.dumps(bad_payload).encode(), [(k, v) for k, v in {**headers, "ce_id": str(uuid.uuid4()).encode()}.items()]),
        (good.key, good.value, list(unknown.items())),
    ]


async def _dead_letters_of(bootstrap: KafkaConnection | str, consumer: str, n: int,
                           values: set[bytes] | None = None) -> list[object]:
    return await read_topic(bootstrap, DEAD_LETTER.name, at_least=n,
                            predicate=lambda r: dict(r.headers).get("dlq_consumer") == consumer.encode()
                            and (values is None or r.value in values))


async def test_poison_messages_go_to_dead_letter_topic_and_consumer_carries_on(
        stack: Stack, topics: list[str], make_pool: PoolFactory) -> None:
    pool = await _counting_db(make_pool)
    subject = str(uuid.uuid4())
    valid_before = encode(inspection(uuid.UUID(subject)), source="/minqing/test", sequence=1)
    valid_after = encode(inspection(uuid.UUID(subject)), source="/minqing/test", sequence=2)
    poison = _poison(subject)
    await _produce(stack.kafka_admin, [(valid_before.key, valid_before.value, valid_before.headers), *poison,
                                     (valid_after.key, valid_after.value, valid_after.headers)])
    group = f"g-{uuid.uuid4()}"
    consumer = EventConsumer(bootstrap=stack.kafka_admin, group_id=group, topics=[TOPIC], pool=pool,
                             handler=_counting_handler({subject}))
    ours = {p[1] for p in poison}
    async with running(consumer.run):
        await eventually(lambda: pool.fetchval("SELECT n = 2 FROM t_counts WHERE subject = $1", subject),
                         message="both valid events applied around the poison")
        # The garbage is keyed apart, on another partition the consumer may not have reached yet, and the
        # topic holds other tests' poison too: read (consumer still running) until this test's three are in.
        # Dead letters are sent at least once (a retried batch sends its poison again).
        dead = await _dead_letters_of(stack.kafka_admin, group, 3, ours)
        while not ours <= {r.value for r in dead}:  # type: ignore[attr-defined]
            dead = await _dead_letters_of(stack.kafka_admin, group, len(dead) + 1, ours)
    by_value = {r.value: dict(r.headers) for r in dead}  # type: ignore[attr-defined]
    assert by_value[b"\x00\x01 not json at all"]["dlq_reason"] == b"not a CloudEvent in binary mode: missing ce_type header"
    assert b"fails its schema: inspected_at" in by_value[poison[1][1]]["dlq_reason"]
    assert b"unknown event type 'safety.something_new'" in by_value[poison[2][1]]["dlq_reason"]
    for headers in by_value.values():
        assert headers["dlq_topic"] == TOPIC.encode()
        assert int(headers["dlq_offset"]) >= 0


async def test_redelivered_event_is_applied_once(stack: Stack, topics: list[str], make_pool: PoolFactory) -> None:
    pool = await _counting_db(make_pool)
    subject = str(uuid.uuid4())
    record = encode(inspection(uuid.UUID(subject)), source="/minqing/test", sequence=1)
    # The same event twice on the topic (a producer retry after a lost ack looks like this).
    await _produce(stack.kafka_admin, [(record.key, record.value, record.headers)] * 2)
    group = f"g-{uuid.uuid4()}"
    consumer = EventConsumer(bootstrap=stack.kafka_admin, group_id=group, topics=[TOPIC], pool=pool,
                             handler=_counting_handler({subject}))
    async with running(consumer.run):
        await eventually(lambda: _processed(pool, record), message="event recorded as processed")
        await eventually(lambda: _async(consumer.totals.duplicates >= 1), message="duplicate seen")
    assert await pool.fetchval("SELECT n FROM t_counts WHERE subject = $1", subject) == 1

    # Rewind the group to the beginning: a full redelivery (as after a crash before commit).
    await _rewind(stack.kafka_admin, group)
    again = EventConsumer(bootstrap=stack.kafka_admin, group_id=group, topics=[TOPIC], pool=pool,
                          handler=_counting_handler({subject}))
    async with running(again.run):
        await eventually(lambda: _async(again.totals.duplicates >= 2), message="redelivered events seen")
    assert again.totals.applied == 0 or await pool.fetchval("SELECT n FROM t_counts WHERE subject = $1", subject) == 1
    assert await pool.fetchval("SELECT n FROM t_counts WHERE subject = $1", subject) == 1


async def _processed(pool: asyncpg.Pool, record: object) -> bool:
    event_id = uuid.UUID(dict(record.headers)["ce_id"].decode())  # type: ignore[attr-defined]
    return bool(await pool.fetchval("SELECT count(*) FROM processed_events WHERE event_id = $1", event_id))


async def _async(value: object) -> object:
    return value


async def _rewind(bootstrap: KafkaConnection | str, group: str) -> None:
    consumer = AIOKafkaConsumer(**client_options(bootstrap), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(TOPIC, p) for p in range(STREAMS["safety"].partitions)]
        consumer.assign(partitions)
        await consumer.commit({tp: 0 for tp in partitions})
    finally:
        await consumer.stop()


async def test_faust_agent_applies_once_and_dead_letters_poison(
        stack: Stack, topics: list[str], make_pool: PoolFactory) -> None:
    pool = await _counting_db(make_pool)
    subject = str(uuid.uuid4())
    record = encode(inspection(uuid.UUID(subject)), source="/minqing/test", sequence=1)
    await _produce(stack.kafka_admin, [(record.key, record.value, record.headers)] * 2 + _poison(subject)[:1])

    consumer_name = f"faust-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all")
    await producer.start()
    app = make_app(consumer_name, stack.kafka_admin)
    add_idempotent_agent(app, name="apply_safety", topics=[TOPIC], consumer=consumer_name, pool=lambda: pool,
                         producer=lambda: producer, handler=_counting_handler({subject}))
    try:
        async with faust_app_running(app, stop_timeout=30):
            await eventually(lambda: _processed(pool, record), timeout=60, message="faust agent applied the event")
            # The agent reads the topic from the start, so earlier tests' poison is dead-lettered too.
            dead = await read_topic(stack.kafka_admin, DEAD_LETTER.name, at_least=1, predicate=lambda r: (
                dict(r.headers).get("dlq_consumer") == consumer_name.encode()
                and r.value == b"\x00\x01 not json at all"))
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()
    assert await pool.fetchval("SELECT n FROM t_counts WHERE subject = $1", subject) == 1
    assert dict(dead[0].headers)["dlq_reason"].startswith(b"not a CloudEvent")  # type: ignore[attr-defined]
    await asyncio.sleep(0)
