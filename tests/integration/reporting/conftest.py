"""The reporting integration tests' settings and pool: a fresh database, a consumer group of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from devstack.stack import Stack
from minqing_kit.db import create_pool
from services.reporting.settings import ReportingSettings
from tests.integration.conftest import DbFactory, service_env


@pytest.fixture
async def env(stack: Stack, topics: list[str], make_db: DbFactory,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[ReportingSettings, asyncpg.Pool]]:
    dsn = await make_db()
    service_env(monkeypatch, stack, dsn, "reporting", reporting_consumer=f"reporting-{uuid.uuid4().hex[:8]}",
                reporting_ingest_within_seconds="0.05")
    pool = await create_pool(dsn, max_size=2)
    try:
        yield ReportingSettings(), pool
    finally:
        await pool.close()
