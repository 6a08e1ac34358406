"""Volunteer worker: `python -m services.volunteer.entrypoints.worker`.

- a faust agent on `minqing.volunteer.events` that dispatches each approved request automatically
  (idempotent: the event id is recorded in the same transaction as the dispatch);
- an escalation timer: a dispatch not accepted within `volunteer_accept_timeout_minutes` goes one
  level up (village → township → county), each escalation once (guarded in SQL);
- the outbox relay (from the runtime) and the pending-requests gauge.

`running_worker(settings, ...)` runs all of it in the current loop, for tests with a short timeout
and their own clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import faust
from aiokafka import AIOKafkaProducer
from faust.contrib.asgi import faust_app_running

from minqing_contract import Event, topic_for_stream
from minqing_contract.events.volunteer import RequestApproved
from minqing_kit import metrics
from minqing_kit.consumer import Handler
from minqing_kit.faust_support import add_idempotent_agent, make_app
from minqing_kit.reference import refreshing
from minqing_kit.runtime import ServiceRuntime, run_worker
from services.volunteer.bootstrap import MIGRATIONS, Clock, Service, bootstrap
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer import queries
from services.volunteer.settings import VolunteerSettings

log = logging.getLogger(__name__)

def dispatch_handler(service: Service) -> Handler:
    async def handle(conn: asyncpg.Connection, event: Event) -> None:
        if not isinstance(event.payload, RequestApproved):
            return
        # Joined to the consumer's transaction: the dispatch commits with its record of the event id.
        req = await service.bus.handle(c.DispatchApproved(event.payload.request_id), c.SYSTEM,
                                       uow=service.uow().join(conn))
        if req is not None:
            log.info("auto-dispatch", extra={"request_id": str(req.id), "status": req.status.value,
                                             "team_id": str(req.team_id) if req.team_id else None})
    return handle


def build_faust_app(settings: VolunteerSettings, service: Service, pool: asyncpg.Pool, producer: AIOKafkaProducer,
                    *, app_id: str | None = None, datadir: str | None = None) -> faust.App:
    app_id = app_id or settings.volunteer_worker_id
    # stream_wait_empty=False: on stop, do not wait for messages still buffered in the agent's batch to
    # be acked (they never will be once the agent stops); their offsets stay uncommitted and they are
    # redelivered and deduplicated, so nothing is lost, and shutdown does not hang.
    app = make_app(app_id, settings.kafka, datadir=datadir or tempfile.mkdtemp(prefix=f"{app_id}-"),
                   stream_wait_empty=False)
    add_idempotent_agent(app, name="auto_dispatch", topics=[topic_for_stream("volunteer")], consumer=app_id,
                         pool=lambda: pool, producer=lambda: producer, handler=dispatch_handler(service))
    return app


async def escalate_due(service: Service) -> int:
    """One pass of the escalation timer; returns how many requests escalated."""
    n = 0
    deps = service.deps
    for request_id in await queries.due_for_escalation(service.uow(), deps.clock(), deps.accept_timeout):
        req = await service.bus.handle(c.Escalate(request_id), c.SYSTEM)
        if req is not None:
            n += 1
            log.info("escalated", extra={"request_id": str(request_id), "status": req.status.value,
                                         "level": req.team_level.value if req.team_level else None})
    return n


class PendingGauge:
    """Requests waiting for a team, by township; townships that emptied are set back to 0."""

    def __init__(self) -> None:
        self.townships = metrics.TownshipSeries(0)

    async def refresh(self, service: Service) -> None:
        counts = await queries.pending_by_township(service.uow())
        for township, n in self.townships.each(counts):
            metrics.VOLUNTEER_REQUESTS_PENDING.labels(township=township).set(n)


def escalation_pass(service: Service) -> Callable[[], Awaitable[None]]:
    """The escalation timer's pass (escalate what is due, refresh the gauge); run by the supervisor."""
    gauge = PendingGauge()

    async def one_pass() -> None:
        await escalate_due(service)
        await gauge.refresh(service)
    return one_pass


@dataclass
class RunningWorker:
    runtime: ServiceRuntime
    deps: Service  # the wired service (bus and deps)
    app: faust.App


@contextlib.asynccontextmanager
async def running_worker(settings: VolunteerSettings, *, clock: Clock | None = None, app_id: str | None = None,
                         datadir: str | None = None) -> AsyncIterator[RunningWorker]:
    async with ServiceRuntime.open(settings, migrations=[("volunteer", MIGRATIONS)]) as rt:
        service = bootstrap(rt, settings, clock)
        producer = AIOKafkaProducer(**settings.kafka.options(), acks="all", enable_idempotence=True)
        await producer.start()
        try:
            app = build_faust_app(settings, service, rt.pool, producer, app_id=app_id, datadir=datadir)
            async with faust_app_running(app, stop_timeout=30), \
                    refreshing(service.deps.county, settings.reference_url, settings.reference_refresh_s):
                rt.periodic("escalation-timer", escalation_pass(service), settings.volunteer_escalation_interval_seconds)
                yield RunningWorker(rt, service, app)
                rt.stop.set()
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()


def main() -> None:
    settings = VolunteerSettings()

    async def _main(stop: asyncio.Event) -> None:
        async with running_worker(settings) as worker:
            await worker.runtime.serve_until(stop)

    run_worker(settings, _main, settings.metrics_port)


if __name__ == "__main__":
    main()
