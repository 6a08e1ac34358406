"""The demo history goes through the services, and reporting adds up to what they hold (issue 18).

A few simulated days are made by `simulator.backfill.load_history` against fresh petition, safety,
volunteer and liaison databases (the apps in-process, one simulated clock, their outbox relays publishing to the
real broker), the reporting worker consumes the topics, and `simulator.check` finds no difference
between reporting's county figures and the services' own counts. The reporting read model starts at
the topics' current end (other tests of the session share the broker), so it sees exactly this history.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from devstack.stack import Stack
from minqing_contract import STREAMS
from minqing_kit.kafka_auth import KafkaConnection, client_options
from services.liaison.bootstrap import MIGRATIONS as LIAISON_MIGRATIONS
from services.petition.bootstrap import MIGRATIONS as PETITION_MIGRATIONS
from services.reporting.adapters.readmodel import MIGRATIONS as REPORTING_MIGRATIONS
from services.reporting.entrypoints.api import create_reporting_app
from services.reporting.entrypoints.worker import running_worker
from services.reporting.settings import ReportingSettings
from services.safety.bootstrap import MIGRATIONS as SAFETY_MIGRATIONS
from services.volunteer.bootstrap import MIGRATIONS as VOLUNTEER_MIGRATIONS
from simulator import check
from simulator.backfill import load_history
from tests.integration.conftest import TEST_SIGNER, DbFactory, asgi_client, bearer, service_env

pytestmark = pytest.mark.timeout(420)

DAYS = 4
BEIJING = ZoneInfo("Asia/Shanghai")
#: Volumes ×3 and dwell times ×0.1 so that four days hold every kind of step (the reconciliation is the
#: same at any volume and pace).
VOLUME = 3.0
PACE = 0.1


async def _end_offsets(bootstrap: KafkaConnection | str) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(s.name, p) for s in STREAMS.values() for p in range(s.partitions)]
        return {(tp.topic, tp.partition): o for tp, o in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


@pytest.fixture
async def dsns(stack: Stack, topics: list[str], make_db: DbFactory,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[dict[str, str]]:
    out = {"petition": await make_db(("petition", PETITION_MIGRATIONS)),
           "safety": await make_db(("safety", SAFETY_MIGRATIONS)),
           "volunteer": await make_db(("volunteer", VOLUNTEER_MIGRATIONS)),
           "liaison": await make_db(("liaison", LIAISON_MIGRATIONS)),
           "reporting": await make_db(("reporting", REPORTING_MIGRATIONS))}
    # Reporting starts where the shared topics end now: earlier tests' events are not this county's.
    conn = await asyncpg.connect(out["reporting"])
    try:
        for (topic, partition), offset in (await _end_offsets(stack.kafka_admin)).items():
            await conn.execute("INSERT INTO reporting.offsets (topic, partition, next_offset) VALUES ($1, $2, $3)",
                               topic, partition, offset)
    finally:
        await conn.close()
    service_env(monkeypatch, stack, out["reporting"], "reporting", reporting_consumer=f"reporting-demo-{time.time_ns()}",
                reporting_ingest_within_seconds="0.05")
    yield out


async def test_a_short_history_through_the_services_reconciles_with_reporting(dsns: dict[str, str], stack: Stack) -> None:
    # ---- a few days through the services' APIs, on a simulated clock ending now
    began = time.monotonic()
    kafka_users = {s: stack.kafka_settings(s) for s in ("petition", "safety", "volunteer", "liaison")}  # each as itself
    sim, stats = await load_history(DAYS, dsns, seed=5, signer=TEST_SIGNER, volume=VOLUME, pace=PACE,
                                    out=lambda _line: None, service_overrides=kafka_users, sim_kwargs={"enterprises_per_10k": 1.0,
                                                                  "volunteers_per_team": (1, 2)})
    print(f"{DAYS} days: {stats.actions} actions in {stats.seconds:.1f} s ({stats.ticks} ticks); {sim.summary()}")
    assert stats.days >= DAYS - 0.01 and time.monotonic() - began < 300
    assert sim.server_errors == 0 and sim.errors["exception"] == 0 and sim.errors["unreachable"] == 0, sim.errors
    refused = sum(n for k, n in sim.errors.items() if k.startswith("4"))
    assert refused <= stats.actions // 20, (sim.errors, sim.actions)
    for kind in ("petition.register", "petition.assign", "petition.accept", "petition.reply", "petition.close",
                 "safety.inspect_routine", "safety.rectification", "volunteer.submit", "volunteer.accept",
                 "volunteer.complete", "volunteer.rate", "liaison.stationing", "liaison.pairing",
                 "liaison.presence", "liaison.visit"):
        assert sim.actions[kind] > 0, (kind, sim.actions)

    # ---- every item is in its service with its timeline, dated in the simulated past
    conn = await asyncpg.connect(dsns["petition"])
    try:
        first = await conn.fetchval("SELECT min(registered_at) FROM matters")
        trail = await conn.fetchval("SELECT count(*) FROM audit_trail")
        matters = await conn.fetchval("SELECT count(*) FROM matters")
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    assert first < datetime.now(UTC) - timedelta(days=DAYS - 1), first
    assert trail > 2 * matters, (trail, matters)
    assert pending == 0 or pending is None

    # ---- each problem a visit raised is a 民情走访 matter registered on that visit's (simulated) day, as the
    # petition worker would have registered it then — not all at once when the worker starts after the history
    conn = await asyncpg.connect(dsns["liaison"])
    try:
        raised = {r["id"]: r["visited_on"] for r in await conn.fetch("SELECT id, visited_on FROM lia_visits WHERE raised > 0")}
    finally:
        await conn.close()
    conn = await asyncpg.connect(dsns["petition"])
    try:
        registered = await conn.fetch("SELECT l.visit_id, m.registered_at, m.channel FROM pet_field_visit_links l"
                                      " JOIN matters m ON m.id = l.matter_id")
    finally:
        await conn.close()
    assert sim.actions["liaison.problem"] > 0 and raised, sim.actions
    assert {r["visit_id"] for r in registered} == set(raised)
    for r in registered:
        assert r["channel"] == "field_visit"
        assert r["registered_at"].astimezone(BEIJING).date() == raised[r["visit_id"]], (r, raised[r["visit_id"]])

    # ---- reporting, fed by the services' outboxes, agrees with every service count
    settings = ReportingSettings()
    async with asgi_client(create_reporting_app(settings=settings)) as reporting, running_worker(settings):
        headers = bearer("read_only")
        differences = await check.settle(reporting, headers, dsns, timeout=90)
        figures = await check.reporting_figures(reporting, headers)
    assert not differences, "\n".join(map(str, differences))
    # The check compared something: every domain's figures are non-zero.
    for key in ("petitions_received", "petitions_open", "inspections", "hazards_found", "volunteer_requests"):
        assert figures[key]["value"] > 0, (key, figures[key])
    assert figures["completion_rate"]["numerator"] > 0 and figures["on_time_reply_rate"]["denominator"] > 0
    # Issue 15: the liaison figures were compared too (weeks close only once a whole week has passed).
    assert figures["visit_coverage"]["denominator"] > 0 and figures["visit_coverage"]["visits"] > 0
    # ...and the check would have said so: a figure off by one is listed, naming figure, field and service.
    figures["petitions_open"]["value"] += 1
    figures["hazards_found"]["by_level"]["general"] = figures["hazards_found"]["by_level"].get("general", 0) + 1
    found = {(d.figure, d.field, d.service) for d in await check.reconcile(figures, dsns)}
    assert found == {("petitions_open", "value", "petition"), ("hazards_found", "by_level", "safety")}, found
