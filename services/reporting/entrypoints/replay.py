"""Rebuild every reporting read model from the start of the topics, then switch over atomically.

    python -m services.reporting.entrypoints.replay [--batch 20000] [--flush-every 500000] [--keep-old SCHEMA]
                                                     [--no-progress]

1. Build: a fresh schema `reporting_rebuild_<id>` with the same tables (the reporting migrations); read
   all partitions of the three domain topics from their beginning to the end offsets seen at start,
   with a progress bar, decoding and projecting exactly as the live worker does, but summed across
   batches (`ingest.Rebuild`: nobody reads this schema yet, so there is no reason to commit per batch):
   event ids are deduplicated in memory (a redelivered event counts once) and written by binary COPY,
   the sums and the partitions' next offsets every `--flush-every` events (in the background while the
   next batches are summed) and at the end. Should PostgreSQL refuse the sums (or a projection raise),
   the build is redone batch by batch as the live worker applies them, the culprit set aside.
   The API keeps serving the live schema.
2. Hand-over: VACUUM ANALYZE the new tables (the upserts leave dead rows, and there are no statistics
   yet), take the exclusive write lock (live batches pause), catch the new schema up to the live
   schema's recorded offsets where the live worker got further meanwhile, then rename the new schema
   to `reporting` (and drop the old one) in one transaction, and release the lock.
3. The live worker carries on from its own Kafka position: messages below the new schema's offsets
   are skipped, ids already applied are recognised, so nothing is counted twice or lost.

Messages that do not decode, cannot be projected or are refused by the read model are counted, not
dead-lettered again (the live worker already did).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import partial

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from tqdm import tqdm

from minqing_contract import STREAMS
from minqing_kit.consumer import RawMessage
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations, create_pool
from minqing_kit.logs import configure_logging
from minqing_kit.runtime import collector_paused, tune_gc_for_throughput
from services.reporting.adapters.readmodel import LIVE, MIGRATIONS, Offsets, ReadModel
from services.reporting.service_layer.ingest import (
    CountingSink,
    IngestResult,
    Pipeline,
    Prepared,
    Rebuild,
    RebuildRefused,
    commit,
)
from services.reporting.settings import ReportingSettings

log = logging.getLogger(__name__)


@dataclass
class ReplayResult:
    events: int = 0  # messages read
    seconds: float = 0.0
    caught_up: int = 0  # messages applied during the hand-over
    totals: IngestResult = field(default_factory=IngestResult)
    undecodable: int = 0
    schema: str = LIVE
    by_batch: bool = False  # the summed rebuild was refused and redone batch by batch

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _partitions() -> list[TopicPartition]:
    return [TopicPartition(spec.name, p) for spec in STREAMS.values() for p in range(spec.partitions)]


async def _consume(consumer: AIOKafkaConsumer, pool: asyncpg.Pool, model: ReadModel, targets: Offsets,
                   batch: int, sink: CountingSink, result: ReplayResult, bar: tqdm | None) -> int:  # type: ignore[type-arg]
    """Apply messages until every partition in `targets` reached its target offset; returns how many.

    Pipelined: while batch N commits, batch N+1 is fetched and decoded (in a worker thread)."""
    positions = {tp: await consumer.position(TopicPartition(*tp)) for tp in targets}
    pending = {tp for tp, target in targets.items() if positions[tp] < target}
    read = 0

    async def commit_batch(prepared: Prepared) -> IngestResult:
        return await commit(pool, model, prepared, sink, "reporting-replay")

    async def committed(applied: IngestResult, n: int = 0) -> None:
        result.totals += applied
        if bar is not None:
            bar.update(n)

    pipeline = Pipeline(commit_batch, sink)
    try:
        while pending:
            got = await consumer.getmany(timeout_ms=500, max_records=batch)
            messages: list[RawMessage] = []
            for tp, records in got.items():
                key = (tp.topic, tp.partition)
                target = targets.get(key)
                if target is None:
                    continue
                messages.extend(RawMessage.of(r) for r in records if r.offset < target)
                if records and records[-1].offset + 1 >= target:
                    pending.discard(key)
                    consumer.pause(tp)
            if messages:
                await pipeline.submit(messages, partial(committed, n=len(messages)))
                read += len(messages)
        await pipeline.drain()
    finally:
        await pipeline.cancel()
    return read


async def _build(consumer: AIOKafkaConsumer, pool: asyncpg.Pool, model: ReadModel, targets: Offsets, batch: int,
                 rebuild: Rebuild, bar: tqdm | None, flush_every: int) -> int:  # type: ignore[type-arg]
    """Sum every message below its partition's target into `rebuild`, flushing every `flush_every` events
    (in the background: the next batches are fetched and summed while PostgreSQL writes); returns how many
    messages were read."""
    positions = {tp: await consumer.position(TopicPartition(*tp)) for tp in targets}
    pending = {tp for tp, target in targets.items() if positions[tp] < target}
    read = 0
    flushing: asyncio.Future[None] | None = None
    try:
        while pending:
            got = await consumer.getmany(timeout_ms=500, max_records=batch)
            for tp, records in got.items():
                key = (tp.topic, tp.partition)
                target = targets.get(key)
                if target is None or not records:
                    continue
                done = records[-1].offset + 1 >= target
                n = rebuild.add(records if not done else [r for r in records if r.offset < target])
                read += n
                if bar is not None:
                    bar.update(n)
                if done:
                    pending.discard(key)
                    consumer.pause(tp)
            if rebuild.pending >= flush_every:
                if flushing is not None:
                    await flushing
                flushing = asyncio.ensure_future(rebuild.flush(pool, model))
        if flushing is not None:
            await flushing
        await rebuild.flush(pool, model)
    finally:
        if flushing is not None and not flushing.done():
            flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await flushing
    return read


async def replay(settings: ReportingSettings, *, batch: int = 20000, progress: bool = True,
                 keep_old: str | None = None, flush_every: int = 500_000) -> ReplayResult:
    result = ReplayResult()
    started = time.perf_counter()
    pool = await create_pool(settings.dsn, max_size=4)
    consumer = AIOKafkaConsumer(**settings.kafka.options(), enable_auto_commit=False,
                                group_id=None, max_poll_records=batch, fetch_max_bytes=64 * 1024 * 1024,
                                max_partition_fetch_bytes=8 * 1024 * 1024)
    live = ReadModel(LIVE)
    new = ReadModel(f"{LIVE}_rebuild_{uuid.uuid4().hex[:8]}")
    sink = CountingSink()
    try:
        await apply_migrations(pool, [("kit", KIT_MIGRATIONS), ("reporting", MIGRATIONS)])
        async with pool.acquire() as conn:
            await new.create(conn)
        await consumer.start()
        tps = _partitions()
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        begins = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        targets = {(tp.topic, tp.partition): ends[tp] for tp in tps}
        bar = tqdm(total=sum(ends[tp] - begins[tp] for tp in tps), unit="ev", unit_scale=True, file=sys.stderr,
                   disable=not progress, desc="replay", dynamic_ncols=True)
        rebuild = Rebuild(sink=sink)
        try:
            with collector_paused():  # the sums and ids it keeps: millions of objects that all survive
                result.events = await _build(consumer, pool, new, targets, batch, rebuild, bar, flush_every)
            rebuild.seen.clear()  # the ids are in the schema now; the hand-over goes by its table
            result.totals += rebuild.totals
        except RebuildRefused as refused:
            # Summed writes refused for a reason an event carries: rebuild again batch by batch, where a
            # refused batch is bisected down to its culprits (rare: the contract bounds every value).
            log.warning("replay: the summed rebuild was refused, rebuilding batch by batch",
                        extra={"reason": str(refused)})
            result.by_batch = True
            sink.reasons.clear()
            async with pool.acquire() as conn:
                await new.drop(conn)
                await new.create(conn)
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            if bar is not None:
                bar.reset()
            result.events = await _consume(consumer, pool, new, targets, batch, sink, result, bar)
        finally:
            bar.close()
        async with pool.acquire() as conn:
            await new.vacuum(conn)  # before the lock: live batches go on meanwhile
            await live.lock_writers(conn)  # live batches wait from here to the switch
            try:
                live_at, new_at = await live.offsets(conn), await new.offsets(conn)
                behind = {tp: at for tp, at in live_at.items() if at > new_at.get(tp, 0)}
                if behind:
                    consumer.assign([TopicPartition(*tp) for tp in behind])
                    for tp in behind:
                        consumer.seek(TopicPartition(*tp), new_at.get(tp, 0))
                    result.caught_up = await _consume(consumer, pool, new, behind, batch, sink, result, None)
                    result.events += result.caught_up
                await new.switch_into_place(conn, LIVE, keep_old)
            finally:
                await live.unlock_writers(conn)
    except BaseException:
        async with pool.acquire() as conn:
            if new.s != LIVE:
                await new.drop(conn)
        raise
    finally:
        await consumer.stop()
        await pool.close()
    result.undecodable = sum(sink.reasons.values())
    result.seconds = time.perf_counter() - started
    result.schema = new.s
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.reporting.entrypoints.replay",
                                     description="Rebuild the reporting read models from the topics, then switch over.")
    parser.add_argument("--batch", type=int, default=20000, help="events per fetch")
    parser.add_argument("--flush-every", type=int, default=500_000,
                        help="events summed in memory between writes (memory: about 200 bytes an event)")
    parser.add_argument("--keep-old", metavar="SCHEMA", help="keep the replaced read models under this schema name")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    settings = ReportingSettings()
    configure_logging(settings.service, settings.log_level, json=settings.log_json)
    tune_gc_for_throughput()
    result = asyncio.run(replay(settings, batch=args.batch, progress=not args.no_progress, keep_old=args.keep_old,
                                flush_every=args.flush_every))
    sys.stdout.write(
        f"replayed {result.events:,} messages in {result.seconds:,.1f} s ({result.rate:,.0f}/s): "
        f"{result.totals.applied:,} applied, {result.totals.duplicates:,} duplicates, "
        f"{result.undecodable:,} undecodable, {result.caught_up:,} caught up at hand-over; switched over.\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
