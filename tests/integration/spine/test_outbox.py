"""Transactional outbox + relay on the real broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary

from devstack.stack import Stack
from minqing_contract import STREAMS, Event
from minqing_kit.consumer import EventConsumer
from minqing_kit.outbox import OutboxRelay, PendingEvent, add_events
from tests.factories import inspection
from tests.integration.conftest import DbFactory, PoolFactory, eventually, read_topic

SOURCE = "/minqing/test"
TOPIC = STREAMS["safety"].name


@contextlib.asynccontextmanager
async def running(*coros_factories: object) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(f(stop)) for f in coros_factories]  # type: ignore[operator]
    try:
        yield stop
    finally:
        stop.set()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(t, 30)


async def write_inspections(pool: asyncpg.Pool, enterprise: uuid.UUID, seqs: range) -> list[uuid.UUID]:
    """One transaction per fact: bump the aggregate's state and add its outbox row."""
    ids = []
    for seq in seqs:
        event_id = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO t_enterprise (id, version) VALUES ($1, $2)"
                " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version", enterprise, seq)
            await add_events(conn, SOURCE, [PendingEvent(inspection(enterprise), sequence=seq, event_id=event_id)])
        ids.append(event_id)
    return ids


async def producer_db(make_db: DbFactory, make_pool: PoolFactory) -> tuple[str, asyncpg.Pool]:
    dsn = await make_db()
    pool = await make_pool(dsn)
    await pool.execute("CREATE TABLE t_enterprise (id uuid PRIMARY KEY, version int NOT NULL)")
    return dsn, pool


def _headers(record: object) -> dict[str, bytes]:
    return dict(record.headers)  # type: ignore[attr-defined]


def per_subject_sequences(records: list[object], subjects: set[str]) -> dict[str, list[int]]:
    """First occurrence of each event id, in topic order, grouped by subject."""
    seen: set[bytes] = set()
    out: dict[str, list[int]] = defaultdict(list)
    for r in records:
        h = _headers(r)
        if h.get("ce_subject", b"").decode() not in subjects or h["ce_id"] in seen:
            continue
        seen.add(h["ce_id"])
        out[h.get("ce_subject", b"").decode()].append(int(h["ce_sequence"]))
    return out


async def test_committed_event_reaches_consumer_and_decodes_with_cloudevents_sdk(
        stack: Stack, topics: list[str], make_db: DbFactory, make_pool: PoolFactory) -> None:
    dsn, pool = await producer_db(make_db, make_pool)
    consumer_pool = await make_pool()
    await consumer_pool.execute("CREATE TABLE t_seen (subject text PRIMARY KEY, n int NOT NULL)")
    enterprise = uuid.uuid4()

    # A transaction that rolls back must publish nothing.
    with pytest.raises(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await add_events(conn, SOURCE, [PendingEvent(inspection(enterprise), sequence=99)])
            raise RuntimeError("business rule failed after the event was added")
    [event_id] = await write_inspections(pool, enterprise, range(1, 2))

    async def handler(conn: asyncpg.Connection, event: Event) -> None:
        if event.subject == str(enterprise):
            await conn.execute("INSERT INTO t_seen VALUES ($1, 1) ON CONFLICT (subject) DO UPDATE SET n = t_seen.n + 1",
                               event.subject)

    relay = OutboxRelay(dsn, stack.kafka_admin, "test")
    consumer = EventConsumer(bootstrap=stack.kafka_admin, group_id=f"g-{uuid.uuid4()}", topics=[TOPIC],
                             pool=consumer_pool, handler=handler)
    async with running(relay.run, consumer.run):
        records = await read_topic(stack.kafka_admin, TOPIC, at_least=1,
                                   predicate=lambda r: dict(r.headers).get("ce_subject", b"") == str(enterprise).encode())
        await eventually(lambda: consumer_pool.fetchval("SELECT n FROM t_seen WHERE subject = $1", str(enterprise)),
                         message="consumer applied the event")

    [record] = records  # the rolled-back event (sequence 99) never left the database
    ce = from_binary(KafkaMessage(dict(record.headers), record.key, record.value), data_unmarshaller=json.loads)
    assert ce["id"] == str(event_id)
    assert ce["type"] == "safety.inspection_recorded"
    assert ce["source"] == SOURCE
    assert ce["subject"] == str(enterprise)
    assert ce["specversion"] == "1.0"
    assert ce["township"] == "990102002000"
    assert ce["partitionkey"] == str(enterprise).encode() or ce["partitionkey"] == str(enterprise)
    assert ce["dataschema"].endswith("/safety.inspection_recorded/v1.json")
    assert ce.get_data()["enterprise_id"] == str(enterprise)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_kafka_down_midstream_loses_nothing_and_keeps_order(
        stack: Stack, topics: list[str], make_db: DbFactory, make_pool: PoolFactory) -> None:
    dsn, pool = await producer_db(make_db, make_pool)
    enterprises = [uuid.uuid4() for _ in range(4)]
    relay = OutboxRelay(dsn, stack.kafka_admin, "test", poll_interval_s=1.0)
    async with running(relay.run):
        await asyncio.gather(*(write_inspections(pool, e, range(1, 21)) for e in enterprises))
        await eventually(lambda: _published(pool, 80), message="first half published")

        await asyncio.to_thread(stack.kafka.stop)
        try:
            await asyncio.gather(*(write_inspections(pool, e, range(21, 41)) for e in enterprises))
            await asyncio.sleep(2)  # give a broken relay every chance to mis-mark rows
            assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 80
        finally:
            await asyncio.to_thread(stack.kafka.start)
            await asyncio.to_thread(stack.kafka.wait_ready)
        await eventually(lambda: _published(pool, 160), timeout=60, message="backlog drained after Kafka returned")

    subjects = {str(e) for e in enterprises}
    records = await read_topic(stack.kafka_admin, TOPIC, at_least=160,
                               predicate=lambda r: dict(r.headers).get("ce_subject", b"").decode() in subjects)
    sequences = per_subject_sequences(records, subjects)
    for subject in subjects:
        assert sequences[subject] == list(range(1, 41)), subject


async def _published(pool: asyncpg.Pool, n: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") >= n)


async def test_two_relays_publish_each_row_once_and_fail_over(
        stack: Stack, topics: list[str], make_db: DbFactory, make_pool: PoolFactory) -> None:
    dsn, pool = await producer_db(make_db, make_pool)
    consumer_pool = await make_pool()
    await consumer_pool.execute("CREATE TABLE t_applied (event_id uuid PRIMARY KEY, subject text, seq int)")
    enterprises = [uuid.uuid4() for _ in range(5)]
    subjects = {str(e) for e in enterprises}

    async def handler(conn: asyncpg.Connection, event: Event) -> None:
        if event.subject in subjects:
            # A plain INSERT: applying any event twice would raise, not pass silently.
            await conn.execute("INSERT INTO t_applied VALUES ($1, $2, $3)", event.id, event.subject, event.sequence)

    first = OutboxRelay(dsn, stack.kafka_admin, "test", standby_interval_s=0.2)
    second = OutboxRelay(dsn, stack.kafka_admin, "test", standby_interval_s=0.2)
    consumer = EventConsumer(bootstrap=stack.kafka_admin, group_id=f"g-{uuid.uuid4()}", topics=[TOPIC],
                             pool=consumer_pool, handler=handler)
    stop_first = asyncio.Event()
    first_task = asyncio.create_task(first.run(stop_first))
    async with running(second.run, consumer.run):
        await eventually(lambda: _async(first.is_leader or second.is_leader), message="a leader was elected")
        assert not (first.is_leader and second.is_leader)
        leader, standby, leader_stop = ((first, second, stop_first) if first.is_leader
                                        else (second, first, None))
        await asyncio.gather(*(write_inspections(pool, e, range(1, 31)) for e in enterprises))
        # The leader goes away mid-stream; the standby must take over.
        if leader_stop is not None:
            leader_stop.set()
        else:
            stop_first.set()  # first was standby; make second's loss observable by cancelling it below
        await asyncio.gather(*(write_inspections(pool, e, range(31, 61)) for e in enterprises))
        await eventually(lambda: _published(pool, 300), timeout=60, message="all rows published")
        await eventually(lambda: consumer_pool.fetchval("SELECT count(*) = 300 FROM t_applied"),
                         message="consumer applied all 300")
        if leader_stop is not None:
            assert standby.is_leader, "the standby relay took over"
    stop_first.set()
    await asyncio.wait_for(first_task, 30)

    rows = await consumer_pool.fetch("SELECT subject, seq FROM t_applied")
    assert len(rows) == 300
    assert leader.published + standby.published >= 300
    records = await read_topic(stack.kafka_admin, TOPIC, at_least=300,
                               predicate=lambda r: dict(r.headers).get("ce_subject", b"").decode() in subjects)
    ids = [dict(r.headers)["ce_id"] for r in records]
    assert len(set(ids)) == 300
    for subject, seqs in per_subject_sequences(records, subjects).items():
        assert seqs == list(range(1, 61)), subject


async def _async(value: object) -> object:
    return value


async def test_a_row_held_behind_an_older_open_transaction_goes_out_soon_after_it_ends(
        stack: Stack, topics: list[str], make_db: DbFactory, make_pool: PoolFactory) -> None:
    """The relay takes a row only once every older transaction has ended (no gaps in order). When that
    older transaction commits without an outbox row, no NOTIFY tells the relay; it must not wait for its
    fallback poll (once ~5 s outliers in the e2e bench's API → Kafka latency)."""
    dsn, pool = await producer_db(make_db, make_pool)
    relay = OutboxRelay(dsn, stack.kafka_admin, "test", poll_interval_s=60.0)
    async with running(relay.run):
        await eventually(lambda: _async(relay.is_leader), message="the relay leads")
        async with pool.acquire() as older:
            tx = older.transaction()
            await tx.start()
            await older.execute("INSERT INTO t_enterprise (id, version) VALUES ($1, 0)", uuid.uuid4())  # an xid
            await write_inspections(pool, uuid.uuid4(), range(1, 2))  # committed after it: NOTIFY sent
            await asyncio.sleep(0.5)
            assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1, \
                "the row waits behind the older transaction"
            await tx.commit()  # writes no outbox row: no NOTIFY
        started = asyncio.get_running_loop().time()
        await eventually(lambda: _published(pool, 1), timeout=5, interval=0.02,
                         message="published without waiting for the fallback poll")
        assert asyncio.get_running_loop().time() - started < 2.0
