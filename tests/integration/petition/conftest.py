"""Fixtures of the petition integration tests: a fresh database, the app on a movable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.stack import Stack
from minqing_contract import decode
from services.petition.adapters.clock import MovableClock
from services.petition.bootstrap import MIGRATIONS
from services.petition.domain.clocks import SHANGHAI
from services.petition.domain.validators import resident_id_check_char
from services.petition.entrypoints.api import create_petition_app
from tests.integration.conftest import DbFactory, asgi_client, bearer, read_topic, service_env

COUNTY = "990102000000"
TOWNSHIP = "990102101000"  # 忠庄镇
VILLAGE = "990102101201"
OTHER_TOWNSHIP = "990102102000"  # 长征镇
TOPIC = "minqing.petition.events"

ADMIN = bearer("county_admin", COUNTY, sub="u-officer")
SUPERVISOR = bearer("county_supervisor", COUNTY, sub="u-supervisor")
OPERATOR = bearer("township_operator", TOWNSHIP, sub="u-township")
OTHER_OPERATOR = bearer("township_operator", OTHER_TOWNSHIP, sub="u-far")
READER = bearer("read_only", TOWNSHIP, sub="u-reader")


def handler(dept: str) -> dict[str, str]:
    return bearer("department_handler", COUNTY, sub=f"u-{dept}", department=dept)


def sh(y: int, m: int, d: int, hh: int = 9) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def resident_id(serial: int, born: str = "19800101") -> str:
    first17 = f"110105{born}{serial:03d}"
    return first17 + resident_id_check_char(first17)


def person(i: int, *, rep: bool = False) -> dict[str, Any]:
    return {"name": f"王{'一二三四五六七八九十'[i % 10]}测", "phone": f"1381234{i:04d}",
            "id_number": resident_id(100 + i), "is_representative": rep}


def matter_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
        "township_code": TOWNSHIP, "village_code": VILLAGE, "content": "工地拖欠三个月工资，要求支付",
        "petitioners": [person(1)], "headcount": 1,
    }
    body.update(overrides)
    return body


@dataclass
class Petition:
    client: httpx.AsyncClient
    clock: MovableClock
    app: Any
    dsn: str
    stack: Stack

    async def register(self, headers: dict[str, str] = ADMIN, **overrides: Any) -> dict[str, Any]:
        r = await self.client.post("/matters", json=matter_body(**overrides), headers=headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def post(self, matter_id: str, path: str, headers: dict[str, str], body: Any = None,
                   status: int = 200) -> dict[str, Any]:
        r = await self.client.post(f"/matters/{matter_id}/{path}", json=body or {}, headers=headers)
        assert r.status_code == status, r.text
        return r.json()  # type: ignore[no-any-return]

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def events(self, matter_id: str, at_least: int) -> list[Any]:
        return await read_topic(self.stack.kafka_admin, TOPIC, at_least=at_least,
                                predicate=lambda r: dict(r.headers).get("ce_subject") == matter_id.encode())


def decoded(records: list[Any]) -> list[Any]:
    return [decode(r.key, r.value, r.headers) for r in records]


@pytest.fixture
async def petition(stack: Stack, topics: list[str], make_db: DbFactory,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Petition]:
    dsn = await make_db(("petition", MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "petition", liaison_intake="false")
    clock = MovableClock(sh(2025, 5, 6))  # a Tuesday in a plain working week
    app = create_petition_app(clock=clock)
    async with asgi_client(app) as client:
        yield Petition(client, clock, app, dsn, stack)
