"""Liaison service on the real stack: a fresh database, the API in-process (with the outbox relay),
the worker's week-close timer on the same manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from devstack.stack import Stack
from minqing_kit.clock import ManualClock
from minqing_kit.db import create_pool
from services.liaison.bootstrap import MIGRATIONS
from services.liaison.entrypoints.api import create_liaison_app
from services.liaison.entrypoints.worker import RunningWorker, running_worker
from services.liaison.settings import LiaisonSettings
from tests.integration.conftest import DbFactory, asgi_client, bearer, service_env

COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"  # 忠庄镇
QINLE = "990102101201"  # 勤乐村
CHANGZHENG = "990102102000"  # 长征镇
ADMIN = bearer("county_admin", COUNTY, sub="admin-1")
OPERATOR = bearer("township_operator", ZHONGZHUANG, sub="op-zhongzhuang")
CADRE = bearer("township_operator", ZHONGZHUANG, sub="cadre-li")
OTHER_OPERATOR = bearer("township_operator", CHANGZHENG, sub="op-changzheng")
#: Wednesday 4 March 2026, 18:00 Beijing time: a plain working week in the 4-day season.
CLOCK_START = datetime(2026, 3, 4, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass
class World:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    clock: ManualClock

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None,
                   headers: dict[str, str] = OPERATOR, expect: int = 200) -> Any:
        resp = await self.client.request(method, path, json=body, headers=headers)
        assert resp.status_code == expect, resp.text
        return resp.json() if resp.headers.get("content-type", "").startswith("application/json") else resp.text


@pytest.fixture
async def liaison_db(stack: Stack, topics: list[str], make_db: DbFactory,
                     monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[asyncpg.Pool]:
    dsn = await make_db(("liaison", MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "liaison", liaison_week_close_interval_seconds="0.2")
    pool = await create_pool(dsn)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(CLOCK_START)


@pytest.fixture
async def world(liaison_db: asyncpg.Pool, clock: ManualClock) -> AsyncIterator[World]:
    async with asgi_client(create_liaison_app(clock=clock)) as client:
        yield World(client, liaison_db, clock)


@pytest.fixture
async def worker(liaison_db: asyncpg.Pool, clock: ManualClock) -> AsyncIterator[RunningWorker]:
    # The API's lifespan runs the relay; the worker here runs only the timer.
    async with running_worker(LiaisonSettings(run_relay=False), clock=clock) as running:
        yield running
