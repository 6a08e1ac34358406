"""The identity service on the real stack (PostgreSQL, Kafka), with the petition service beside it: sign-in,
lockout, forced password change, cookie sessions with CSRF, refresh rotation, disabled accounts, the audit
trail and the `identity.*` events — and sign-in tokens accepted by a real service exactly where minted
tokens are."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.stack import Stack
from minqing_kit.auth import Role
from minqing_kit.kafka_auth import KafkaConnection
from services.identity.bootstrap import MIGRATIONS
from services.identity.domain.passwords import temporary_password
from services.identity.entrypoints.api import create_identity_app
from services.identity.service_layer import commands as c
from services.identity.settings import IdentitySettings
from tests.integration.conftest import (
    TEST_PRIVATE_KEY_FILE,
    DbFactory,
    asgi_client,
    bearer,
    read_topic,
    service_env,
)

pytestmark = pytest.mark.timeout(120)

COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"
#: fresh per run: no password is written in the repository
PASS_WORD = temporary_password()


@dataclass
class World:
    identity: httpx.AsyncClient
    petition: httpx.AsyncClient
    deps: Any
    dsn: str
    bootstrap: KafkaConnection
    tag: str

    def name(self, base: str) -> str:
        return f"{base}.{self.tag}"

    async def account(self, base: str, role: Role, township: str = COUNTY, *, department: str | None = None,
                      must_change: bool = False, manages: bool = False) -> str:
        await self.deps.bus.handle(c.CreateAccount(
            username=self.name(base), display_name=f"测试{base}", role=role, township=township,
            department=department, initial_password=PASS_WORD, must_change_password=must_change,
            manages_accounts=manages), c.SYSTEM)
        return self.name(base)

    async def login(self, username: str, password: str = PASS_WORD) -> httpx.Response:
        self.identity.cookies.clear()
        return await self.identity.post("/auth/login", json={"username": username, "password": password})


@pytest.fixture
async def world(stack: Stack, topics: list[str], make_db: DbFactory,
                monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    from services.petition.bootstrap import MIGRATIONS as PETITION_MIGRATIONS
    from services.petition.entrypoints.api import create_petition_app

    identity_dsn = await make_db(("identity", MIGRATIONS))
    petition_dsn = await make_db(("petition", PETITION_MIGRATIONS))
    service_env(monkeypatch, stack, petition_dsn, "petition", run_relay="false")
    petition_app = create_petition_app()
    async with asgi_client(petition_app) as petition:
        service_env(monkeypatch, stack, identity_dsn, "identity", run_relay="true",
                    jwt_private_key_file=TEST_PRIVATE_KEY_FILE, cookie_secure="false", refresh_cookie_path="/auth",
                    access_minutes="0.25")  # 15 s: the disabled account's access token expires within the test
        app = create_identity_app(IdentitySettings)
        async with asgi_client(app) as identity:
            yield World(identity, petition, app.state.deps, identity_dsn, stack.kafka_admin, uuid.uuid4().hex[:8])


async def test_login_sets_the_session_cookies_and_the_token_works_on_petition(world: World) -> None:
    username = await world.account("op", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG)
    r = await world.login(username.upper())  # usernames are case-insensitive
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15
    assert body["account"] | {"id": None} == {"id": None, "username": username, "display_name": "测试op",
                                               "role": "township_operator", "township": ZHONGZHUANG,
                                               "department": None, "must_change_password": False}
    cookies = {c.name: c for c in world.identity.cookies.jar}
    assert set(cookies) == {"mq_access", "mq_refresh", "mq_csrf"}
    raw = r.headers.get_list("set-cookie")
    access = next(h for h in raw if h.startswith("mq_access="))
    assert "HttpOnly" in access and "SameSite=strict" in access and "Path=/" in access
    assert "HttpOnly" not in next(h for h in raw if h.startswith("mq_csrf="))
    assert "Path=/auth" in next(h for h in raw if h.startswith("mq_refresh="))
    ok = await world.petition.get("/matters", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert ok.status_code == 200, ok.text
    # the same session as a cookie: reads pass; writes need the CSRF header (double submit)
    world.petition.cookies.set("mq_access", body["access_token"])
    assert (await world.petition.get("/matters")).status_code == 200
    no_csrf = await world.petition.post(f"/matters/{uuid.uuid4()}/notes", json={"note": "x"})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["rule"] == "csrf"
    world.petition.cookies.set("mq_csrf", cookies["mq_csrf"].value or "")
    with_csrf = await world.petition.post(f"/matters/{uuid.uuid4()}/notes", json={"note": "x"},
                                          headers={"X-CSRF-Token": cookies["mq_csrf"].value or ""})
    assert with_csrf.status_code not in (401, 403), with_csrf.text
    world.petition.cookies.clear()
    me = await world.identity.get("/auth/me")
    assert me.status_code == 200 and me.json()["username"] == username


async def test_wrong_password_five_times_locks_with_423_and_retry_after(world: World) -> None:
    username = await world.account("lock", Role.READ_ONLY)
    unknown = await world.login(world.name("nobody"), "Whatever123x")
    wrong = await world.login(username, "Wrongpass123")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]  # no hint which part was wrong
    for _ in range(3):
        assert (await world.login(username, "Wrongpass123")).status_code == 401
    locked = await world.login(username, "Wrongpass123")
    assert locked.status_code == 423, locked.text
    assert locked.json()["error"]["rule"] == "lockout" and 800 <= int(locked.headers["retry-after"]) <= 900
    right = await world.login(username)
    assert right.status_code == 423  # the right password does not open a locked account
    conn = await asyncpg.connect(world.dsn)
    try:
        row = await conn.fetchrow("SELECT failed_attempts, locked_until FROM account WHERE username = $1", username)
        assert row["failed_attempts"] == 5 and row["locked_until"] is not None  # in PostgreSQL: every process sees it
        kinds = [r["event_type"] for r in await conn.fetch(
            "SELECT a.event_type FROM audit_log a JOIN account c ON c.id = a.account_id WHERE c.username = $1 "
            "ORDER BY a.id", username)]
        assert kinds.count("identity.sign_in_failed") == 6 and kinds.count("identity.account_locked") == 1
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("UPDATE audit_log SET event_type = 'x'")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("DELETE FROM audit_log")
    finally:
        await conn.close()


async def test_first_sign_in_forces_a_password_change(world: World) -> None:
    admin = await world.account("admin", Role.COUNTY_ADMIN)
    r = await world.login(admin)
    admin_headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    created = await world.identity.post("/accounts", headers=admin_headers, json={
        "username": world.name("newbie"), "display_name": "新同事", "role": "township_operator",
        "township": ZHONGZHUANG})
    assert created.status_code == 201, created.text
    temporary = created.json()["temporary_password"]
    first = await world.login(world.name("newbie"), temporary)
    assert first.status_code == 200 and first.json()["account"]["must_change_password"] is True
    pending = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert "mq_refresh" not in {c.name for c in world.identity.cookies.jar}  # no session until the change
    assert (await world.petition.get("/matters", headers=pending)).status_code == 401  # services refuse it
    weak = await world.identity.post("/auth/password", headers=pending,
                                     json={"current_password": temporary, "new_password": "short1"})
    assert weak.status_code == 422 and weak.json()["error"]["rule"] == "min_length"
    for bad, rule in ((world.name("newbie") + "1234", "not_username"), ("abcdefghijkl", "letters_and_digits"),
                      ("password1234", "not_common")):
        r = await world.identity.post("/auth/password", headers=pending,
                                      json={"current_password": temporary, "new_password": bad})
        assert (r.status_code, r.json()["error"]["rule"]) == (422, rule), r.text
        assert r.json()["error"]["field"] == "new_password"
    changed = await world.identity.post("/auth/password", headers=pending,
                                        json={"current_password": temporary, "new_password": "Hetang2026river"})
    assert changed.status_code == 200 and changed.json()["account"]["must_change_password"] is False
    token = changed.json()["access_token"]
    assert (await world.petition.get("/matters", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    # an admin reset forces the change again
    account_id = created.json()["account"]["id"]
    reset = await world.identity.post(f"/accounts/{account_id}/reset-password", headers=admin_headers)
    assert reset.status_code == 200
    again = await world.login(world.name("newbie"), reset.json()["temporary_password"])
    assert again.json()["account"]["must_change_password"] is True


async def test_refresh_rotates_and_reuse_revokes_the_family(world: World) -> None:
    username = await world.account("rot", Role.READ_ONLY)
    await world.login(username)
    csrf = {"X-CSRF-Token": world.identity.cookies.get("mq_csrf") or ""}
    first_refresh = world.identity.cookies.get("mq_refresh")
    assert (await world.identity.post("/auth/refresh")).status_code == 403  # cookie without the CSRF header
    rotated = await world.identity.post("/auth/refresh", headers=csrf)
    assert rotated.status_code == 200, rotated.text
    second_refresh = world.identity.cookies.get("mq_refresh")
    assert second_refresh and second_refresh != first_refresh
    replay = await world.identity.post("/auth/refresh", json={"refresh_token": first_refresh})
    assert replay.status_code == 401 and "重复使用" in replay.json()["error"]["message"]
    # the whole family is gone: the newest token is refused too
    assert (await world.identity.post("/auth/refresh", json={"refresh_token": second_refresh})).status_code == 401


async def test_a_disabled_account_cannot_refresh_and_its_access_token_expires(world: World) -> None:
    admin = await world.account("admin2", Role.COUNTY_ADMIN)
    admin_token = (await world.login(admin)).json()["access_token"]
    username = await world.account("gone", Role.COUNTY_SUPERVISOR)
    session = (await world.login(username)).json()
    refresh_token = world.identity.cookies.get("mq_refresh")
    access = {"Authorization": f"Bearer {session['access_token']}"}
    disabled = await world.identity.patch(f"/accounts/{session['account']['id']}", json={"enabled": False},
                                          headers={"Authorization": f"Bearer {admin_token}"})
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert (await world.identity.post("/auth/refresh", json={"refresh_token": refresh_token})).status_code == 401
    assert (await world.login(username)).status_code == 401
    deadline = time.monotonic() + 40  # access_minutes=0.25: the token dies within 15 s
    while (await world.petition.get("/matters", headers=access)).status_code == 200:
        assert time.monotonic() < deadline, "the disabled account's access token outlived its lifetime"
        await asyncio.sleep(0.5)
    assert (await world.petition.get("/matters", headers=access)).status_code == 401


async def test_township_account_manager_manages_only_its_township(world: World) -> None:
    manager = await world.account("tmgr", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG, manages=True)
    plain = await world.account("plain", Role.TOWNSHIP_OPERATOR, ZHONGZHUANG)
    mgr = {"Authorization": f"Bearer {(await world.login(manager)).json()['access_token']}"}
    ok = await world.identity.post("/accounts", headers=mgr, json={
        "username": world.name("clerk"), "display_name": "办事员", "role": "read_only", "township": ZHONGZHUANG})
    assert ok.status_code == 201, ok.text
    for body in ({"role": "read_only", "township": "990102102000"}, {"role": "county_supervisor"}):
        r = await world.identity.post("/accounts", headers=mgr, json={
            "username": world.name("x" + uuid.uuid4().hex[:4]), "display_name": "越权", **body})
        assert r.status_code in (403, 422), r.text
    listed = await world.identity.get("/accounts", headers=mgr)
    assert listed.status_code == 200 and all(a["township"][:9] == ZHONGZHUANG[:9] for a in listed.json()["items"])
    other = {"Authorization": f"Bearer {(await world.login(plain)).json()['access_token']}"}
    assert (await world.identity.get("/accounts", headers=other)).status_code == 403
    assert (await world.identity.get("/audit", headers=mgr)).status_code == 403  # the audit is the county's


ROLES = [(Role.COUNTY_ADMIN, COUNTY, None), (Role.COUNTY_SUPERVISOR, COUNTY, None),
         (Role.TOWNSHIP_OPERATOR, ZHONGZHUANG, None), (Role.DEPARTMENT_HANDLER, COUNTY, "wsj"),
         (Role.READ_ONLY, COUNTY, None)]


async def test_sign_in_tokens_are_accepted_exactly_where_minted_tokens_are(world: World) -> None:
    matter = uuid.uuid4()
    probes = [("GET", "/matters", None), ("GET", "/labels", None),
              ("POST", f"/matters/{matter}/supervision", {"note": "督办"}),
              ("POST", f"/matters/{matter}/assign", {"department": "wsj", "note": "x"}),
              ("POST", f"/matters/{matter}/review/decision", {"decision": "upheld", "reason": "x"})]
    for role, township, department in ROLES:
        username = await world.account(f"m-{role.value}", role, township, department=department)
        signed = {"Authorization": f"Bearer {(await world.login(username)).json()['access_token']}"}
        minted = bearer(role.value, township, department=department, sub=str(uuid.uuid4()))
        for method, path, body in probes:
            a = await world.petition.request(method, path, headers=signed, json=body)
            b = await world.petition.request(method, path, headers=minted, json=body)
            assert a.status_code == b.status_code, (role, path, a.text, b.text)
            assert a.status_code != 401


async def test_audit_rows_and_identity_events_carry_no_personal_data(world: World) -> None:
    admin = await world.account("auditor", Role.COUNTY_ADMIN)
    token = (await world.login(admin)).json()["access_token"]
    await world.login(admin, "Wrongpass123")
    audit = await world.identity.get("/audit", headers={"Authorization": f"Bearer {token}"},
                                     params={"event_type": "identity.signed_in", "page_size": 100})
    assert audit.status_code == 200, audit.text
    admin_id = (await world.identity.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).json()["id"]
    assert any(row["account_id"] == admin_id for row in audit.json()["items"])
    records = await read_topic(world.bootstrap, "minqing.identity.events", at_least=3, timeout=30,
                               predicate=lambda r: admin_id.encode() in (r.key or b"") + r.value)
    types = {dict(r.headers).get("ce_type", b"").decode() for r in records}
    assert {"identity.account_created", "identity.signed_in", "identity.sign_in_failed"} <= types, types
    for record in records:
        text = record.value.decode() + json.dumps([(k, v.decode()) for k, v in record.headers])
        assert admin not in text and "测试auditor" not in text and "Wrongpass123" not in text
    assert (await world.identity.get("/audit", headers=bearer("county_supervisor"))).status_code == 403


async def test_jwks_publishes_public_keys_only_and_client_credentials(world: World) -> None:
    jwks = (await world.identity.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all(set(k) == {"kty", "crv", "x", "kid", "alg", "use"} for k in jwks["keys"])
    admin = bearer("county_admin", sub=str(uuid.uuid4()))
    created = await world.identity.post("/clients", headers=admin, json={
        "client_id": f"wsj-system-{world.tag}", "display_name": "卫健局系统", "role": "department_handler",
        "department": "wsj"})
    assert created.status_code == 201, created.text
    secret = created.json()["client_secret"]
    form = {"grant_type": "client_credentials", "client_id": f"wsj-system-{world.tag}", "client_secret": secret}
    token = await world.identity.post("/oauth/token", data=form)
    assert token.status_code == 200, token.text
    access = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await world.petition.get("/matters", headers=access)).status_code == 200
    bad = await world.identity.post("/oauth/token", data={**form, "client_secret": "nope"})
    assert bad.status_code == 401


#: Statements of one password sign-in besides BEGIN and COMMIT: the account locked, the refresh token,
#: the audit row, the account's lock state, the outbox row.
MAX_SIGN_IN_STATEMENTS = 5


async def test_a_sign_in_costs_a_bounded_number_of_round_trips(world: World) -> None:
    username = await world.account("trips", Role.READ_ONLY)
    statements: list[str] = []

    def log(record: Any) -> None:
        statements.append(" ".join(record.query.split()))

    conn = await asyncpg.connect(world.dsn)
    try:
        async with conn.transaction():  # warm the connection's type codecs, as a pooled one has them
            await world.deps.bus.handle(c.Login(username, PASS_WORD), c.PUBLIC, uow=world.deps.uow().join(conn))
        async with conn.transaction():
            conn.add_query_logger(log)
            session = await world.deps.bus.handle(c.Login(username, PASS_WORD), c.PUBLIC,
                                                  uow=world.deps.uow().join(conn))
            conn.remove_query_logger(log)
    finally:
        await conn.close()
    assert session.refresh_token is not None
    print(f"sign-in: {len(statements)} statements + BEGIN/COMMIT")
    assert len(statements) <= MAX_SIGN_IN_STATEMENTS, "\n".join(statements)
    assert sum(s.startswith("INSERT INTO audit_log") for s in statements) == 1
