"""Two members of the reporting group on the real broker: while events keep arriving, a second member
joins and later leaves (two rebalances, batches in flight each time). Every event is applied exactly
once: what the two members applied together equals what one replay of the same topics applies, and the
read models they wrote equal the replay's, table by table."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg

from devstack.stack import Stack
from minqing_kit.kafka_auth import KafkaConnection
from services.reporting.adapters.readmodel import ReadModel
from services.reporting.entrypoints.replay import replay
from services.reporting.entrypoints.worker import RunningWorker, running_worker
from services.reporting.settings import ReportingSettings
from simulator.produce import produce_history
from tests.integration.conftest import eventually

from .scenario import build
from .test_reporting import caught_up, produce


async def _feed(bootstrap: KafkaConnection | str, seed: int, stop: asyncio.Event) -> int:
    """Scenarios produced one after another until `stop`: events arriving through the rebalances."""
    n = 0
    while not stop.is_set():
        records = build(seed + n).records
        await produce(bootstrap, records)
        n += 1
        await asyncio.sleep(0.05)
    return n


def _rebalances(worker: RunningWorker) -> int:
    assert worker.reader is not None, "the batch engine runs"
    return worker.reader.rebalances


async def test_a_second_member_joins_and_leaves_and_every_event_counts_once(
        stack: Stack, env: tuple[ReportingSettings, asyncpg.Pool], seed: int) -> None:
    settings, pool = env
    small = settings.model_copy(update={"reporting_ingest_batch": 200})  # many batches: rebalances hit some in flight
    await produce_history(stack.kafka_admin, date(2025, 1, 1), 8, seed=seed, progress=False, print_summary=False)
    stop = asyncio.Event()
    feeding = asyncio.create_task(_feed(stack.kafka_admin, seed, stop))
    try:
        async with asyncio.timeout(150):
            async with running_worker(small) as a:
                await eventually(lambda: _is(a.stats.batches > 0), message="the first member applies batches")
                async with running_worker(small) as b:
                    await eventually(lambda: _is(b.stats.batches > 0 and _rebalances(a) >= 2), timeout=60,
                                     message="the second member joined and applies batches")
                    assert a.stats.batches > 0
                # b left the group (clean stop): a gets every partition back.
                await eventually(lambda: _is(_rebalances(a) >= 3), timeout=60, message="the first member took over")
                stop.set()
                scenarios = await feeding
                await caught_up(pool, stack.kafka_admin)
            applied = a.stats.totals.applied + b.stats.totals.applied
    finally:
        stop.set()
        if not feeding.done():
            feeding.cancel()
    assert scenarios > 0 and a.stats.totals.applied > 0 and b.stats.totals.applied > 0
    async with pool.acquire() as conn:
        live = await ReadModel().dump(conn)
    single = await replay(settings, batch=5000, progress=False)
    assert single.totals.applied == applied, (single.totals, a.stats.totals, b.stats.totals)
    async with pool.acquire() as conn:
        rebuilt = await ReadModel().dump(conn)
    for table in live:
        assert rebuilt[table] == live[table], table


async def _is(value: bool) -> bool:
    return value
