"""Fixtures shared by integration tests: project topics, fresh databases, polling helpers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from devstack.stack import Stack
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations, create_pool
from minqing_kit.kafka_auth import KafkaConnection, client_options

T = TypeVar("T")


@pytest.fixture(scope="session")
def topics(stack: Stack) -> list[str]:
    stack.create_topics()
    return [t.name for t in __import__("minqing_contract").ALL_TOPICS]


DbFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_db(stack: Stack) -> AsyncIterator[DbFactory]:
    """Create throwaway databases (with the kit's migrations, plus any given folders)."""
    created: list[str] = []

    async def factory(*extra: tuple[str, Path]) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(stack.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        created.append(name)
        dsn = stack.dsn(name)
        pool = await create_pool(dsn)
        try:
            await apply_migrations(pool, [("kit", KIT_MIGRATIONS), *extra])
        finally:
            await pool.close()
        return dsn

    yield factory
    admin = await asyncpg.connect(stack.dsn())
    try:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


PoolFactory = Callable[..., Awaitable[asyncpg.Pool]]


@pytest.fixture
async def make_pool(make_db: DbFactory) -> AsyncIterator[PoolFactory]:
    """Pools on throwaway databases (a fresh one unless a DSN is given), closed before the databases
    are dropped: a pool left open would keep reconnecting to a dropped database for the rest of the run."""
    pools: list[asyncpg.Pool] = []

    async def factory(dsn: str | None = None, **options: Any) -> asyncpg.Pool:
        pool = await create_pool(dsn or await make_db(), **options)
        pools.append(pool)
        return pool

    yield factory
    for pool in pools:
        try:
            await asyncio.wait_for(pool.close(), 10)
        except (TimeoutError, asyncpg.PostgresError, OSError):
            pool.terminate()


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1,
                     message: str = "condition not met") -> T:
    """Poll `check` until it returns a truthy value or the deadline passes (no fixed sleeps)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last  # type: ignore[no-any-return]
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} within {timeout}s (last: {last!r})")


async def read_topic(bootstrap: KafkaConnection | str, topic: str, *, at_least: int, timeout: float = 30.0,
                     predicate: Callable[[Any], bool] = lambda r: True) -> list[Any]:
    """Read `topic` from the beginning until `at_least` matching records arrived."""
    consumer = AIOKafkaConsumer(topic, **client_options(bootstrap), auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=f"reader-{uuid.uuid4()}")
    await consumer.start()
    out: list[Any] = []
    try:
        async with asyncio.timeout(timeout):
            while len(out) < at_least:
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    out.extend(r for r in records if predicate(r))
    except TimeoutError:
        raise AssertionError(f"only {len(out)} of {at_least} records on {topic} within {timeout}s") from None
    finally:
        await consumer.stop()
    return out


def _session_keys() -> tuple[Any, str, str]:
    """A fresh Ed25519 key pair for this test session (never written in the repository): the signer
    mints the tests' tokens; services get only the public JWKS file, as in production."""
    import tempfile

    from minqing_kit.auth import TokenSigner, write_keypair

    signer = TokenSigner.generate()
    private, public = write_keypair(Path(tempfile.mkdtemp(prefix="minqing-test-keys-")), signer)
    return signer, str(private), str(public)


#: The session's signer, its private key file (for the identity service and tools) and its JWKS file
#: (MINQING_JWT_PUBLIC_KEYS of every service).
TEST_SIGNER, TEST_PRIVATE_KEY_FILE, TEST_JWKS_FILE = _session_keys()
#: Environment giving a service process the session's public keys (and no private key).
TEST_KEY_ENV = {"MINQING_JWT_PUBLIC_KEYS": TEST_JWKS_FILE}


def service_env(monkeypatch: pytest.MonkeyPatch, stack: Stack, dsn: str, service: str, **extra: str) -> None:
    """Point a service's settings (env `MINQING_*`) at the test stack and a fresh database."""
    monkeypatch.setenv("MINQING_ENV", "test")
    monkeypatch.setenv("MINQING_SERVICE", service)
    monkeypatch.setenv("MINQING_DATABASE_URL", dsn)
    for key, value in stack.kafka_env(service).items():  # the service's own Kafka user and its ACLs
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MINQING_JWT_PUBLIC_KEYS", TEST_JWKS_FILE)
    monkeypatch.setenv("MINQING_LOG_JSON", "false")
    for key, value in extra.items():
        monkeypatch.setenv(f"MINQING_{key.upper()}", value)


def bearer(role: str, township: str = "990102000000", *, sub: str = "tester",
           department: str | None = None) -> dict[str, str]:
    """Authorization header for a token signed with the test session's private key."""
    token = TEST_SIGNER.mint(sub, role, township, department=department)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def asgi_client(app: Any) -> AsyncIterator[Any]:
    """An httpx client speaking to `app` in-process, with its lifespan (pool, relay...) running."""
    import httpx
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://test") as client:
        yield client
