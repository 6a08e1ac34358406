"""Bus benchmark: outbox relay vs a raw aiokafka producer, and commit-to-consumer latency.

    .venv/bin/python bench/bus.py [--events 20000] [--rate 200] [--seconds 10] [--brokers 1|3]

Starts its own Kafka and PostgreSQL (devstack, temporary directory, free ports), then measures in
the same run, on the same broker:
  1. raw aiokafka producer throughput (acks=all, idempotent) of the same encoded events — baseline;
  2. outbox relay throughput: rows already committed in the outbox, time until all are published;
  3. raw aiokafka consumer throughput over those messages — baseline for consumers;
  4. latency at a steady rate: commit of the outbox row -> arrival at a consumer (p50/p99), beside
     the raw producer -> consumer latency at the same rate.
Target (issue #3): the relay reaches at least half the raw producer's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

from minqing_kit.kafka_auth import KafkaConnection, client_options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench._common import pct, raw_consume
from devstack.stack import Stack, temporary_stack
from minqing_contract import STREAMS, encode
from minqing_contract.topics import create_topics
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations, create_pool
from minqing_kit.outbox import OutboxRelay, PendingEvent, add_events
from tests.factories import inspection


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()



async def raw_produce(bootstrap: KafkaConnection | str, topic: str, records: list) -> float:  # type: ignore[type-arg]
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all", enable_idempotence=True, linger_ms=5,
                                max_batch_size=256 * 1024)
    await producer.start()
    try:
        t0 = time.perf_counter()
        futures = [await producer.send(topic, value=r.value, key=r.key, headers=r.headers) for r in records]
        await asyncio.gather(*futures)
        return len(records) / (time.perf_counter() - t0)
    finally:
        await producer.stop()


async def fill_outbox(pool, n: int) -> None:  # type: ignore[no-untyped-def]
    aggregates = [uuid.uuid4() for _ in range(200)]
    chunk = 1000
    for start in range(0, n, chunk):
        async with pool.acquire() as conn, conn.transaction():
            await add_events(conn, "/minqing/bench", [
                PendingEvent(inspection(aggregates[i % len(aggregates)]), sequence=i) for i in range(start, min(n, start + chunk))
            ])


async def relay_throughput(dsn: str, bootstrap: KafkaConnection | str, pool, n: int) -> float:  # type: ignore[no-untyped-def]
    """Steady-state relay rate: the relay is already leader with a started producer (as in production,
    where it runs continuously); `n` rows become visible in one commit, the clock starts at that commit."""
    relay = OutboxRelay(dsn, bootstrap, "bench")
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await fill_outbox(pool, 1)  # warm-up row: leader elected, producer connected
    while relay.published < 1:
        await asyncio.sleep(0.01)
    aggregates = [uuid.uuid4() for _ in range(200)]
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await add_events(conn, "/minqing/bench", [
            PendingEvent(inspection(aggregates[i % len(aggregates)]), sequence=i) for i in range(n)])
        await tx.commit()
    t0 = time.perf_counter()
    while relay.published < n + 1:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - t0
    stop.set()
    await task
    return n / elapsed


async def latency_relay(dsn: str, bootstrap: KafkaConnection | str, pool, rate: int, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    topic = STREAMS["safety"].name
    committed: dict[bytes, float] = {}
    arrived: dict[bytes, float] = {}
    consumer = AIOKafkaConsumer(topic, **client_options(bootstrap), auto_offset_reset="latest",
                                group_id=f"bench-lat-{uuid.uuid4()}")
    await consumer.start()
    await asyncio.sleep(1.0)
    relay = OutboxRelay(dsn, bootstrap, "bench")
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))

    async def consume() -> None:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    arrived.setdefault(dict(r.headers)["ce_id"], now)

    consume_task = asyncio.create_task(consume())
    n = int(rate * seconds)
    t0 = time.perf_counter()
    for i in range(n):
        event_id = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await add_events(conn, "/minqing/bench", [PendingEvent(inspection(uuid.uuid4()), event_id=event_id)])
        committed[str(event_id).encode()] = time.perf_counter()
        await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.perf_counter()))
    deadline = time.perf_counter() + 30
    while len(set(committed) & set(arrived)) < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await relay_task
    await consume_task
    await consumer.stop()
    return [(arrived[k] - committed[k]) * 1000 for k in committed if k in arrived]


async def latency_raw(bootstrap: KafkaConnection | str, topic: str, rate: int, seconds: float) -> list[float]:
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all", enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(topic, **client_options(bootstrap), auto_offset_reset="latest",
                                group_id=f"bench-rawlat-{uuid.uuid4()}")
    await producer.start()
    await consumer.start()
    await asyncio.sleep(1.0)
    sent: dict[bytes, float] = {}
    arrived: dict[bytes, float] = {}
    stop = asyncio.Event()

    async def consume() -> None:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    arrived.setdefault(r.value, now)

    task = asyncio.create_task(consume())
    n = int(rate * seconds)
    t0 = time.perf_counter()
    for i in range(n):
        value = uuid.uuid4().bytes
        sent[value] = time.perf_counter()
        await producer.send(topic, value=value, key=value[:4])
        await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.perf_counter()))
    deadline = time.perf_counter() + 30
    while len(arrived) < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await task
    await producer.stop()
    await consumer.stop()
    return [(arrived[k] - sent[k]) * 1000 for k in sent if k in arrived]


async def main_async(args: argparse.Namespace, stack: Stack) -> None:
    bootstrap = stack.kafka_admin
    create_topics(bootstrap, stack.settings.kafka_replication_factor, stack.settings.kafka_min_insync)
    raw_topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    lat_topic = f"bench.lat.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    rf, isr = stack.settings.kafka_replication_factor, stack.settings.kafka_min_insync
    await admin.create_topics([NewTopic(t, num_partitions=STREAMS["safety"].partitions, replication_factor=rf,
                                        topic_configs={"min.insync.replicas": str(isr)})
                               for t in (raw_topic, lat_topic)])
    await admin.close()
    dsn = stack.dsn("minqing_safety")
    pool = await create_pool(dsn, max_size=4)
    await apply_migrations(pool, [("kit", KIT_MIGRATIONS)])

    records = [encode(inspection(uuid.uuid4()), source="/minqing/bench", sequence=i) for i in range(args.events)]
    raw_rate = await raw_produce(bootstrap, raw_topic, records)
    relay_rate = await relay_throughput(dsn, bootstrap, pool, args.events)
    consume_rate = await raw_consume(bootstrap, [raw_topic], args.events)
    relay_lat = await latency_relay(dsn, bootstrap, pool, args.rate, args.seconds)
    raw_lat = await latency_raw(bootstrap, lat_topic, args.rate, args.seconds)
    await pool.close()

    brokers = stack.settings.kafka_brokers
    out(f"bus benchmark — {args.events} events of {len(records[0].value)} B, {brokers} broker{'s' if brokers > 1 else ''}"
        f" (RF {rf}, min.insync {isr}), 1 relay leader, same run")
    out(f"  raw aiokafka producer      {raw_rate:10.0f} events/s   (baseline)")
    out(f"  outbox relay               {relay_rate:10.0f} events/s   ratio {relay_rate / raw_rate:.2f} (target >= 0.50)")
    out(f"  raw aiokafka consumer      {consume_rate:10.0f} events/s")
    out(f"  latency at {args.rate}/s for {args.seconds:.0f}s:")
    out(f"    commit -> consumer (relay)  p50 {statistics.median(relay_lat):7.1f} ms   p99 {pct(relay_lat, 99):7.1f} ms"
        f"   ({len(relay_lat)} events)")
    out(f"    send -> consumer (raw)      p50 {statistics.median(raw_lat):7.1f} ms   p99 {pct(raw_lat, 99):7.1f} ms"
        f"   ({len(raw_lat)} events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--brokers", type=int, choices=[1, 3], default=1, help="Kafka nodes (3: RF 3, min.insync 2)")
    args = parser.parse_args()
    with temporary_stack("minqing-bench-", kafka_brokers=args.brokers) as stack:
        asyncio.run(main_async(args, stack))


if __name__ == "__main__":
    main()
