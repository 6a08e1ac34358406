"""Scale-out under faults (issue 17), on a real three-broker Kafka cluster (RF 3, min.insync.replicas 2).

Real processes, started as devstack starts them (`devstack.services.command_for`): petition API ×2 and
worker ×2 (outbox relay with advisory-lock leadership, deadline watcher), volunteer API ×2 and worker ×2
(faust group: the auto-dispatch agent), reporting worker ×2 (batch group consumer) and API ×1.
A client writes at a steady rate, round-robin over the API replicas, with retries: petition
registrations (each one also raises a 'route deadline approaching' alert at once: route 1 day, warn
2 days ahead) and volunteer requests (submitted, then approved, then dispatched by the worker).

Under load: one broker is killed with SIGKILL and restarted 15 s later; then the first worker of each
service (the one that leads the petition relay) is killed with SIGKILL and restarted 10 s later.
Afterwards: every accepted call has exactly one event id on Kafka; the reporting figures equal the
accepted counts; no request was dispatched twice; no deadline alert was announced twice; no client call
failed beyond its retries. The recovery times (worst call → visible delay around each fault) are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from devstack.kafka import KafkaCluster
from devstack.services import command_for
from devstack.stack import Stack, free_port
from minqing_contract import STREAMS, decode
from minqing_kit.kafka_auth import KafkaConnection, client_options
from tests.integration.conftest import TEST_JWKS_FILE, bearer

pytestmark = pytest.mark.timeout(420)

ROOT = Path(__file__).resolve().parent.parent.parent
COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"  # 忠庄镇
QINLE = "990102101201"  # 勤乐村
ADMIN = bearer("county_admin", COUNTY, sub="fault-admin")
SUPERVISOR = bearer("county_supervisor", COUNTY, sub="fault-supervisor")
CST = timezone(timedelta(hours=8))
RELAY_LOCK_KEY = 0x6F757462  # minqing_kit.outbox: the advisory lock the leading relay holds

LOAD_S = 45.0
PETITION_EVERY_S = 0.25  # 4 registrations a second
REQUEST_EVERY_S = 0.5  # 2 volunteer requests a second (submit + approve)
BROKER_KILL_AT, BROKER_BACK_AT = 5.0, 20.0
WORKERS_KILL_AT, WORKERS_BACK_AT = 25.0, 35.0
WINDOW_S = 10.0  # calls accepted this long after a fault count towards its recovery time
RETRIES = 6


# ----- processes --------------------------------------------------------------------------------------

@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=sink,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def kill9(self) -> None:
        assert self.popen is not None and self.popen.poll() is None, f"{self.name} not running"
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Platform:
    stack: Stack
    workdir: Path
    dbs: dict[str, str]
    procs: dict[str, Proc] = field(default_factory=dict)

    def add(self, service: str, role: str, n: int, extra: dict[str, str]) -> Proc:
        port = free_port()
        argv = command_for(service, role, port=port) if role == "api" else command_for(service, role)
        base = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
        env = {**base, "MINQING_ENV": "test", "MINQING_SERVICE": service, "MINQING_JWT_PUBLIC_KEYS": TEST_JWKS_FILE,
               "MINQING_LOG_JSON": "false", "MINQING_DATABASE_URL": self.stack.dsn(self.dbs[service]),
               **self.stack.kafka_env(service), "PYTHONUNBUFFERED": "1", "MINQING_REFERENCE_URL": "",
               "MINQING_RUN_RELAY": "true" if role == "worker" and service != "reporting" else "false",
               "MINQING_METRICS_PORT": str(free_port()), **extra}
        proc = Proc(f"{service}-{role}-{n}", argv, env, self.workdir / f"{service}-{role}-{n}.log",
                    port if role == "api" else None)
        self.procs[proc.name] = proc
        return proc

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.procs[name].port}"

    def dead(self) -> list[str]:
        return [p.name for p in self.procs.values() if p.popen is not None and p.popen.poll() is not None]

    def stop(self) -> None:
        for p in self.procs.values():
            if p.alive():
                assert p.popen is not None
                p.popen.terminate()
        for p in self.procs.values():
            if p.popen is not None:
                try:
                    p.popen.wait(20)
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait(10)


def tail(path: Path, lines: int = 25) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


async def until(check: Callable[[], Awaitable[Any]], timeout: float, what: str, platform: Platform) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError, OSError, asyncpg.PostgresError):
            if got := await check():
                return got
        if dead := [n for n in platform.dead() if platform.procs[n].alive() is False and n not in KILLED]:
            raise AssertionError(f"{dead} exited:\n" + "\n".join(tail(platform.procs[n].log) for n in dead))
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout:.0f} s")
        await asyncio.sleep(0.25)


KILLED: set[str] = set()  # processes this test killed on purpose (not a failure while they are down)
KILLED_ONCE: set[str] = set()


async def relay_leader_pid(dsn: str) -> int | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(  # type: ignore[no-any-return]
            "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            f" AND l.granted AND l.classid = 0 AND l.objid = {RELAY_LOCK_KEY} AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    finally:
        await conn.close()


# ----- what the readers saw ---------------------------------------------------------------------------

@dataclass
class Seen:
    """Every record on the three domain topics: first arrival of each (key, type), copies per event id."""
    arrivals: dict[tuple[str, str], float] = field(default_factory=dict)
    ids_by_call: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    copies: Counter[str] = field(default_factory=Counter)
    dispatches: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    alerts: Counter[tuple[str, str, str]] = field(default_factory=Counter)


async def read_topics(kafka: KafkaConnection, seen: Seen, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False, auto_offset_reset="earliest",
                                metadata_max_age_ms=2000)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(s.name, p) for s in STREAMS.values() if s.name != STREAMS["safety"].name
                         for p in range(s.partitions)])
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batch.values():
                for r in records:
                    headers = dict(r.headers)
                    ce_id, ce_type = headers["ce_id"].decode(), headers["ce_type"].decode()
                    key = (r.key or b"").decode()
                    seen.copies[ce_id] += 1
                    seen.ids_by_call[(key, ce_type)].add(ce_id)
                    seen.arrivals.setdefault((key, ce_type), now)
                    if seen.copies[ce_id] > 1:
                        continue
                    if ce_type == "volunteer.request_dispatched":
                        seen.dispatches[key].append(decode(r.key, r.value, r.headers).payload.attempt)  # type: ignore[attr-defined]
                    elif ce_type in ("petition.deadline_approaching", "petition.overdue"):
                        payload = decode(r.key, r.value, r.headers).payload
                        seen.alerts[(key, ce_type, str(payload.deadline.value))] += 1  # type: ignore[attr-defined]
    finally:
        await consumer.stop()


@dataclass
class Client:
    """Round-robin over replicas; a failed attempt (connection error, 5xx) is retried on the next replica."""
    http: httpx.AsyncClient
    bases: dict[str, list[str]]
    turn: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    failures: list[str] = field(default_factory=list)

    async def post(self, service: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        last = ""
        for attempt in range(RETRIES):
            bases = self.bases[service]
            base = bases[self.turn[service] % len(bases)]
            self.turn[service] += 1
            try:
                r = await self.http.post(base + path, json=body, headers=headers)
                if r.status_code < 500:
                    assert r.status_code in (200, 201), f"{service} {path}: {r.status_code} {r.text}"
                    return r.json()
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.TransportError as exc:
                last = repr(exc)
            self.retries += 1
            await asyncio.sleep(0.2 * (attempt + 1))
        self.failures.append(f"{service} {path}: {last}")
        return None


def matter_body(rng: random.Random) -> dict[str, Any]:
    n = rng.randrange(10**8)
    return {"channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
            "township_code": ZHONGZHUANG, "village_code": QINLE,
            "content": f"工地拖欠工资，第{n}号工单，要求支付",
            "petitioners": [{"name": "赵测试", "phone": f"139{n:08d}", "id_number": None,
                             "is_representative": False}], "headcount": 1}


# ----- the test ---------------------------------------------------------------------------------------

@pytest.fixture
async def platform(cluster_stack: Stack) -> AsyncIterator[Platform]:
    tag = uuid.uuid4().hex[:8]
    dbs = {s: f"fault_{tag}_{s}" for s in ("petition", "volunteer", "reporting")}
    admin = await asyncpg.connect(cluster_stack.dsn())
    try:
        for name in dbs.values():
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    workdir = Path(tempfile.mkdtemp(prefix="minqing-faults-"))
    p = Platform(cluster_stack, workdir, dbs)
    petition = {"MINQING_ROUTE_DAYS": "1", "MINQING_APPROACHING_DAYS": "2", "MINQING_ROLL_OVER_REST_DAYS": "false",
                "MINQING_WATCHER_INTERVAL_SECONDS": "1"}
    volunteer = {"MINQING_VOLUNTEER_WORKER_ID": f"minqing-volunteer-worker-fault-{tag}",  # the ACLs allow its prefix
                 "MINQING_VOLUNTEER_ACCEPT_TIMEOUT_MINUTES": "600"}
    reporting = {"MINQING_REPORTING_CONSUMER": f"reporting-fault-{tag}"}
    for n in (1, 2):
        p.add("petition", "worker", n, petition)
        p.add("petition", "api", n, petition)
        p.add("volunteer", "worker", n, volunteer)
        p.add("volunteer", "api", n, volunteer)
        p.add("reporting", "worker", n, reporting)
    p.add("reporting", "api", 1, reporting)
    try:
        yield p
    finally:
        p.stop()
        admin = await asyncpg.connect(cluster_stack.dsn())
        try:
            for name in dbs.values():
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        if not os.environ.get("MINQING_KEEP_FAULT_LOGS"):
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


async def start_platform(p: Platform, http: httpx.AsyncClient) -> None:
    """First members first (they migrate the databases and take the relay lock), then their twins."""
    async def ready(name: str) -> bool:
        return (await http.get(p.url(name) + "/readyz")).status_code == 200

    async def metrics(name: str) -> bool:
        return (await http.get(f"http://127.0.0.1:{p.procs[name].env['MINQING_METRICS_PORT']}/metrics")).status_code == 200

    for n in (1, 2):
        for name in ("petition-worker", "volunteer-worker", "reporting-worker", "petition-api", "volunteer-api"):
            p.procs[f"{name}-{n}"].start()
        if n == 1:
            p.procs["reporting-api-1"].start()
        for name in ("petition-worker", "volunteer-worker", "reporting-worker"):
            await until(lambda name=name, n=n: metrics(f"{name}-{n}"), 120, f"{name}-{n} serving metrics", p)  # type: ignore[misc]
        for name in ("petition-api", "volunteer-api", *(("reporting-api",) if n == 1 else ())):
            await until(lambda name=name, n=n: ready(f"{name}-{n}"), 120, f"{name}-{n} ready", p)  # type: ignore[misc]
        if n == 1:
            await until(lambda: relay_leader_pid(p.stack.dsn(p.dbs["petition"])), 60, "petition relay leading", p)


async def test_services_survive_a_lost_broker_and_killed_workers(platform: Platform, cluster_stack: Stack) -> None:
    p = platform
    cluster = cluster_stack.kafka
    assert isinstance(cluster, KafkaCluster)
    rng = random.Random(17)
    seen = Seen()
    stop_reader = asyncio.Event()
    async with httpx.AsyncClient(timeout=10) as http:
        await start_platform(p, http)
        # A team in 勤乐村 that takes every ecology request (capacity far above the test's load).
        station = (await http.post(p.url("volunteer-api-1") + "/stations", headers=ADMIN, json={
            "level": "village", "division_code": QINLE, "name": "勤乐村新时代文明实践站"})).json()["id"]
        team = await http.post(p.url("volunteer-api-1") + "/teams", headers=ADMIN, json={
            "name": "勤乐村生态环保志愿服务队", "home_station_id": station, "specialties": ["ecology"], "capacity": 1000})
        assert team.status_code == 201, team.text

        reader = asyncio.create_task(read_topics(cluster_stack.kafka_admin, seen, stop_reader))
        client = Client(http, {"petition": [p.url("petition-api-1"), p.url("petition-api-2")],
                               "volunteer": [p.url("volunteer-api-1"), p.url("volunteer-api-2")]})
        matters: dict[str, float] = {}  # matter id → accepted at
        requests: dict[str, float] = {}  # request id → approved at
        submitted: dict[str, float] = {}
        figure_samples: list[tuple[float, int, int]] = []
        events: dict[str, float] = {}
        t0 = time.monotonic()

        async def register() -> None:
            got = await client.post("petition", "/matters", matter_body(rng), ADMIN)
            if got:
                matters[str(got["matter_id"])] = time.monotonic()

        async def request() -> None:
            got = await client.post("volunteer", "/requests", {
                "category": "ecology", "village_code": QINLE, "description": "清理村口废旧农膜", "urgency": "normal",
                "requester_name": "赵大爷", "requester_phone": "13712345678"}, ADMIN)
            if got:
                rid = str(got["id"])
                submitted[rid] = time.monotonic()
                if await client.post("volunteer", f"/requests/{rid}/approve", {}, ADMIN) is not None:
                    requests[rid] = time.monotonic()

        async def load() -> None:
            tasks: set[asyncio.Task[None]] = set()
            next_p = next_r = time.monotonic()
            while (now := time.monotonic()) - t0 < LOAD_S:
                if now >= next_p:
                    tasks.add(asyncio.create_task(register()))
                    next_p += PETITION_EVERY_S
                if now >= next_r:
                    tasks.add(asyncio.create_task(request()))
                    next_r += REQUEST_EVERY_S
                tasks = {t for t in tasks if not t.done()}
                await asyncio.sleep(min(next_p, next_r) - time.monotonic() if min(next_p, next_r) > now else 0)
            await asyncio.gather(*tasks)

        today = datetime.now(CST).date()
        params = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1))}

        async def figures() -> tuple[int, int]:
            r = await http.get(p.url("reporting-api-1") + "/api/figures", params=params, headers=SUPERVISOR)
            assert r.status_code == 200, r.text
            f = r.json()["figures"]
            return int(f["petitions_received"]["value"]), int(f["volunteer_requests"]["value"])

        async def poll_figures() -> None:
            while not stop_reader.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    petitions, reqs = await figures()
                    figure_samples.append((time.monotonic(), petitions, reqs))
                await asyncio.sleep(0.5)

        async def faults() -> None:
            async def at(offset: float) -> None:
                await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))

            await at(BROKER_KILL_AT)
            cluster.node(1).kill()
            events["broker 1 killed"] = time.monotonic()
            await at(BROKER_BACK_AT)
            cluster.restart(1)
            events["broker 1 restarted"] = time.monotonic()
            await at(WORKERS_KILL_AT)
            leader = await relay_leader_pid(p.stack.dsn(p.dbs["petition"]))
            victims = ["volunteer-worker-1", "reporting-worker-1"]
            # the petition worker whose relay leads (its twin must take over the outbox)
            petition_victim, found = "petition-worker-1", False
            for n in (1, 2):
                proc = p.procs[f"petition-worker-{n}"]
                if proc.popen is not None and leader is not None and await _backend_of(p, leader) == proc.popen.pid:
                    petition_victim, found = proc.name, True
            victims.append(petition_victim)
            events[f"relay leader killed: {petition_victim}"] = float(found)
            for name in victims:
                KILLED.add(name)
                KILLED_ONCE.add(name)
                p.procs[name].kill9()
            events["workers killed"] = time.monotonic()
            await at(WORKERS_BACK_AT)
            for name in victims:
                p.procs[name].start()
                KILLED.discard(name)
            events["workers restarted"] = time.monotonic()

        poller = asyncio.create_task(poll_figures())
        await asyncio.gather(load(), faults())
        load_end = time.monotonic()

        # ----- convergence: everything accepted reaches Kafka, the dispatcher and the figures ------------
        def converged() -> bool:
            return (all((m, "petition.registered") in seen.arrivals for m in matters)
                    and all((m, "petition.deadline_approaching") in seen.arrivals for m in matters)
                    and all((r, "volunteer.request_dispatched") in seen.arrivals for r in requests)
                    and bool(figure_samples) and figure_samples[-1][1:] == (len(matters), len(submitted)))

        async def check_converged() -> bool:
            return converged()

        def progress() -> str:
            """What had arrived by the deadline (the failure says which part lagged)."""
            def count(keys: dict[str, float], kind: str) -> str:
                return f"{sum((k, kind) in seen.arrivals for k in keys)}/{len(keys)}"
            return (f"registered {count(matters, 'petition.registered')}, alerts"
                    f" {count(matters, 'petition.deadline_approaching')}, dispatched"
                    f" {count(requests, 'volunteer.request_dispatched')}, last figures"
                    f" {figure_samples[-1][1:] if figure_samples else None} of {(len(matters), len(submitted))}")

        try:
            await until(check_converged, 150, "events, dispatches, alerts and figures caught up", p)
        except AssertionError as exc:
            raise AssertionError(f"{exc} ({progress()})") from None
        finally:
            stop_reader.set()
            await asyncio.gather(reader, poller, return_exceptions=True)
        converged_after = time.monotonic() - load_end
        await asyncio.sleep(0)

        # a last look: nothing more arrives later (a late duplicate dispatch or alert)
        petitions_fig, requests_fig = await figures()

    # ----- the claims --------------------------------------------------------------------------------
    assert not client.failures, f"calls failed beyond {RETRIES} attempts: {client.failures[:5]}"
    assert not [n for n in p.dead() if n not in KILLED], f"processes died: {p.dead()}"
    calls = ([(m, "petition.registered") for m in matters] + [(r, "volunteer.request_submitted") for r in submitted]
             + [(r, "volunteer.request_approved") for r in requests])
    not_one = {c: seen.ids_by_call.get(c) for c in calls if len(seen.ids_by_call.get(c, ())) != 1}
    assert not not_one, f"accepted calls without exactly one event id: {list(not_one.items())[:5]}"
    twice = {r: a for r, a in seen.dispatches.items() if len(a) != 1}
    assert not twice, f"requests dispatched more than once: {list(twice.items())[:5]}"
    alerts_twice = {k: n for k, n in seen.alerts.items() if n != 1}
    assert not alerts_twice, f"deadline alerts announced more than once: {list(alerts_twice.items())[:5]}"
    assert {k for k, _, _ in seen.alerts} == set(matters)
    assert (petitions_fig, requests_fig) == (len(matters), len(submitted))
    conn = await asyncpg.connect(cluster_stack.dsn(p.dbs["petition"]))
    try:
        alert_rows = await conn.fetchval("SELECT count(*) FROM deadline_alerts")
    finally:
        await conn.close()
    assert alert_rows == len(matters)
    redelivered = sum(n - 1 for n in seen.copies.values() if n > 1)

    # ----- recovery times ------------------------------------------------------------------------------
    def delays(accepted: dict[str, float], kind: str, since: float | None = None) -> list[float]:
        return [seen.arrivals[(k, kind)] - at for k, at in accepted.items()
                if since is None or since <= at < since + WINDOW_S]

    def figure_delays(accepted: dict[str, float], column: int, since: float | None = None) -> list[float]:
        out = []
        ordered = sorted(accepted.values())
        for i, at in enumerate(ordered):
            if since is not None and not since <= at < since + WINDOW_S:
                continue
            shown = next((t for t, *vals in figure_samples if vals[column - 1] >= i + 1 and t >= at), None)
            if shown is not None:
                out.append(shown - at)
        return out

    def line(label: str, values: list[float]) -> str:
        if not values:
            return f"  {label}: (no calls in the window)"
        return f"  {label}: p50 {statistics.median(values):.2f} s, worst {max(values):.2f} s ({len(values)} calls)"

    led = [k for k in events if k.startswith("relay leader killed")]
    assert led and events[led[0]], "the leading petition relay was not found (pg_locks → worker process)"
    broker_at, workers_at = events["broker 1 killed"], events["workers killed"]
    report = [
        f"cluster faults: {len(matters)} petitions, {len(submitted)} requests ({len(requests)} approved) accepted in "
        f"{LOAD_S:.0f} s; {client.retries} retried attempts, 0 failed calls; {redelivered} redelivered copies "
        f"(same event id) on Kafka; converged {converged_after:.1f} s after the load",
        line("accept → on Kafka (petition.registered), whole run", delays(matters, "petition.registered")),
        f"broker 1 killed at t={broker_at - t0:.1f} s (restarted t={events['broker 1 restarted'] - t0:.1f} s),"
        f" calls accepted within {WINDOW_S:.0f} s after:",
        line("registration → on Kafka", delays(matters, "petition.registered", broker_at)),
        line("approval → dispatched on Kafka", delays(requests, "volunteer.request_dispatched", broker_at)),
        line("registration → reporting figure", figure_delays(matters, 1, broker_at)),
        f"workers killed ({', '.join(sorted(KILLED_ONCE))}) at t={workers_at - t0:.1f} s (restarted t={events['workers restarted'] - t0:.1f} s),"
        f" calls accepted within {WINDOW_S:.0f} s after:",
        line("registration → on Kafka (relay fail-over)", delays(matters, "petition.registered", workers_at)),
        line("registration → alert on Kafka (watcher)", delays(matters, "petition.deadline_approaching", workers_at)),
        line("approval → dispatched (faust group)", delays(requests, "volunteer.request_dispatched", workers_at)),
        line("registration → reporting figure (group reader)", figure_delays(matters, 1, workers_at)),
        line("baseline registration → reporting figure, whole run", figure_delays(matters, 1)),
    ]
    sys.stdout.write("\n" + "\n".join(report) + "\n")


async def _backend_of(p: Platform, backend_pid: int) -> int | None:
    """The client process (our worker's pid) of a PostgreSQL backend, from the backend's TCP peer port."""
    conn = await asyncpg.connect(p.stack.dsn(p.dbs["petition"]))
    try:
        port = await conn.fetchval("SELECT client_port FROM pg_stat_activity WHERE pid = $1", backend_pid)
    finally:
        await conn.close()
    return None if port is None else _process_with_port(p, port)


def _process_with_port(p: Platform, port: int) -> int | None:
    """Which of our processes holds the local TCP `port` (via /proc: socket inode → open descriptor)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                cols = row.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inode = cols[9]
    if inode is None:
        return None
    for proc in p.procs.values():
        if proc.popen is None or not proc.alive():
            continue
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{proc.popen.pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return proc.popen.pid
    return None
