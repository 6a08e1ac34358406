"""A service assembled from the kit on the real stack: readiness, the unit of work, the relay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from devstack.stack import Stack
from minqing_contract import decode
from minqing_kit.http import create_app
from minqing_kit.runtime import ServiceRuntime
from minqing_kit.settings import ServiceSettings
from tests.factories import inspection
from tests.integration.conftest import DbFactory, asgi_client, eventually, read_topic, service_env


def _app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with ServiceRuntime.open(ServiceSettings(), migrations=[]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            yield

    return create_app(service="kit-test", title="kit test", tokens=None, lifespan=lifespan)


async def test_ready_when_database_and_kafka_answer_and_uow_events_reach_kafka(
        stack: Stack, topics: list[str], make_db: DbFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    service_env(monkeypatch, stack, await make_db(), "kit-test")
    app = _app()
    async with asgi_client(app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"postgres": "ok", "kafka": "ok"}
        rt: ServiceRuntime = app.state.runtime
        enterprise = uuid.uuid4()
        async with rt.uow() as uow:
            uow.publish(inspection(enterprise))
            await uow.commit()
        async with rt.uow() as uow:  # not committed: rolled back, never published
            uow.publish(inspection(enterprise))
        await eventually(lambda: rt.pool.fetchval("SELECT count(*) = 1 FROM outbox WHERE published_at IS NOT NULL"))
        assert await rt.pool.fetchval("SELECT count(*) FROM outbox") == 1
    records = await read_topic(stack.kafka_admin, "minqing.safety.events", at_least=1,
                               predicate=lambda r: dict(r.headers).get("ce_subject") == str(enterprise).encode())
    event = decode(records[0].key, records[0].value, records[0].headers)
    assert event.source == "/minqing/kit-test" and event.subject == str(enterprise)


async def test_not_ready_names_the_failing_dependency(
        stack: Stack, make_db: DbFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    service_env(monkeypatch, stack, await make_db(), "kit-test", kafka_bootstrap="127.0.0.1:1", run_relay="false")
    async with asgi_client(_app()) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["postgres"] == "ok" and checks["kafka"] != "ok"
        assert (await client.get("/healthz")).status_code == 200


async def test_processes_starting_together_apply_each_migration_once(stack: Stack, make_db: DbFactory) -> None:
    import asyncio

    import asyncpg

    from minqing_kit.db import KIT_MIGRATIONS, apply_migrations, create_pool

    admin = await asyncpg.connect(stack.dsn())
    name = f"t_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    pools = [await create_pool(stack.dsn(name)) for _ in range(4)]
    try:
        applied = await asyncio.gather(*(apply_migrations(p, [("kit", KIT_MIGRATIONS)]) for p in pools))
        names = [n for per_process in applied for n in per_process]
        assert len(names) == len(set(names)) == len(list(KIT_MIGRATIONS.glob("*.sql")))
    finally:
        for p in pools:
            await p.close()
        admin = await asyncpg.connect(stack.dsn())
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
