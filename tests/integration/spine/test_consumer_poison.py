"""The kit's consumers (plain aiokafka loop and faust agent, as the volunteer dispatcher uses) with an event
the handler cannot apply for its own data — PostgreSQL refuses a NUL, Python overflows a date: that event
goes to the dead-letter topic with the reason, its neighbours are applied once, nothing stops."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faust.contrib.asgi import faust_app_running

from devstack.stack import Stack
from minqing_contract import DEAD_LETTER, STREAMS, Event, encode
from minqing_kit.consumer import EventConsumer
from minqing_kit.faust_support import add_idempotent_agent, make_app
from minqing_kit.kafka_auth import client_options
from tests.factories import inspection
from tests.integration.conftest import PoolFactory, eventually
from tests.integration.spine.test_outbox import running

TOPIC = STREAMS["safety"].name


def _handler(subjects: list[str], nul: str, overflow: str):  # type: ignore[no-untyped-def]
    """Records each applied subject of this test; for two subjects it does what a buggy projection could do.
    The topic is shared by the whole session: other tests' events (several per enterprise) are skipped, or
    the table's key would refuse them and they would be dead-lettered too."""
    mine = set(subjects)

    async def handler(conn: asyncpg.Connection, event: Event) -> None:
        if event.subject not in mine:
            return
        note = "ok"
        if event.subject == nul:
            note = "bad\x00note"  # PostgreSQL: CharacterNotInRepertoireError
        elif event.subject == overflow:
            note = str(datetime.max + timedelta(days=1))  # OverflowError (a deadline past year 9999)
        await conn.execute("INSERT INTO t_applied VALUES ($1, $2)", event.subject, note)
    return handler


async def _scenario(stack: Stack, make_pool: PoolFactory) -> tuple[asyncpg.Pool, list[str], str, str]:
    pool = await make_pool()
    await pool.execute("CREATE TABLE t_applied (subject text PRIMARY KEY, note text NOT NULL)")
    subjects = [str(uuid.uuid4()) for _ in range(5)]
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all")
    await producer.start()
    try:
        for s in subjects:
            r = encode(inspection(uuid.UUID(s)), source="/minqing/test")
            await producer.send_and_wait(TOPIC, value=r.value, key=r.key, headers=r.headers)
    finally:
        await producer.stop()
    return pool, subjects, subjects[1], subjects[3]


async def _check(stack: Stack, pool: asyncpg.Pool, consumer: str, subjects: list[str], nul: str,
                 overflow: str) -> None:
    good = [s for s in subjects if s not in (nul, overflow)]

    # Dead letters are at least once: a redelivery (a rebalance while the group forms) may send one twice,
    # so read until both events' letters are there rather than until any two records are.
    reasons: dict[str, str] = {}
    reader = AIOKafkaConsumer(DEAD_LETTER.name, **client_options(stack.kafka_admin), auto_offset_reset="earliest",
                              enable_auto_commit=False, group_id=f"reader-{uuid.uuid4()}")
    await reader.start()
    try:
        async with asyncio.timeout(60):
            while not {nul, overflow} <= reasons.keys():
                for records in (await reader.getmany(timeout_ms=300)).values():
                    reasons.update({r.key.decode(): dict(r.headers)["dlq_reason"].decode() for r in records
                                    if dict(r.headers).get("dlq_consumer") == consumer.encode()})
    except TimeoutError:
        raise AssertionError(f"both refused events dead-lettered within 60 s (got {reasons})") from None
    finally:
        await reader.stop()
    assert not set(reasons) & set(good), reasons  # the good neighbours were applied, not dead-lettered
    assert reasons[nul].startswith(f"data: {consumer} refused the event: CharacterNotInRepertoireError"), reasons
    assert reasons[overflow].startswith(f"data: {consumer} refused the event: OverflowError"), reasons
    rows = await pool.fetch("SELECT subject FROM t_applied WHERE subject = ANY($1)", subjects)
    assert sorted(r["subject"] for r in rows) == sorted(good)


async def test_plain_consumer_dead_letters_an_event_postgresql_or_python_refuses(
        stack: Stack, topics: list[str], make_pool: PoolFactory) -> None:
    pool, subjects, nul, overflow = await _scenario(stack, make_pool)
    group = f"g-{uuid.uuid4()}"
    consumer = EventConsumer(bootstrap=stack.kafka_admin, group_id=group, topics=[TOPIC], pool=pool,
                             handler=_handler(subjects, nul, overflow))
    async with running(consumer.run):
        await eventually(lambda: pool.fetchval("SELECT count(*) = 3 FROM t_applied WHERE subject = ANY($1)", subjects),
                         timeout=60, message="the three good events applied")
        await eventually(lambda: _true(consumer.totals.dead_lettered >= 2), message="two dead letters")
    await _check(stack, pool, group, subjects, nul, overflow)


async def test_faust_agent_dead_letters_an_event_postgresql_or_python_refuses(
        stack: Stack, topics: list[str], make_pool: PoolFactory) -> None:
    pool, subjects, nul, overflow = await _scenario(stack, make_pool)
    name = f"faust-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(**client_options(stack.kafka_admin), acks="all")
    await producer.start()
    app = make_app(name, stack.kafka_admin)
    add_idempotent_agent(app, name="apply_safety", topics=[TOPIC], consumer=name, pool=lambda: pool,
                         producer=lambda: producer, handler=_handler(subjects, nul, overflow))
    try:
        async with faust_app_running(app, stop_timeout=30):
            await eventually(lambda: pool.fetchval("SELECT count(*) = 3 FROM t_applied WHERE subject = ANY($1)",
                                                   subjects), timeout=60, message="the three good events applied")
            await _check(stack, pool, name, subjects, nul, overflow)
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()


async def _true(value: bool) -> bool:
    return value
