"""The broker and the database are real: round trips through both client libraries,
a PostgreSQL transaction, and a broker restart that keeps a topic's data."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.admin import NewTopic as SyncNewTopic

from devstack.stack import Stack
from minqing_kit.kafka_auth import KafkaConnection, client_options


async def _create_topic(bootstrap: KafkaConnection | str, name: str, partitions: int = 1) -> None:
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def _consume_n(bootstrap: KafkaConnection | str, topic: str, n: int, deadline_s: float = 20.0) -> list[tuple[bytes | None, bytes | None]]:
    consumer = AIOKafkaConsumer(topic, **client_options(bootstrap), auto_offset_reset="earliest",
                                group_id=f"t-{uuid.uuid4()}", enable_auto_commit=False)
    await consumer.start()
    out: list[tuple[bytes | None, bytes | None]] = []
    try:
        async with asyncio.timeout(deadline_s):
            while len(out) < n:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    out.extend((r.key, r.value) for r in records)
    finally:
        await consumer.stop()
    return out


async def test_aiokafka_round_trip(stack: Stack) -> None:
    topic = f"t-aio-{uuid.uuid4().hex[:8]}"
    await _create_topic(stack.kafka_admin, topic, partitions=3)
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(10):
            await producer.send_and_wait(topic, f"v{i}".encode(), key=b"same-key")
    finally:
        await producer.stop()
    got = await _consume_n(stack.kafka_admin, topic, 10)
    # One key -> one partition -> the order we produced.
    assert [v for _, v in got] == [f"v{i}".encode() for i in range(10)]


def test_kafka_python_round_trip(stack: Stack) -> None:
    topic = f"t-sync-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**client_options(stack.kafka_admin))
    try:
        admin.create_topics([SyncNewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    producer = KafkaProducer(**client_options(stack.kafka_admin), acks="all")
    for i in range(5):
        producer.send(topic, key=b"k", value=f"m{i}".encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(topic, **client_options(stack.kafka_admin), auto_offset_reset="earliest",
                             consumer_timeout_ms=10000, group_id=f"g-{uuid.uuid4()}")
    values = []
    for record in consumer:
        values.append(record.value)
        if len(values) == 5:
            break
    consumer.close()
    assert values == [f"m{i}".encode() for i in range(5)]


def test_topics_are_never_auto_created(stack: Stack) -> None:
    producer = KafkaProducer(**client_options(stack.kafka_admin), max_block_ms=3000)
    try:
        future_error = None
        try:
            producer.send(f"t-missing-{uuid.uuid4().hex[:8]}", b"x").get(timeout=5)
        except Exception as exc:  # the broker refuses: no such topic
            future_error = exc
        assert future_error is not None
    finally:
        producer.close()


async def test_postgres_transaction_commit_and_rollback(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.dsn("minqing_petition"))
    try:
        table = f"t_{uuid.uuid4().hex[:8]}"
        await conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, note text)")
        async with conn.transaction():
            await conn.execute(f"INSERT INTO {table} VALUES (1, 'kept')")
        try:
            async with conn.transaction():
                await conn.execute(f"INSERT INTO {table} VALUES (2, 'rolled back')")
                await conn.execute(f"INSERT INTO {table} VALUES (1, 'duplicate key')")
        except asyncpg.UniqueViolationError:
            pass
        rows = await conn.fetch(f"SELECT id, note FROM {table} ORDER BY id")
        assert [(r["id"], r["note"]) for r in rows] == [(1, "kept")]
        version = await conn.fetchval("SHOW server_version_num")
        assert int(version) >= 150000
    finally:
        await conn.close()


async def test_every_service_has_its_database(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.dsn())
    try:
        names = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()
    assert {"minqing_petition", "minqing_safety", "minqing_volunteer", "minqing_reporting"} <= names


async def test_broker_restart_keeps_topic_data(stack: Stack, topics: list[str]) -> None:
    """Topics and their data survive a restart, and so do the Kafka users: a department's credential
    withdrawn before the restart (with Kafka 3.9 a deleted SCRAM credential broke every login after a
    restart; revoke overwrites it instead) leaves the admin and the services signing in."""
    from minqing_kit.kafka_access import admin_client, grant, revoke

    with admin_client(stack.kafka_admin) as client:
        code = f"restart{uuid.uuid4().hex[:6]}"
        grant(client, code, ["safety"])
        revoke(client, code)
    topic = f"t-durable-{uuid.uuid4().hex[:8]}"
    await _create_topic(stack.kafka_admin, topic)
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(topic, f"before-restart-{i}".encode())
    finally:
        await producer.stop()

    await asyncio.to_thread(stack.kafka.stop)
    await asyncio.to_thread(stack.kafka.start)
    await asyncio.to_thread(stack.kafka.wait_ready)

    got = await _consume_n(stack.kafka_admin, topic, 3)
    assert [v for _, v in got] == [f"before-restart-{i}".encode() for i in range(3)]
    producer = AIOKafkaProducer(**client_options(stack.kafka_as("petition")), acks="all")
    await producer.start()  # signs in as the petition service
    try:
        await producer.send_and_wait("minqing.petition.events", b"after-restart", key=b"after-restart")
    finally:
        await producer.stop()
