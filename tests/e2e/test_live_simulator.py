"""The live simulator against the real stack: the petition, safety and volunteer apps in-process (with their
lifespans, fresh databases and outbox relays), driven only through their HTTP APIs.

Time: the apps and the simulator share a clock running 60× faster than the wall clock, so a volunteer
service can last a couple of (simulated) minutes within a second; `pace=0` drops the dwell times.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from devstack.stack import Stack
from minqing_contract import decode
from services.petition.bootstrap import MIGRATIONS as PETITION_MIGRATIONS
from services.petition.entrypoints.api import create_petition_app
from services.petition.settings import PetitionSettings
from services.safety.bootstrap import MIGRATIONS as SAFETY_MIGRATIONS
from services.safety.entrypoints.api import create_safety_app
from services.safety.settings import SafetySettings
from services.volunteer.bootstrap import MIGRATIONS as VOLUNTEER_MIGRATIONS
from services.volunteer.entrypoints.api import create_volunteer_app
from services.volunteer.settings import VolunteerSettings
from simulator.live import LiveSimulator
from tests.integration.conftest import TEST_SIGNER, DbFactory, asgi_client, read_topic, service_env

STEPS = 40


class FastClock:
    """Time 60× faster than the wall's, from a fixed Tuesday 09:00 Beijing time (shared by the apps and
    the simulator): what the county does in the test does not depend on the day the suite runs."""

    START = datetime(2025, 6, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def __init__(self, factor: float = 60.0) -> None:
        self.t0 = datetime.now(UTC)
        self.factor = factor

    def __call__(self) -> datetime:
        return self.START + (datetime.now(UTC) - self.t0) * self.factor


async def fetch(dsn: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


@pytest.fixture
async def county(stack: Stack, topics: list[str], make_db: DbFactory,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[dict[str, Any]]:
    clock = FastClock()
    dsns = {"petition": await make_db(("petition", PETITION_MIGRATIONS)),
            "safety": await make_db(("safety", SAFETY_MIGRATIONS)),
            "volunteer": await make_db(("volunteer", VOLUNTEER_MIGRATIONS))}
    async with AsyncExitStack() as apps:
        service_env(monkeypatch, stack, dsns["petition"], "petition", run_relay="true")
        petition = await apps.enter_async_context(asgi_client(create_petition_app(PetitionSettings(), clock)))
        service_env(monkeypatch, stack, dsns["safety"], "safety", run_relay="true")
        safety = await apps.enter_async_context(asgi_client(create_safety_app(settings=SafetySettings(),
                                                                              clock=clock)))
        service_env(monkeypatch, stack, dsns["volunteer"], "volunteer", run_relay="true")
        vol_settings = VolunteerSettings()
        volunteer = await apps.enter_async_context(asgi_client(create_volunteer_app(lambda: vol_settings, clock)))
        sim = LiveSimulator(petition, safety, volunteer, seed=11, pace=0.0, signer=TEST_SIGNER, clock=clock,
                            retry_seconds=10, enterprises_per_10k=1.0, volunteers_per_team=(1, 2))
        yield {"sim": sim, "dsns": dsns, "bootstrap": stack.bootstrap, "clients": (petition, safety, volunteer)}


async def events_of(bootstrap: str, dsn: str) -> list[Any]:
    """Every record this service's outbox wrote, read back from Kafka (matched by CloudEvents id)."""
    rows = await fetch(dsn, "SELECT event_id::text AS id, topic FROM outbox")
    out: list[Any] = []
    for topic in {r["topic"] for r in rows}:
        ids = {r["id"].encode() for r in rows if r["topic"] == topic}
        out += await read_topic(bootstrap, topic, at_least=len(ids), timeout=30,
                                predicate=lambda r, ids=ids: dict(r.headers).get("ce_id") in ids)
    return out


async def test_live_simulator_drives_a_living_county(county: dict[str, Any]) -> None:
    sim: LiveSimulator = county["sim"]
    dsns = county["dsns"]
    await sim.seed_reference()
    assert len(sim.enterprises) >= 9 * 3 and len(sim.teams) > 40
    for _ in range(STEPS):
        await sim.step()

    # ---- the simulator itself: no server errors, few refusals, all three domains acted
    print(sim.summary())
    assert sim.server_errors == 0, sim.errors
    assert sim.errors["exception"] == 0 and sim.errors["unreachable"] == 0, sim.errors
    refused = sum(n for k, n in sim.errors.items() if k.startswith("4"))
    assert refused <= sum(sim.actions.values()) // 10, (sim.errors, sim.actions)
    for kind in ("petition.register", "petition.assign", "petition.accept", "safety.inspect_routine",
                 "volunteer.submit", "volunteer.approve"):
        assert sim.actions[kind] > 0, (kind, sim.actions)

    # ---- the services' databases: matters in several lifecycle states, hazards, requests moving
    matters = Counter({r["status"]: r["n"] for r in await fetch(
        dsns["petition"], "SELECT status, count(*) AS n FROM matters GROUP BY status")})
    assert len(matters) >= 3 and matters["registered"] < sum(matters.values()), matters
    assert matters.keys() & {"replied", "closed", "under_review", "reviewed"}, matters
    hazards = await fetch(dsns["safety"], "SELECT level, status FROM hazards")
    inspections = await fetch(dsns["safety"], "SELECT kind FROM inspections")
    assert hazards and len(inspections) >= 10, (len(hazards), len(inspections))
    assert {h["status"] for h in hazards} - {"found"} or len(hazards) == 1, hazards
    requests = Counter(r["status"] for r in await fetch(dsns["volunteer"], "SELECT status FROM vol_requests"))
    assert len(requests) >= 3, requests

    # ---- the bus: every outbox event arrived, decodes, and carries none of the people's data
    petition_records = await events_of(county["bootstrap"], dsns["petition"])
    safety_records = await events_of(county["bootstrap"], dsns["safety"])
    volunteer_records = await events_of(county["bootstrap"], dsns["volunteer"])
    petition_types = Counter(decode(r.key, r.value, r.headers).type for r in petition_records)
    safety_types = Counter(decode(r.key, r.value, r.headers).type for r in safety_records)
    volunteer_types = Counter(decode(r.key, r.value, r.headers).type for r in volunteer_records)
    assert petition_types["petition.registered"] == sum(matters.values()), petition_types
    assert petition_types["petition.assigned"] > 0 and petition_types["petition.accepted"] > 0
    assert safety_types["safety.hazard_found"] == len(hazards), safety_types
    assert safety_types["safety.inspection_recorded"] == len(inspections), safety_types
    assert volunteer_types["volunteer.request_submitted"] == sum(requests.values()), volunteer_types

    personal = sim.personal_data
    # The scan means something: the simulator did send people's data, and the services hold it.
    petition_client = county["clients"][0]
    some = (await fetch(dsns["petition"], "SELECT id::text AS id FROM matters LIMIT 5"))
    shown = set()
    for row in some:
        view = (await petition_client.get(f"/matters/{row['id']}", headers=sim.admin())).json()
        shown |= {p["name"] for p in view["petitioners"]} | {p["phone"] for p in view["petitioners"]}
    assert shown & personal, "the fake people's data should be visible to the county admin"
    needles = [p.encode() for p in personal if p]
    for r in petition_records + safety_records + volunteer_records:
        raw = bytes(r.value) + b"".join(bytes(v) for _, v in r.headers) + bytes(r.key or b"")
        leaked = [n.decode() for n in needles if n in raw]
        assert not leaked, (leaked, r.topic)
    assert all(uuid.UUID(r.key.decode()) for r in petition_records)
