"""The one address: Debian's nginx, configured by deploy/nginx/, in front of the four real services.

nginx runs in the foreground on a free port with its pid and temp files in a temporary prefix; its
top-level file is written here only to name the free ports (listen, upstreams) and includes the deploy
files unchanged (routes, limits, forwarding, security headers). The services are real uvicorn processes
started exactly as devstack starts them (`devstack.services.command_for`, with `--root-path`), each on
its own fresh database on the test session's PostgreSQL and Kafka.

Clients connect from distinct loopback addresses (127.0.0.x, via httpx's `local_address`), so "one real
client" and "another real client" differ as they would on a network, while nginx reaches the services
from 127.0.0.1, the only address they trust forwarded headers from.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.proxy import NGINX_DIR, nginx_command, prepare_prefix
from devstack.services import command_for
from devstack.stack import Stack
from tests.e2e.browser import Watched
from tests.integration.conftest import TEST_JWKS_FILE, TEST_PRIVATE_KEY_FILE, DbFactory, bearer

pytestmark = pytest.mark.timeout(150)

SERVICES = ("petition", "safety", "volunteer", "reporting", "identity", "liaison")
COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"  # 忠庄镇
CHANGZHENG = "990102102000"  # 长征镇
LOOKUPS_PER_MINUTE = 5  # the petition service's own per-address limit, lowered so a test stays small
PROXY_BURST = 10  # deploy/nginx/minqing-locations.conf: limit_req zone=minqing_public burst=10 nodelay
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy", "x-frame-options")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client_from(address: str, base: str) -> httpx.AsyncClient:
    """A client whose connections come from `address` (any 127.0.0.x works on Linux's loopback)."""
    return httpx.AsyncClient(base_url=base, timeout=10,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


@dataclass
class Platform:
    base: str
    service_ports: dict[str, int]
    nginx_log: Path


async def _wait_ready(url: str, procs: list[subprocess.Popen[bytes]], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            for proc in procs:
                assert proc.poll() is None, f"{proc.args} exited {proc.returncode}"
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"{url} not ready after {timeout:.0f}s"
            await asyncio.sleep(0.2)


def _nginx_conf(workdir: Path, listen: int, ports: dict[str, int]) -> Path:
    """Top-level file naming the free ports; everything else is the deploy files (linked, not copied)."""
    for part in ("minqing-http.conf", "minqing-locations.conf", "minqing-headers.conf"):
        (workdir / part).symlink_to(NGINX_DIR / part)
    devstack = (NGINX_DIR / "devstack.conf").read_text(encoding="utf-8")
    conf = devstack.replace("listen 127.0.0.1:8100;", f"listen 127.0.0.1:{listen};")
    for service, default in zip(SERVICES, (8101, 8102, 8103, 8104, 8105, 8106), strict=True):
        conf = conf.replace(f"server 127.0.0.1:{default};", f"server 127.0.0.1:{ports[service]};")
    directives = [line for line in conf.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in directives if "127.0.0.1:81" in line], "devstack.conf changed: update the test"
    path = workdir / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def _launch(workdir: Path, envs: dict[str, dict[str, str]], procs: list[subprocess.Popen[bytes]],
            logs: list[Any]) -> Platform:
    """Start the APIs as devstack does, and nginx in the foreground in a prefix under `workdir`."""
    ports = {s: _free_port() for s in SERVICES}
    for env in envs.values():  # villages/departments from this identity (minqing_kit.reference), as devstack does
        env.setdefault("MINQING_REFERENCE_URL", f"http://127.0.0.1:{ports['identity']}/reference")
        env.setdefault("MINQING_REFERENCE_REFRESH_S", "1")
    for service in SERVICES:
        log = (workdir / f"{service}.log").open("wb")
        logs.append(log)
        argv = command_for(service, "api", port=ports[service])
        assert argv[0] == sys.executable and "--root-path" in argv
        procs.append(subprocess.Popen(argv, env=envs[service], stdout=log, stderr=subprocess.STDOUT))
    listen = _free_port()
    prefix = prepare_prefix(workdir / "prefix")
    workdir.chmod(0o755)  # nginx workers (nobody, when the tests run as root) traverse it
    conf = _nginx_conf(workdir, listen, ports)
    nginx_log = workdir / "nginx.log"
    log = nginx_log.open("wb")
    logs.append(log)
    procs.append(subprocess.Popen(nginx_command(conf, prefix), stdout=log, stderr=subprocess.STDOUT))
    return Platform(f"http://127.0.0.1:{listen}", ports, nginx_log)


def _stop(procs: list[subprocess.Popen[bytes]], logs: list[Any], workdir: Path) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for log in logs:
        log.close()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
async def platform(stack: Stack, topics: list[str], make_db: DbFactory) -> AsyncIterator[Platform]:
    workdir = Path(tempfile.mkdtemp(prefix="minqing-proxy-"))
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
        envs = {}
        for service in SERVICES:
            envs[service] = {
                **base_env, "MINQING_ENV": "test", "MINQING_SERVICE": service,
                "MINQING_DATABASE_URL": await make_db(), **stack.kafka_env(service),
                "MINQING_JWT_PUBLIC_KEYS": TEST_JWKS_FILE, "MINQING_LOG_JSON": "false", "MINQING_RUN_RELAY": "false",
                "MINQING_PUBLIC_LOOKUPS_PER_MINUTE": str(LOOKUPS_PER_MINUTE),
                "MINQING_REPORTING_PUBLIC_DASHBOARD": "true",
                # the proxy's address, as in every deployment (compose: MINQING_PROXY_ADDRESSES)
                "FORWARDED_ALLOW_IPS": "127.0.0.1"}
        # identity signs with the session's private key and seeds the demo accounts, as devstack does
        from services.identity.entrypoints.seed import write_plan

        write_plan(workdir / "demo-accounts.json")
        envs["identity"].update({"MINQING_JWT_PRIVATE_KEY_FILE": TEST_PRIVATE_KEY_FILE,
                                 "MINQING_COOKIE_SECURE": "false",
                                 "MINQING_DEMO_ACCOUNTS_FILE": str(workdir / "demo-accounts.json")})
        platform = _launch(workdir, envs, procs, logs)
        for service in SERVICES:
            await _wait_ready(f"{platform.base}/{service}/readyz", procs)
        yield platform
    finally:
        _stop(procs, logs, workdir)


def assert_security_headers(r: httpx.Response) -> None:
    for name in SECURITY_HEADERS:
        assert name in r.headers, f"{r.request.url}: {name} missing"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "strict-transport-security" not in r.headers  # HSTS only where TLS is (compose.conf)


# Per service: a township-scoped list, the township's operator (200) and another township's (403).
SCOPED = {
    "petition": ("/petition/matters", "township", ZHONGZHUANG),
    "safety": ("/safety/hazards", "township_code", ZHONGZHUANG),
    "volunteer": ("/volunteer/requests", "township_code", ZHONGZHUANG),
    "reporting": ("/reporting/api/figures", "township", ZHONGZHUANG),
    "liaison": ("/liaison/households", "township_code", ZHONGZHUANG),
}


async def test_one_address_routes_authorizes_and_serves_docs_and_the_dashboard(
        platform: Platform, watched: Watched) -> None:
    own = bearer("township_operator", ZHONGZHUANG, sub="op-zz")
    other = bearer("township_operator", CHANGZHENG, sub="op-cz")
    async with client_from("127.0.0.2", platform.base) as client:
        for service, (path, param, township) in SCOPED.items():
            # Each prefix reaches its own service (its health answer names it).
            health = await client.get(f"/{service}/healthz")
            assert health.status_code == 200 and health.json()["service"] == service
            assert_security_headers(health)
            # The services' authorization holds through the proxy: no token, wrong township, right token.
            r = await client.get(path, params={param: township})
            assert r.status_code == 401, (path, r.text)
            assert_security_headers(r)
            r = await client.get(path, params={param: township}, headers=other)
            assert r.status_code == 403 and r.json()["error"]["rule"] == "scope", (path, r.text)
            r = await client.get(path, params={param: township}, headers=own)
            assert r.status_code == 200, (path, r.text)
            assert_security_headers(r)
            # OpenAPI behind the prefix: /docs loads /<service>/openapi.json, whose server is the prefix.
            docs = await client.get(f"/{service}/docs")
            assert docs.status_code == 200 and f"'/{service}/openapi.json'" in docs.text
            assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
            spec = await client.get(f"/{service}/openapi.json")
            assert spec.status_code == 200, spec.text
            assert spec.json()["servers"] == [{"url": f"/{service}"}]
        assert (await client.get("/nowhere")).status_code == 404
        root = await client.get("/")
        assert root.status_code == 302 and root.headers["location"].endswith("/workbench/")
        bare = await client.get("/reporting/dashboard")
        assert bare.status_code == 307 and bare.headers["location"] in ("/reporting/dashboard/", f"{platform.base}/reporting/dashboard/")

    # The dashboard through the proxy in Chromium, under the proxy's Content-Security-Policy: ECharts
    # (served locally) draws, the JSON arrives, and nothing is refused or logged as an error.
    browser = watched
    await browser.goto(f"{platform.base}/reporting/dashboard/")
    await browser.wait_for("document.body.dataset.state === 'ready' && !!window.echarts"
                           " && !!document.querySelector('#trend-chart canvas')", timeout=30)
    await browser.wait_for("document.getElementById('live').dataset.status === 'live'", timeout=15)
    assert browser.errors() == []
    urls = browser.requested_urls()
    assert f"{platform.base}/reporting/dashboard/vendor/echarts.min.js" in urls
    assert all(u.startswith(platform.base) for u in urls if u.startswith("http")), urls


async def test_public_routes_are_limited_per_real_client_at_the_proxy_and_in_the_service(
        platform: Platform) -> None:
    lookup = "/petition/public/matters/ABCD234567"

    # A client inventing a new X-Forwarded-For per request is still one client to the service: its own
    # limit (per address per minute) answers 429 after LOOKUPS_PER_MINUTE, below the proxy's burst.
    statuses: list[int] = []
    async with client_from("127.0.0.3", platform.base) as client:
        for i in range(LOOKUPS_PER_MINUTE + 1):
            r = await client.get(lookup, headers={"X-Forwarded-For": f"203.0.113.{i}", "X-Real-IP": f"198.51.100.{i}"})
            statuses.append(r.status_code)
    assert statuses == [404] * LOOKUPS_PER_MINUTE + [429], statuses
    assert r.json()["error"]["rule"] == "rate_limit"  # the service's answer, not the proxy's
    assert int(r.headers["Retry-After"]) >= 1
    assert_security_headers(r)
    # Another real client still has its whole budget.
    async with client_from("127.0.0.4", platform.base) as client:
        assert (await client.get(lookup)).status_code == 404

    # A burst from one client: nginx answers 429 (with Retry-After) once the burst is spent, before the
    # request reaches Python; what passes meets the service's own limit (404 for the unknown code, then
    # the service's 429).
    async with client_from("127.0.0.5", platform.base) as client:
        answers = await asyncio.gather(*(
            client.post("/petition/public/matters/ABCD234567/rating",
                        json={"phone_tail": "1234", "satisfaction": "satisfied"},
                        headers={"X-Forwarded-For": f"203.0.113.{i}"})
            for i in range(PROXY_BURST + 8)))
    at_proxy = [r for r in answers if r.status_code == 429 and r.json()["error"]["rule"] == "proxy_rate_limit"]
    passed = sorted(r.status_code for r in answers if r not in at_proxy)
    # 1 + burst pass at once (one more if the 2 r/s refill lands within the burst); the rest are refused
    assert PROXY_BURST + 1 <= len(passed) <= PROXY_BURST + 2, passed
    assert passed.count(404) == LOOKUPS_PER_MINUTE and set(passed) == {404, 429}, passed
    assert len(at_proxy) >= 6
    for r in at_proxy:
        assert r.headers["Retry-After"] == "1"
        assert_security_headers(r)
    assert "limiting requests" in platform.nginx_log.read_text(errors="replace")
    # Staff routes are not limited by the public zone.
    async with client_from("127.0.0.5", platform.base) as client:
        assert (await client.get("/petition/matters", headers=bearer("county_admin", COUNTY))).status_code == 200


async def test_a_demo_account_signs_in_at_the_one_address_and_uses_the_session(platform: Platform) -> None:
    """As a newcomer would after ./scripts/platform: sign in at /identity/auth/login with a printed demo
    account, then call /petition/ with the session cookie (reads) and the CSRF header (writes)."""
    import json

    plan = json.loads((Path(platform.nginx_log).parent / "demo-accounts.json").read_text(encoding="utf-8"))
    admin = next(a for a in plan if a["role"] == "county_admin")
    async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
        login = await client.post("/identity/auth/login", json={"username": admin["username"],
                                                                "password": admin["password"]})
        assert login.status_code == 200, login.text
        assert {"mq_access", "mq_refresh", "mq_csrf"} <= {c.name for c in client.cookies.jar}
        assert_security_headers(login)
        listed = await client.get("/petition/matters")  # the cookie alone
        assert listed.status_code == 200, listed.text
        note = {"text": "试用"}
        refused = await client.post(f"/petition/matters/{uuid.uuid4()}/notes", json=note)
        assert refused.status_code == 403 and refused.json()["error"]["rule"] == "csrf"
        csrf = client.cookies.get("mq_csrf") or ""
        passed = await client.post(f"/petition/matters/{uuid.uuid4()}/notes", json=note,
                                   headers={"X-CSRF-Token": csrf})
        assert passed.status_code == 404, passed.text  # past authentication and CSRF: the matter does not exist
        refreshed = await client.post("/identity/auth/refresh", headers={"X-CSRF-Token": csrf})
        assert refreshed.status_code == 200, refreshed.text  # the refresh cookie's path is /identity/auth
        out = await client.post("/identity/auth/logout", headers={"X-CSRF-Token": client.cookies.get("mq_csrf") or ""})
        assert out.status_code == 204
        assert (await client.get("/petition/matters")).status_code == 401


async def test_every_demo_role_signed_in_gets_what_a_minted_token_gets_on_every_service(
        platform: Platform) -> None:
    """For each role (the demo accounts), a token from sign-in and a token minted with the same role and
    scope get the same status on reads and writes of the four domain services, through the proxy; and the
    session cookie (with its CSRF header) gets it too."""
    import json

    from tests.integration.conftest import TEST_SIGNER

    plan = json.loads((Path(platform.nginx_log).parent / "demo-accounts.json").read_text(encoding="utf-8"))
    missing = uuid.uuid4()
    probes = [("GET", "/petition/matters", None), ("GET", "/safety/hazards", None),
              ("GET", "/volunteer/requests", None), ("GET", "/reporting/api/figures", None),
              ("POST", f"/petition/matters/{missing}/supervision", {"note": "督办"}),
              ("POST", f"/safety/hazards/{missing}/plan", {"measures": "整改", "due": "2026-12-31"}),
              ("POST", f"/volunteer/requests/{missing}/approve", {})]
    seen: set[int] = set()
    for account in plan:
        async with httpx.AsyncClient(base_url=platform.base, timeout=30) as session, \
                httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
            login = await session.post("/identity/auth/login", json={"username": account["username"],
                                                                     "password": account["password"]})
            assert login.status_code == 200, login.text
            signed = {"Authorization": f"Bearer {login.json()['access_token']}"}
            minted = {"Authorization": "Bearer " + TEST_SIGNER.mint(
                "minted", account["role"], account["township"], department=account.get("department"))}
            csrf = {"X-CSRF-Token": session.cookies.get("mq_csrf") or ""}
            for method, path, body in probes:
                a = await client.request(method, path, headers=signed, json=body)
                b = await client.request(method, path, headers=minted, json=body)
                c = await session.request(method, path, headers=csrf if method != "GET" else {}, json=body)
                assert a.status_code == b.status_code == c.status_code, \
                    (account["role"], path, a.text, b.text, c.text)
                assert a.status_code not in (401, 500)
                seen.add(a.status_code)
    assert 200 in seen and 403 in seen  # the probes do tell roles apart
