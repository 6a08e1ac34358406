"""Reporting worker: `python -m services.reporting.entrypoints.worker`.

A batch consumer in the reporting group on the three domain topics (`minqing_kit.group_reader`:
aiokafka `getmany`, up to `MINQING_REPORTING_INGEST_BATCH` events; offsets stored in PostgreSQL with
the read models, the group seeks to them on every assignment, Kafka gets a copy for lag monitoring).
Why not faust, which the other workers use: its stream hands messages over one by one, and a faust
agent with an empty body reaches only 0.04× a raw aiokafka consumer here — the reporting ingest must
keep up with bulk traffic (docs/scaling.md has the figures). `MINQING_REPORTING_INGEST_ENGINE=faust`
still runs the former faust agent (`noack` + `take_events`, acks after the commit), for comparison.

Either way each batch is applied to the read models in one transaction (`service_layer.ingest`: decode → project → sum → upsert, event ids and
partition offsets recorded in the same transaction), and acks only after the commit, so a crash
mid-batch redelivers the batch and changes no figure. Bad messages go to the dead-letter topic with
the reason: those that do not decode or project, and those PostgreSQL refuses for their own data (set
aside by bisecting the batch in savepoints, see `ingest.commit`). Every other failure (PostgreSQL or
Kafka away) retries the same batch with backoff, for as long as it takes: nothing raises out of the
loop, so no offset moves past a batch that was not applied. Each batch bumps the read models' version counter (and NOTIFYs), which the API's live
stream watches. Metrics on `MINQING_METRICS_PORT` (9204).

`running_worker(settings)` runs it in the current loop, for tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import asyncpg
import faust
from aiokafka import AIOKafkaProducer
from faust.contrib.asgi import faust_app_running

from minqing_contract import STREAMS
from minqing_kit import metrics
from minqing_kit.consumer import DeadLetters, RawMessage
from minqing_kit.failures import retry_transient
from minqing_kit.faust_support import ack, make_app
from minqing_kit.group_reader import GroupReader
from minqing_kit.runtime import ServiceRuntime, run_worker, tune_gc_for_throughput
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel
from services.reporting.service_layer.ingest import (
    Commit,
    DeadLetterSink,
    IngestResult,
    Pipeline,
    Prepared,
    commit,
)
from services.reporting.settings import ReportingSettings

log = logging.getLogger(__name__)

TOPICS = [spec.name for spec in STREAMS.values()]


@dataclass
class IngestStats:
    totals: IngestResult = field(default_factory=IngestResult)
    batches: int = 0


def _retried_sink(producer: AIOKafkaProducer, name: str) -> DeadLetterSink:
    dead_letters = DeadLetters(producer, name)

    class RetriedDeadLetters:
        """Kafka away while dead-lettering: wait for it (the batch is not committed meanwhile)."""

        async def send(self, message: RawMessage, reason: str) -> None:
            await retry_transient(partial(dead_letters.send, message, reason), what="dead letter", consumer=name)

    return RetriedDeadLetters()


def _committer(pool: asyncpg.Pool, model: ReadModel, sink: DeadLetterSink, name: str) -> Commit:
    async def commit_with_retry(prepared: Prepared) -> IngestResult:
        # Poison events are set aside inside `commit`; what fails is transient (a switch-over by the
        # replay lands here too): nothing was committed, retry the same batch.
        return await retry_transient(partial(commit, pool, model, prepared, sink, name),
                                     what="reporting batch", consumer=name)
    return commit_with_retry


def build_reader(settings: ReportingSettings, pool: asyncpg.Pool, producer: AIOKafkaProducer,
                 stats: IngestStats) -> GroupReader:
    """The batch engine: the group reader feeding the ingest `Pipeline`."""
    name = settings.reporting_consumer
    model = ReadModel()
    sink = _retried_sink(producer, name)
    pipeline = Pipeline(_committer(pool, model, sink, name), sink)

    class Counted:
        """The pipeline, counting committed batches in `stats` before the reader's bookkeeping."""

        async def submit(self, messages: Sequence[RawMessage],
                         on_committed: Callable[[Any], Awaitable[None]]) -> object:
            async def committed(result: IngestResult) -> None:
                stats.totals += result
                stats.batches += 1
                await on_committed(result)
            return await pipeline.submit(messages, committed)

        async def drain(self) -> object:
            return await pipeline.drain()

        async def cancel(self) -> None:
            await pipeline.cancel()

    async def load_offsets(tps: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
        async with pool.acquire() as conn:
            stored = await model.offsets(conn)
        return {tp: stored[tp] for tp in tps if tp in stored}

    return GroupReader(settings.kafka_bootstrap, name, TOPICS, Counted(), load_offsets,
                       max_records=settings.reporting_ingest_batch,
                       poll_timeout_s=settings.reporting_ingest_within_seconds)


def build_faust_app(settings: ReportingSettings, pool: asyncpg.Pool, producer: AIOKafkaProducer,
                    stats: IngestStats, *, datadir: str | None = None) -> faust.App:
    name = settings.reporting_consumer
    app = make_app(name, settings.kafka_bootstrap, datadir=datadir or tempfile.mkdtemp(prefix=f"{name}-"),
                   stream_buffer_maxsize=max(4096, 2 * settings.reporting_ingest_batch))
    channel = app.topic(*TOPICS, value_type=bytes, key_type=bytes, allow_empty=True)
    sink = _retried_sink(producer, name)
    commit_with_retry = _committer(pool, ReadModel(), sink, name)

    async def ingest(stream: Any) -> None:
        pipeline = Pipeline(commit_with_retry, sink)
        try:
            async for events in stream.noack().take_events(settings.reporting_ingest_batch,
                                                           within=settings.reporting_ingest_within_seconds):
                messages = [RawMessage.of(e.message) for e in events]

                async def committed(result: IngestResult, events: list[Any] = events) -> None:
                    stats.totals += result
                    stats.batches += 1
                    await ack(events)  # only after the commit: a crash before redelivers the batch
                    _record_lag(app)

                # Decodes this batch in a thread while the previous one commits; returns once that
                # commit is done and this batch's commit has started.
                await retry_transient(partial(pipeline.submit, messages, committed), what="reporting batch",
                                      consumer=name)  # never raise out of the agent
                if stream.channel.empty():
                    await pipeline.drain()  # nothing waiting: finish now (latency), not with the next batch
            await pipeline.drain()
        finally:
            await pipeline.cancel()

    app.agent(channel, name="reporting_ingest", concurrency=1)(ingest)
    return app


def _record_lag(app: faust.App) -> None:
    """Consumer lag per partition (best effort: faust's consumer knows the high-water marks)."""
    with contextlib.suppress(Exception):
        consumer = app.consumer
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            position = consumer._last_offset.get(tp)  # type: ignore[attr-defined]  # faust keeps the last delivered offset per partition
            if highwater is not None and position is not None:
                metrics.CONSUMER_LAG.labels(consumer=app.conf.id, topic=tp.topic, partition=str(tp.partition)).set(
                    max(highwater - position - 1, 0))


@dataclass
class RunningWorker:
    runtime: ServiceRuntime
    app: faust.App | None  # the faust engine only
    stats: IngestStats
    reader: GroupReader | None = None  # the batch engine only
    task: asyncio.Task[None] | None = None  # the batch engine's loop (ends only on stop, or crashed)


@contextlib.asynccontextmanager
async def running_worker(settings: ReportingSettings, *, datadir: str | None = None) -> AsyncIterator[RunningWorker]:
    async with ServiceRuntime.open(settings, migrations=[("reporting", MIGRATIONS)], run_relay=False) as rt:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        stats = IngestStats()
        try:
            if settings.reporting_ingest_engine == "faust":
                app = build_faust_app(settings, rt.pool, producer, stats, datadir=datadir)
                async with faust_app_running(app, stop_timeout=30):
                    yield RunningWorker(rt, app, stats)
            else:
                reader = build_reader(settings, rt.pool, producer, stats)
                stop = asyncio.Event()
                task = asyncio.create_task(reader.run(stop), name="reporting-ingest")
                try:
                    yield RunningWorker(rt, None, stats, reader, task)
                finally:
                    stop.set()
                    try:
                        await asyncio.wait_for(task, 30)
                    except BaseException:
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            await task
                        raise
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()


def main() -> None:
    settings = ReportingSettings()

    async def _main(stop: asyncio.Event) -> None:
        # Before the consumer starts (its full collection is a pause, better not during the group join).
        tune_gc_for_throughput()
        async with running_worker(settings) as worker:
            stopping = asyncio.create_task(stop.wait())
            watched: list[asyncio.Future[Any]] = [stopping] + ([worker.task] if worker.task else [])
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if worker.task is not None and worker.task.done():
                worker.task.result()  # the loop crashed: raise, exit non-zero, be restarted
                raise RuntimeError("the reporting ingest loop ended")

    run_worker(settings, _main, settings.metrics_port)


if __name__ == "__main__":
    main()
