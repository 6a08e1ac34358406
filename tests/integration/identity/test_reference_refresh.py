"""Live reference data on the real stack: the county admin adds a village in the identity service (served
by uvicorn over real HTTP, PostgreSQL behind it); the petition, liaison and volunteer services, each
polling identity's reference every 0.3 s (minqing_kit.reference), accept a registration, a household and
a 点单 naming it; once retired, new ones naming it are refused with 422 naming the field, while what was
registered before keeps it. Identity unreachable at start-up: the services start on the file alone."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn

from devstack.stack import Stack
from services.identity.bootstrap import MIGRATIONS as IDENTITY_MIGRATIONS
from services.identity.entrypoints.api import create_identity_app
from services.identity.settings import IdentitySettings
from services.liaison.bootstrap import MIGRATIONS as LIAISON_MIGRATIONS
from services.liaison.entrypoints.api import create_liaison_app
from services.petition.bootstrap import MIGRATIONS as PETITION_MIGRATIONS
from services.petition.entrypoints.api import create_petition_app
from services.volunteer.bootstrap import MIGRATIONS as VOLUNTEER_MIGRATIONS
from services.volunteer.entrypoints.api import create_volunteer_app
from tests.integration.conftest import TEST_PRIVATE_KEY_FILE, DbFactory, asgi_client, bearer, service_env
from tests.integration.petition.conftest import matter_body

pytestmark = pytest.mark.timeout(120)

ZHONGZHUANG = "990102101000"
ADMIN = bearer("county_admin", "990102000000", sub="admin-refdata")
REFRESH_S = "0.3"


async def until(check: Callable[[], Awaitable[httpx.Response]], status: int, timeout: float = 10.0) -> httpx.Response:
    """Poll `check` until it answers `status` (the refresh interval is 0.3 s; 10 s is generous)."""
    deadline = time.monotonic() + timeout
    while True:
        r = await check()
        if r.status_code == status or time.monotonic() > deadline:
            return r
        await asyncio.sleep(0.1)


@pytest.fixture
async def identity_url(stack: Stack, topics: list[str], make_db: DbFactory,
                       monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    dsn = await make_db(("identity", IDENTITY_MIGRATIONS))
    service_env(monkeypatch, stack, dsn, "identity", run_relay="true", jwt_private_key_file=TEST_PRIVATE_KEY_FILE,
                cookie_secure="false")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_identity_app(IdentitySettings), log_level="warning",
                                           timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(60):
            while not server.started:
                assert not task.done(), "uvicorn stopped"
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


def order_in(village: str) -> dict[str, Any]:
    return {"category": "elderly_disabled", "village_code": village, "description": "帮独居老人修理屋顶漏水",
            "urgency": "high", "requester_name": "赵大爷", "requester_phone": "13712345678"}


def household(village: str) -> dict[str, Any]:
    return {"village_code": village, "income_band": "below_4k",
            "members": [{"name": "王新", "relation": "户主", "employment": "farming",
                         "id_number": "9901021950" + f"{uuid.uuid4().int % 10**8:08d}"}]}


async def test_a_village_the_admin_adds_is_accepted_within_the_interval_and_refused_once_retired(
        identity_url: str, stack: Stack, make_db: DbFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    petition_dsn = await make_db(("petition", PETITION_MIGRATIONS))
    liaison_dsn = await make_db(("liaison", LIAISON_MIGRATIONS))
    volunteer_dsn = await make_db(("volunteer", VOLUNTEER_MIGRATIONS))
    refresh = {"reference_url": f"{identity_url}/reference", "reference_refresh_s": REFRESH_S}
    async with contextlib.AsyncExitStack() as apps:  # each app reads its env when its lifespan starts
        service_env(monkeypatch, stack, petition_dsn, "petition", run_relay="false", liaison_intake="false", **refresh)
        petition = await apps.enter_async_context(asgi_client(create_petition_app()))
        service_env(monkeypatch, stack, liaison_dsn, "liaison", run_relay="false", **refresh)
        liaison = await apps.enter_async_context(asgi_client(create_liaison_app()))
        service_env(monkeypatch, stack, volunteer_dsn, "volunteer", run_relay="false", **refresh)
        volunteer = await apps.enter_async_context(asgi_client(create_volunteer_app()))
        identity = await apps.enter_async_context(httpx.AsyncClient(base_url=identity_url))
        code = f"{ZHONGZHUANG[:9]}{900 + uuid.uuid4().int % 100}"
        before = await petition.post("/matters", json=matter_body(village_code=code), headers=ADMIN)
        assert before.status_code == 422 and before.json()["error"]["rule"] == "known_village"

        added = await identity.post("/reference/villages", headers=ADMIN,
                                    json={"township_code": ZHONGZHUANG, "code": code, "name": "试点新村"})
        assert added.status_code == 201, added.text
        started = time.monotonic()
        matter = await until(lambda: petition.post("/matters", json=matter_body(village_code=code),
                                                   headers=ADMIN), 201)
        assert matter.status_code == 201, matter.text
        assert time.monotonic() - started < 5  # within a few refresh intervals
        home = await until(lambda: liaison.post("/households", json=household(code), headers=ADMIN), 201)
        assert home.status_code == 201, home.text
        order = await until(lambda: volunteer.post("/public/requests", json=order_in(code)), 201)  # 点单
        assert order.status_code == 201 and order.json()["village_name"] == "试点新村", order.text

        retired = await identity.patch(f"/reference/villages/{code}", headers=ADMIN, json={"active": False})
        assert retired.status_code == 200, retired.text
        refused = await until(lambda: petition.post("/matters", json=matter_body(village_code=code),
                                                    headers=ADMIN), 422)
        assert refused.status_code == 422, refused.text
        assert (refused.json()["error"]["field"], refused.json()["error"]["rule"]) == ("village_code",
                                                                                       "village_active")
        refused = await until(lambda: liaison.post("/households", json=household(code), headers=ADMIN), 422)
        assert (refused.json()["error"]["field"], refused.json()["error"]["rule"]) == ("village_code",
                                                                                       "village_active")
        refused = await until(lambda: volunteer.post("/public/requests", json=order_in(code)), 422)
        assert (refused.json()["error"]["field"], refused.json()["error"]["rule"]) == ("village_code",
                                                                                       "village_active")
        offered = (await volunteer.get("/public/reference")).json()  # the citizens' form no longer offers it
        assert all(v["code"] != code for t in offered["townships"] for v in t["villages"])
        followed = await volunteer.get(f"/public/requests/{order.json()['id']}")
        assert followed.json()["village_name"] == "试点新村"  # the earlier 点单 keeps its village's name
        # the matter registered before keeps its village (and its name)
        kept = await petition.get(f"/matters/{matter.json()['matter_id']}", headers=ADMIN)
        assert kept.status_code == 200 and kept.json()["village_code"] == code, kept.text


async def test_identity_unreachable_the_service_starts_on_the_file(stack: Stack, topics: list[str],
                                                                   make_db: DbFactory,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = sock.getsockname()[1]
    try:
        dsn = await make_db(("petition", PETITION_MIGRATIONS))
        service_env(monkeypatch, stack, dsn, "petition", run_relay="false", liaison_intake="false",
                    reference_url=f"http://127.0.0.1:{port}/reference", reference_refresh_s=REFRESH_S)
        async with asyncio.timeout(60), asgi_client(create_petition_app()) as petition:
            r = await petition.post("/matters", json=matter_body(), headers=ADMIN)  # a file village
            assert r.status_code == 201, r.text
    finally:
        sock.close()
