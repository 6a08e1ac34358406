"""Safety service on the real stack: a fresh database, the app in-process with a clock tests move."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.stack import Stack
from minqing_contract import Event, decode
from minqing_kit.kafka_auth import KafkaConnection
from services.safety.adapters.clock import ManualClock
from services.safety.bootstrap import MIGRATIONS
from services.safety.domain.credit_code import ALPHABET, check_character
from services.safety.entrypoints.api import create_safety_app
from tests.integration.conftest import DbFactory, asgi_client, bearer, read_topic, service_env

JINSHAN = "990102103000"  # 金山镇
QINGSHI = "990102104000"  # 青石镇
TOPIC = "minqing.safety.events"
T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Beijing
OP = bearer("township_operator", JINSHAN, sub="js-station-01")
OTHER_OP = bearer("township_operator", QINGSHI, sub="qs-station-01")
ADMIN = bearer("county_admin", sub="county-brigade")
READER = bearer("read_only", JINSHAN, sub="viewer")
QUARRY_ITEMS = ("blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records")
PLAN = {"objectives": "消除边坡隐患", "methods": "削坡减载", "funding_and_materials": "20万元",
        "organisation_and_staff": "矿长牵头", "time_limits": "30日内", "safety_and_emergency": "设警戒区，备预案"}
TABLES = ("enterprises", "permits", "inspections", "checklist_results", "findings", "hazards",
          "rectification_reports", "reinspections", "penalties", "suspensions", "accidents", "audit_trail",
          "overdue_notifications", "outbox")


def credit_code() -> str:
    """A fresh valid unified social credit code (random organisation part, computed check character)."""
    first = "91990102" + "".join(random.choice(ALPHABET) for _ in range(9))
    return first + check_character(first)


@dataclass
class Safety:
    client: httpx.AsyncClient
    clock: ManualClock
    dsn: str
    bootstrap: KafkaConnection | str
    app: Any

    def at(self, **delta: float) -> str:
        return (self.clock() + timedelta(**delta)).isoformat()

    async def counts(self) -> dict[str, int]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
        finally:
            await conn.close()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def register(self, industry: str = "open_pit_quarry", township: str = JINSHAN,
                       headers: dict[str, str] = OP, **extra: Any) -> dict[str, Any]:
        body = {"name": "金山某石材有限公司", "credit_code": credit_code(), "township_code": township,
                "industry": industry, "size": "small",
                "permit": {"number": "(闽)FM安许证字[2024]0123", "valid_from": "2024-01-01",
                           "valid_until": "2027-12-31"}, **extra}
        r = await self.client.post("/enterprises", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def inspect(self, enterprise_id: str, *, failed: str | None = None, level: str = "major",
                      deadline_days: float = 10, kind: str = "routine", headers: dict[str, str] = OP) -> dict[str, Any]:
        results = {item: item != failed for item in QUARRY_ITEMS}
        findings = [] if failed is None else [{
            "description": "边坡角度过陡，无监测", "item": failed,
            "hazard": {"level": level, "requirement": "削坡并设监测点", "deadline": self.at(days=deadline_days)}}]
        r = await self.client.post(f"/enterprises/{enterprise_id}/inspections", headers=headers, json={
            "kind": kind, "inspectors": ["js-insp-01", "js-insp-02"], "inspected_at": self.at(),
            "results": results, "findings": findings})
        assert r.status_code == 201, r.text
        return r.json()

    async def events(self, enterprise_id: str, at_least: int) -> list[Event]:
        records = await read_topic(self.bootstrap, TOPIC, at_least=at_least, timeout=30,
                                   predicate=lambda r: r.key == enterprise_id.encode())
        return [decode(r.key, r.value, r.headers) for r in records]


@pytest.fixture
async def safety(stack: Stack, topics: list[str], make_db: DbFactory,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Safety]:
    dsn = await make_db(("safety", MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "safety")
    clock = ManualClock(T0)
    app = create_safety_app(clock=clock)
    async with asgi_client(app) as client:
        yield Safety(client, clock, dsn, stack.kafka_admin, app)
