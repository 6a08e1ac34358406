"""Issue 12 on the real stack: poison events (raw bytes a buggy producer could send) go to the dead-letter
topic with their reason while the good events around them count exactly once; a batch PostgreSQL refuses
is bisected down to its culprits; and a worker process killed with -9 and restarted consumes again
within seconds, not after the dead member's session (a minute by default)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import msgspec

from devstack.stack import Stack
from minqing_contract import DEAD_LETTER, KafkaRecord
from minqing_kit.consumer import RawMessage
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel, rows_of
from services.reporting.domain import metrics as m
from services.reporting.entrypoints.api import create_reporting_app
from services.reporting.entrypoints.worker import running_worker
from services.reporting.service_layer.ingest import Prepared, _sum, commit, prepare
from services.reporting.settings import ReportingSettings
from tests.factories import POISONS, poisoned
from tests.integration.conftest import asgi_client, eventually, read_topic

from .scenario import build
from .test_reporting import caught_up, end_offsets, expect_figures, figures, produce

REPO = Path(__file__).resolve().parents[3]


def _fresh_id(record: KafkaRecord) -> KafkaRecord:
    """The same record under a new event id (a poison copy must not pass for a redelivery)."""
    headers = [(k, str(uuid.uuid4()).encode() if k == "ce_id" else v) for k, v in record.headers]
    return KafkaRecord(record.topic, record.key, record.value, headers)


async def test_each_poison_kind_is_dead_lettered_and_the_good_events_around_it_count_once(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    settings, pool = env
    s = build(seed)
    # Poison copies of the first registration, on its topic and key (its partition), amid the good events.
    poisons = {kind: poisoned(_fresh_id(s.records[0]), changes) for kind, changes in POISONS.items()}
    third = len(s.records) // 3
    await produce(stack.kafka_admin, [*s.records[:third], poisons["nul"], *s.records[third:2 * third],
                                    poisons["far_future"], poisons["overflow"], *s.records[2 * third:]])
    app = create_reporting_app(clock=s.clock)
    async with asgi_client(app) as client, asyncio.timeout(120):
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        expect_figures(await figures(client, s))  # every good event once, none of the poison

        values = {p.value: kind for kind, p in poisons.items()}
        dead = await read_topic(stack.kafka_admin, DEAD_LETTER.name, at_least=3,
                                predicate=lambda r: dict(r.headers).get("dlq_consumer")
                                == settings.reporting_consumer.encode() and r.value in values)
        reasons = {values[r.value]: dict(r.headers)["dlq_reason"].decode() for r in dead}
        assert sorted(reasons) == sorted(POISONS)
        for kind, reason in reasons.items():
            [name] = POISONS[kind]
            assert reason.startswith(f"petition.registered payload fails its schema: {name}"), reason

        # A restart redelivers nothing lost and adds nothing: the poison is behind the recorded offsets.
        async with running_worker(settings):
            await caught_up(pool, stack.kafka_admin)
        expect_figures(await figures(client, s))


@dataclass
class ListSink:
    sent: list[tuple[RawMessage, str]] = field(default_factory=list)

    async def send(self, message: RawMessage, reason: str) -> None:
        self.sent.append((message, reason))


async def test_a_batch_postgresql_refuses_is_bisected_down_to_its_culprits(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    """Past the contract (an older producer, a bug): facts PostgreSQL refuses for their own data — a NUL
    in text, a key too large for its index — are set aside, the rest of the batch applied."""
    _, pool = env
    await apply_migrations(pool, [("kit", KIT_MIGRATIONS), ("reporting", MIGRATIONS)])
    s = build(seed)
    registrations = [r for r in s.records if dict(r.headers)["ce_type"] == b"petition.registered"]
    records = [_fresh_id(registrations[i % len(registrations)]) for i in range(12)]
    messages = [RawMessage(r.topic, 0, 1000 + i, r.key, r.value, list(r.headers)) for i, r in enumerate(records)]
    good = prepare(messages)
    assert len(good.decoded) == 12 and not good.rejected
    # Two events whose facts PostgreSQL refuses (the projection is bypassed: the contract would refuse them).
    refused = {3: "livelihood\u0000", 8: os.urandom(8000).hex()}  # NUL; a 16,000-byte index key
    decoded = [d._replace(payload=msgspec.structs.replace(d.payload, category=refused[i])) if i in refused else d
               for i, d in enumerate(good.decoded)]  # the category is a delta's dimension
    prepared = Prepared([], decoded, good.ends, rows_of(_sum(decoded)), Counter(d.type for d in decoded))

    sink = ListSink()
    result = await asyncio.wait_for(commit(pool, ReadModel(), prepared, sink), 60)

    assert sorted(msg.offset for msg, _ in sink.sent) == [1003, 1008]
    reasons = {msg.offset: reason for msg, reason in sink.sent}
    assert reasons[1003].startswith("data: the reporting read model refused the event: CharacterNotInRepertoireError")
    assert reasons[1008].startswith("data: the reporting read model refused the event: ProgramLimitExceededError")
    assert (result.applied, result.dead_lettered, result.duplicates) == (10, 2, 0)
    async with pool.acquire() as conn:
        received = await conn.fetchval("SELECT sum(count) FROM reporting.deltas WHERE metric = $1 AND township = $2"
                                       " AND dimension = ''", m.P_RECEIVED, s.township)
        offsets = await ReadModel().offsets(conn)
        claimed = await conn.fetchval("SELECT count(*) FROM reporting.processed WHERE event_id = ANY($1::uuid[])",
                                      [d.id for d in decoded])
    assert received == 10  # the ten good registrations, once each
    assert offsets[(records[0].topic, 0)] == 1012  # past the culprits too: they are in the dead-letter topic
    assert claimed == 10  # the culprits are not recorded as applied

    again = await asyncio.wait_for(commit(pool, ReadModel(), prepared, ListSink()), 60)
    assert (again.applied, again.skipped) == (0, 12)  # a redelivered batch changes nothing


# ----- kill -9 and restart -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def worker_process(log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m services.reporting.entrypoints.worker` as its own process (env: the test's MINQING_*)."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.reporting.entrypoints.worker", cwd=REPO,
            env={**os.environ, "MINQING_METRICS_PORT": str(_free_port())},
            stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_worker_killed_with_9_and_restarted_consumes_again_within_15_seconds(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], tmp_path: Path, seed: int) -> None:
    _, pool = env
    await apply_migrations(pool, [("kit", KIT_MIGRATIONS), ("reporting", MIGRATIONS)])  # as the worker would
    log = tmp_path / "worker.log"
    first, second = build(seed), build(seed + 1)
    await produce(stack.kafka_admin, first.records)
    try:
        async with worker_process(log) as process:
            await caught_up(pool, stack.kafka_admin)  # consuming, a member of its group
            process.send_signal(signal.SIGKILL)
            await process.wait()
        # Events arrive while no worker runs; then the replacement starts.
        await produce(stack.kafka_admin, second.records)
        ends = await end_offsets(stack.kafka_admin)
        started = time.monotonic()
        async with worker_process(log):
            async def applied() -> bool:
                async with pool.acquire() as conn:
                    got = await ReadModel().offsets(conn)
                return all(got.get(tp, 0) >= n for tp, n in ends.items() if n)
            await eventually(applied, timeout=60, interval=0.1, message="the restarted worker applied the new events")
            elapsed = time.monotonic() - started
    except BaseException:
        sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise
    sys.stderr.write(f"restarted worker applied the new events {elapsed:.1f} s after the restart\n")
    assert elapsed < 15, f"{elapsed:.1f} s"
