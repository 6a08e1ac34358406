"""The petition worker's consumer of the liaison stream: `liaison.problem_raised` → a 民情走访 matter.

A faust agent on `minqing.liaison.events` through the kit's idempotent consumer: each event is applied
once (its id recorded in `processed_events` in the matter's own transaction: the handler's unit of work
is joined to the consumer's connection), other liaison events are skipped, and what cannot be applied —
undecodable bytes, a village outside the county, a class outside the 民情台账 tree — goes to the
dead-letter topic with its reason. Offsets are committed only after the batch's transaction.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import faust
from aiokafka import AIOKafkaProducer
from faust.contrib.asgi import faust_app_running

from minqing_contract import Event, topic_for_stream
from minqing_contract.events.liaison import ProblemRaised
from minqing_kit.consumer import Handler
from minqing_kit.faust_support import add_idempotent_agent, make_app
from minqing_kit.runtime import ServiceRuntime

from ..bootstrap import Service
from ..service_layer import commands as c

log = logging.getLogger(__name__)

CONSUMER = "petition-liaison-intake"


def command_of(event: Event, payload: ProblemRaised) -> c.RegisterFromVisit:
    return c.RegisterFromVisit(
        event_id=event.id, problem_id=payload.problem_id, visit_id=payload.visit_id, household=payload.household,
        cadre=payload.cadre, township_code=payload.township_code, village_code=payload.village_code,
        category=payload.category.value, subcategory=payload.subcategory, visited_on=payload.visited_on)


def intake_handler(service: Service) -> Handler:
    async def handle(conn: asyncpg.Connection, event: Event) -> None:
        if not isinstance(event.payload, ProblemRaised):
            return  # the rest of the liaison stream is not petition's business
        matter_id: UUID = await service.bus.handle(command_of(event, event.payload), c.SYSTEM,
                                                   uow=service.uow().join(conn))
        log.info("field-visit problem registered", extra={"matter_id": str(matter_id),
                                                          "visit_id": str(event.payload.visit_id)})
    return handle


@contextlib.asynccontextmanager
async def running_intake(rt: ServiceRuntime, service: Service, *, app_id: str,
                         datadir: str | None = None) -> AsyncIterator[faust.App]:
    """The intake agent running in the current loop until the block exits."""
    producer = AIOKafkaProducer(**rt.settings.kafka.options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        # stream_wait_empty=False: on stop, messages still buffered are not waited for; their offsets
        # stay uncommitted, they are redelivered and deduplicated.
        app = make_app(app_id, rt.settings.kafka, datadir=datadir or tempfile.mkdtemp(prefix=f"{app_id}-"),
                       stream_wait_empty=False)
        pool = rt.pool
        add_idempotent_agent(app, name="liaison_intake", topics=[topic_for_stream("liaison")], consumer=CONSUMER,
                             pool=lambda: pool, producer=lambda: producer, handler=intake_handler(service))
        async with faust_app_running(app, stop_timeout=30):
            yield app
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()
