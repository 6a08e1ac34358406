"""Volunteer service on the real stack: a fresh database, the API in-process, the faust worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from devstack.stack import Stack
from minqing_kit.db import create_pool
from services.volunteer.bootstrap import MIGRATIONS
from services.volunteer.entrypoints.api import create_volunteer_app
from services.volunteer.entrypoints.worker import RunningWorker, running_worker
from services.volunteer.settings import VolunteerSettings
from tests.integration.conftest import DbFactory, asgi_client, bearer, service_env

COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"  # 忠庄镇
QINLE = "990102101201"  # 勤乐村
XINGFU = "990102101202"  # 幸福村
CHANGZHENG = "990102102000"  # 长征镇
HONGQI = "990102102201"  # 红旗村 (长征镇)
ADMIN = bearer("county_admin", COUNTY, sub="admin-1")
OPERATOR = bearer("township_operator", ZHONGZHUANG, sub="op-zhongzhuang")
OTHER_OPERATOR = bearer("township_operator", CHANGZHENG, sub="op-changzheng")
SUPERVISOR = bearer("county_supervisor", COUNTY, sub="sup-1")
ACCEPT_TIMEOUT = timedelta(minutes=30)  # the default; tests move the shared clock past it


#: Where the tests' clock starts: a Tuesday 10:00 Beijing time in a plain working week, mid-month, so
#: no run depends on the day it happens on (a run at 23:50 on the last day of a month used to
#: cross into the next day, month and perhaps year within a test).
CLOCK_START = datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class ShiftedClock:
    """Time that runs at real speed from CLOCK_START, plus an offset the test moves forward (API and
    worker read the same clock: the dispatcher's timers see real seconds pass)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._real_start = datetime.now(UTC)

    def __call__(self) -> datetime:
        return CLOCK_START + (datetime.now(UTC) - self._real_start) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


@dataclass
class World:
    """The service under test: HTTP client, a pool on its database, and ids of the demo network."""

    client: httpx.AsyncClient
    pool: asyncpg.Pool
    ids: dict[str, Any]

    async def post(self, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] = ADMIN,
                   expect: int | None = 200) -> Any:
        resp = await self.client.post(path, json=body or {}, headers=headers)
        if expect is not None:
            assert resp.status_code == expect, resp.text
        return resp.json()

    async def get(self, path: str, headers: dict[str, str] = ADMIN, **params: Any) -> Any:
        resp = await self.client.get(path, headers=headers, params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def counts(self) -> dict[str, int]:
        tables = ("vol_requests", "vol_request_audit", "vol_hours", "vol_ratings", "vol_activities",
                  "vol_volunteers", "vol_stations", "outbox")
        return {t: await self.pool.fetchval(f"SELECT count(*) FROM {t}") for t in tables}


@pytest.fixture
async def volunteer_db(stack: Stack, topics: list[str], make_db: DbFactory,
                       monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[asyncpg.Pool]:
    dsn = await make_db(("volunteer", MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "volunteer", volunteer_accept_timeout_minutes="30",
                volunteer_escalation_interval_seconds="0.2")
    pool = await create_pool(dsn)
    try:
        yield pool
    finally:
        await pool.close()


async def _network(client: httpx.AsyncClient) -> dict[str, Any]:
    async def post(path: str, body: dict[str, Any]) -> Any:
        resp = await client.post(path, json=body, headers=ADMIN)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    ids: dict[str, Any] = {}
    ids["st_qinle"] = await post("/stations", {"level": "village", "division_code": QINLE, "name": "勤乐村新时代文明实践站"})
    ids["st_xingfu"] = await post("/stations", {"level": "village", "division_code": XINGFU, "name": "幸福村新时代文明实践站"})
    ids["st_town"] = await post("/stations", {"level": "township", "division_code": ZHONGZHUANG, "name": "忠庄镇新时代文明实践所"})
    ids["st_county"] = await post("/stations", {"level": "county", "division_code": COUNTY, "name": "民和县新时代文明实践中心"})

    async def team(name: str, station: str, specialties: list[str], capacity: int = 3) -> Any:
        return await post("/teams", {"name": name, "home_station_id": ids[station], "specialties": specialties,
                                     "capacity": capacity})

    ids["t_qinle_eco"] = await team("勤乐村生态环保志愿服务队", "st_qinle", ["ecology"])
    ids["t_qinle_med"] = await team("勤乐村医疗健康志愿服务队", "st_qinle", ["medical"])
    ids["t_xingfu_eco"] = await team("幸福村生态环保志愿服务队", "st_xingfu", ["ecology"])
    ids["t_town_eco"] = await team("忠庄镇生态环保志愿服务队", "st_town", ["ecology", "science"])
    ids["t_county_eco"] = await team("民和县生态环保志愿服务总队", "st_county", ["ecology"], capacity=10)
    for n, (name, id_number) in enumerate((("王小红", "990102199001011234"), ("李建国", "99010219850505123X"))):
        ids[f"v{n}"] = await post("/volunteers", {
            "name": name, "phone": f"1390000000{n}", "id_number": id_number, "township_code": ZHONGZHUANG,
            "skills": ["ecology"], "team_ids": [ids["t_qinle_eco"]],
            "available_time": [{"weekday": 5, "start": "08:00:00", "end": "12:00:00"}]})
    return ids


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
async def world(volunteer_db: asyncpg.Pool, clock: ShiftedClock) -> AsyncIterator[World]:
    async with asgi_client(create_volunteer_app(clock=clock)) as client:
        yield World(client, volunteer_db, await _network(client))


@pytest.fixture
async def worker(volunteer_db: asyncpg.Pool, clock: ShiftedClock, tmp_path: Any) -> AsyncIterator[RunningWorker]:
    async with running_worker(VolunteerSettings(), clock=clock, app_id=f"minqing-volunteer-worker-test-{uuid.uuid4().hex[:8]}",
                              datadir=str(tmp_path / "faust")) as running:
        yield running
