"""Each service's app on the real PostgreSQL and Kafka, for schemathesis and the hand-made inputs.

schemathesis' ASGI transport runs an app's lifespan once, on one event-loop thread it shares between
requests, so the app's pool, relay and tokens live there for the whole module. The database is made
(and dropped) on a thread of its own, away from pytest's event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest
import schemathesis
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.python import asgi as st_asgi

from devstack.stack import Stack
from tests.integration.conftest import TEST_JWKS_FILE, bearer, topics

__all__ = ["topics"]  # the session's project topics, a fixture shared with the integration tests

COUNTY = "990102000000"
#: A county-wide administrator may reach every route of every service.
ADMIN = bearer("county_admin", COUNTY, sub="fuzz-admin")

#: Per operation: schemathesis' examples and coverage phases, then this many generated cases.
MAX_EXAMPLES = 8


def _in_thread(coro_fn: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


def _env(stack: Stack, dsn: str, service: str, **extra: str) -> dict[str, str]:
    env = {"MINQING_ENV": "test", "MINQING_SERVICE": service, "MINQING_DATABASE_URL": dsn,
           "MINQING_KAFKA_BOOTSTRAP": stack.bootstrap, "MINQING_JWT_PUBLIC_KEYS": TEST_JWKS_FILE,
           "MINQING_LOG_JSON": "false", "MINQING_LOG_LEVEL": "WARNING"}
    env.update({f"MINQING_{k.upper()}": v for k, v in extra.items()})
    return env


def _create_db(stack: Stack) -> str:
    name = f"fuzz_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = await asyncpg.connect(stack.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    _in_thread(create)
    return name


def _drop_db(stack: Stack, name: str) -> None:
    async def drop() -> None:
        admin = await asyncpg.connect(stack.dsn())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    _in_thread(drop)


def _build(service: str, stack: Stack) -> Any:
    """The service's app, its settings read now from an environment pointing at a fresh database."""
    if service == "petition":
        from services.petition.entrypoints.api import create_petition_app
        from services.petition.settings import PetitionSettings
        return create_petition_app(settings=PetitionSettings())
    if service == "safety":
        from services.safety.entrypoints.api import create_safety_app
        from services.safety.settings import SafetySettings
        return create_safety_app(settings=SafetySettings())
    if service == "volunteer":
        from services.volunteer.entrypoints.api import create_volunteer_app
        from services.volunteer.settings import VolunteerSettings
        cfg = VolunteerSettings()
        return create_volunteer_app(settings=lambda: cfg)
    from services.reporting.entrypoints.api import create_reporting_app
    from services.reporting.settings import ReportingSettings
    return create_reporting_app(settings=ReportingSettings())


# The public lookup's limit is its own test's business; here it would only hide the routes behind 429.
EXTRA = {"petition": {"public_lookups_per_minute": "1000000"},
         "reporting": {"reporting_consumer": "fuzz-reporting", "reporting_stream_poll_seconds": "0.05",
                       "reporting_stream_ping_seconds": "0.05"}}


@pytest.fixture(scope="module")
def served(stack: Stack, topics: list[str]) -> Iterator[Callable[[str], Any]]:
    """`served(service)` → the service's app with its lifespan running (started once per module)."""
    apps: dict[str, Any] = {}
    databases: list[str] = []

    def serve(service: str) -> Any:
        if service not in apps:
            name = _create_db(stack)
            databases.append(name)
            with pytest.MonkeyPatch.context() as mp:
                for key, value in _env(stack, stack.dsn(name), service, **EXTRA.get(service, {})).items():
                    mp.setenv(key, value)
                apps[service] = _build(service, stack)
        return apps[service]

    try:
        yield serve
    finally:
        st_asgi.shutdown_lifespans()
        for name in databases:
            _drop_db(stack, name)


def load_schema(app: Any) -> Any:
    """The OpenAPI document of a service's app (built from its routes: no I/O, no lifespan).

    Loaded at collection: schemathesis' lazy `from_fixture` does not run on pytest 9.2 (it writes
    `Node._nodeid`, which pytest 9.2 no longer has); requests go to the served app (`case.call(app=…)`).
    """
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
    # Schema-valid input may still break a domain rule OpenAPI cannot state (an ID's check digit, a
    # lookup code's alphabet, a department that exists, a deadline inside a window): that is a 422
    # naming field and rule, which is a correct answer to positive data too. Everything else stays.
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=[*PositiveDataAcceptanceConfig().expected_statuses, "422"])
    return schema
