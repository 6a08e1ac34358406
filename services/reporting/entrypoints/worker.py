"""Reporting worker: `python -m services.reporting.entrypoints.worker`.

A faust app with one agent on the three domain topics. It takes batches (`noack` + `take_events`,
up to `MINQING_REPORTING_INGEST_BATCH` events or `..._WITHIN_SECONDS`), applies each batch to the read
models in one transaction (`service_layer.ingest`: decode → project → sum → upsert, event ids and
partition offsets recorded in the same transaction), and acks only after the commit, so a crash
mid-batch redelivers the batch and changes no figure. Bad messages go to the dead-letter topic with
the reason: those that do not decode or project, and those PostgreSQL refuses for their own data (set
aside by bisecting the batch in savepoints, see `ingest.commit`). Every other failure (PostgreSQL or
Kafka away) retries the same batch with backoff, for as long as it takes: nothing raises out of the
agent, so faust never moves past a batch that was not applied. Each batch bumps the read models' version counter (and NOTIFYs), which the API's live
stream watches. Metrics on `MINQING_METRICS_PORT` (9204).

`running_worker(settings)` runs it in the current loop, for tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import tempfile
from collections.abc import AsyncIterator
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
from minqing_kit.faust_support import make_app
from minqing_kit.runtime import ServiceRuntime, run_worker, tune_gc_for_throughput
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel
from services.reporting.service_layer.ingest import IngestResult, Pipeline, Prepared, commit
from services.reporting.settings import ReportingSettings

log = logging.getLogger(__name__)

TOPICS = [spec.name for spec in STREAMS.values()]


@dataclass
class IngestStats:
    totals: IngestResult = field(default_factory=IngestResult)
    batches: int = 0


def build_faust_app(settings: ReportingSettings, pool: asyncpg.Pool, producer: AIOKafkaProducer,
                    stats: IngestStats, *, datadir: str | None = None) -> faust.App:
    name = settings.reporting_consumer
    app = make_app(name, settings.kafka_bootstrap, datadir=datadir or tempfile.mkdtemp(prefix=f"{name}-"),
                   stream_buffer_maxsize=max(4096, 2 * settings.reporting_ingest_batch))
    channel = app.topic(*TOPICS, value_type=bytes, key_type=bytes, allow_empty=True)
    model = ReadModel()
    dead_letters = DeadLetters(producer, name)

    class RetriedDeadLetters:
        """Kafka away while dead-lettering: wait for it (the batch is not acked meanwhile)."""

        async def send(self, message: RawMessage, reason: str) -> None:
            await retry_transient(partial(dead_letters.send, message, reason), what="dead letter", consumer=name)

    sink = RetriedDeadLetters()

    async def commit_with_retry(prepared: Prepared) -> IngestResult:
        # Poison events are set aside inside `commit`; what fails is transient (a switch-over by the
        # replay lands here too): nothing was committed, retry the same batch.
        return await retry_transient(partial(commit, pool, model, prepared, sink, name),
                                     what="reporting batch", consumer=name)

    async def ingest(stream: Any) -> None:
        pipeline = Pipeline(commit_with_retry, sink)
        try:
            async for events in stream.noack().take_events(settings.reporting_ingest_batch,
                                                           within=settings.reporting_ingest_within_seconds):
                messages = [RawMessage.of(e.message) for e in events]

                async def committed(result: IngestResult, events: list[Any] = events) -> None:
                    stats.totals += result
                    stats.batches += 1
                    for event in events:  # ack only after the commit: a crash before redelivers the batch
                        acked = event.ack()  # a bool in this faust version, a coroutine in others
                        if inspect.isawaitable(acked):
                            await acked
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
    app: faust.App
    stats: IngestStats


@contextlib.asynccontextmanager
async def running_worker(settings: ReportingSettings, *, datadir: str | None = None) -> AsyncIterator[RunningWorker]:
    async with ServiceRuntime.open(settings, migrations=[("reporting", MIGRATIONS)], run_relay=False) as rt:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        stats = IngestStats()
        try:
            app = build_faust_app(settings, rt.pool, producer, stats, datadir=datadir)
            async with faust_app_running(app, stop_timeout=30):
                yield RunningWorker(rt, app, stats)
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()


def main() -> None:
    settings = ReportingSettings()

    async def _main(stop: asyncio.Event) -> None:
        async with running_worker(settings):
            tune_gc_for_throughput()
            await stop.wait()

    run_worker(settings, _main, settings.metrics_port)


if __name__ == "__main__":
    main()
