"""End-to-end latency benchmark (issue 7): a service's API call → the figure changing in the reporting API.

    .venv/bin/python bench/e2e.py [--seconds 60] [--rate 200] [--warmup 10] [--probe-interval 0.15] [--lanes 4]

Target: p99 under 1 second while the platform carries 200 events/s.

Starts a private Kafka and PostgreSQL (devstack, temporary directory, free ports; never the stack on
9092/5432) and runs the platform's eight processes as production runs them (deploy/k8s, Procfile), as
subprocesses on free ports with MINQING_ENV=production and freshly generated secrets:
petition/safety/volunteer API (uvicorn, no relay) and worker (outbox relay, watchers, faust agent),
reporting worker (faust ingest) and reporting API (uvicorn). Each service has its own database.

- Background load, `--rate` events/s open loop (started every 1/rate s, whatever the earlier ones do),
  from a separate process; the achieved rate is counted on Kafka (end offsets of the three domain topics
  over the measured window, probes excluded):
  `--load bus` (default): simulated county activity (simulator.history, dated from yesterday on)
  produced straight onto the topics, as the services' outbox relays publish it — the reporting
  pipeline carries `--rate` events/s while the probes go through a real service API;
  `--load api`: through the services' public HTTP APIs: petition registrations (40 %), volunteer
  requests (30 %) and routine inspections that find nothing (30 %) — one event each, payloads from the
  live simulator (simulator/live.py). A petition registration costs ~3.6 ms of CPU (API ~2.0,
  PostgreSQL ~1.3, relay ~0.4: bench/api.py, session 7), but the eight processes, Kafka, the reporting
  pipeline and the load generator together used 1.6 cores for 157 events/s on a 2-core machine shared
  with other work (load average 6.6 → 11): 200/s this way still needs more than two shared cores.
- Probes: the last `--lanes` townships of the county are kept for the probes (the background registers
  petitions elsewhere). Every `--probe-interval` s one lane registers a petition through the petition
  API; the clock starts just before that call. One poller reads `GET /api/figures/petitions_received`
  (county, by township, yesterday..tomorrow) every 10 ms; a probe's latency ends at the first response
  in which its township's count went up. A lane has one probe outstanding at a time, so every increment
  belongs to exactly one probe (no guessing about order); a lane whose probe is slow probes less often.
  Breakdown: the API call itself, and call → the record arriving at a plain Kafka consumer.
- Warm-up (`--warmup` s, load and probes running, every lane's first probe seen) is not measured; it
  ends with an ANALYZE of every database, as autovacuum would have done on a database in service
  (plans cached on the new, empty tables scan them whole on every call: see bench/api.py --pg-stats).

Latency includes the poller's resolution (on average half a poll round: the poll's answer time, printed,
plus 10 ms). Timings go to stdout; nothing is asserted. On a 2-core machine the benchmark itself, the eight service processes, Kafka and PostgreSQL
share the CPU: the per-process CPU line shows where the time went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from minqing_kit.kafka_auth import KafkaConnection, client_options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from cryptography.fernet import Fernet

from bench._common import pct
from devstack.stack import Stack, free_port, temporary_stack
from minqing_contract import STREAMS
from minqing_contract.divisions import load_county
from minqing_contract.topics import create_topics
from minqing_kit.auth import TokenSigner, write_keypair
from simulator.history import CATEGORY_WEIGHTS, SHANGHAI, SUBCATEGORIES, generate
from simulator.live import LiveSimulator
from simulator.people import People
from simulator.produce import encoded

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 1000.0
DOMAINS = ("petition", "safety", "volunteer")
MIX = (("petition", 0.4), ("volunteer", 0.3), ("safety", 0.3))
FIGURE = "petitions_received"
POLL_PAUSE_S = 0.010
RELAY_LOCK_KEY = 0x6F757462  # minqing_kit.outbox._RELAY_LOCK_KEY: held by the relay that leads
PARTITIONS = [TopicPartition(s.name, p) for s in STREAMS.values() for p in range(s.partitions)]


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ----- the platform's processes ------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Child side of fork: SIGTERM when the benchmark dies, even by SIGKILL (no orphaned services)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None


@dataclass
class Platform:
    stack: Stack
    logs: Path
    #: the signing key pair (private key file for the load and the probes; services get the JWKS only)
    keys: tuple[Path, Path]
    procs: list[Proc] = field(default_factory=list)

    def url(self, service: str) -> str:
        proc = next(p for p in self.procs if p.name == f"{service}-api")
        return f"http://127.0.0.1:{proc.port}"

    def env(self, service: str, role: str, secrets_env: dict[str, str], metrics_port: int | None) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
        env = {**base, **secrets_env, "MINQING_ENV": "production", "MINQING_SERVICE": service,
               "MINQING_DATABASE_URL": self.stack.dsn(f"minqing_{service}"),
               **self.stack.kafka_env(service),
               # as devstack/services.py and deploy/k8s: the worker runs the outbox relay, the API only writes
               "MINQING_RUN_RELAY": "true" if role == "worker" and service != "reporting" else "false",
               "PYTHONUNBUFFERED": "1"}
        if metrics_port is not None:
            env["MINQING_METRICS_PORT"] = str(metrics_port)
        return env

    def start(self) -> None:
        secrets_env = {"MINQING_JWT_PUBLIC_KEYS": str(self.keys[1]), "MINQING_PSEUDONYM_KEY": secrets.token_urlsafe(48),
                       "MINQING_PII_KEY": Fernet.generate_key().decode()}
        for service in (*DOMAINS, "reporting"):
            for role in ("worker", "api"):
                port = free_port()
                if role == "api":
                    argv = [sys.executable, "-m", "uvicorn", f"services.{service}.entrypoints.api:app",
                            "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
                    env = self.env(service, role, secrets_env, None)
                else:
                    argv = [sys.executable, "-m", f"services.{service}.entrypoints.worker"]
                    env = self.env(service, role, secrets_env, port)
                name = f"{service}-{role}"
                log = self.logs / f"{name}.log"
                with log.open("wb") as sink:
                    popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink,
                                             stderr=subprocess.STDOUT, start_new_session=True,
                                             preexec_fn=_die_with_parent)
                self.procs.append(Proc(name, popen, log, port))

    def dead(self) -> list[Proc]:
        return [p for p in self.procs if p.popen.poll() is not None]

    def stop(self, timeout: float = 30.0) -> list[str]:
        """SIGTERM all (graceful: uvicorn and run_worker drain), SIGKILL what is still up after `timeout`."""
        for p in self.procs:
            if p.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    p.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        killed = []
        for p in self.procs:
            try:
                p.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killed.append(p.name)
                p.popen.kill()
                p.popen.wait(10)
        return killed


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(*pids: int | None, with_children_of: int | None = None) -> float:
    """User + system CPU of `pids` (and of the live children of `with_children_of`, e.g. PostgreSQL backends)."""
    wanted = {pid for pid in pids if pid}
    if with_children_of:
        wanted.add(with_children_of)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (f := _stat(int(entry.name))) and int(f[1]) == with_children_of:
                wanted.add(int(entry.name))
    ticks = 0
    for pid in wanted:
        if f := _stat(pid):
            ticks += int(f[11]) + int(f[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# ----- readiness ---------------------------------------------------------------------------------------

async def wait_ready(platform: Platform, timeout: float = 180.0) -> None:
    """Every API answers /readyz, every domain worker's relay holds the leader lock."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=3.0) as client:
        for service in (*DOMAINS, "reporting"):
            while True:
                if dead := platform.dead():
                    raise RuntimeError(f"{', '.join(p.name for p in dead)} exited during start-up")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(platform.url(service) + "/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} API not ready after {timeout:.0f} s")
                await asyncio.sleep(0.25)
    for service in DOMAINS:
        conn = await asyncpg.connect(platform.stack.dsn(f"minqing_{service}"))
        try:
            while not await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                    f" AND classid = 0 AND objid = {RELAY_LOCK_KEY} AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"):
                if dead := platform.dead():
                    raise RuntimeError(f"{', '.join(p.name for p in dead)} exited during start-up")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} worker's outbox relay not leading after {timeout:.0f} s")
                await asyncio.sleep(0.25)
        finally:
            await conn.close()


# ----- background load (its own process, so that its CPU does not delay the probes' clocks) ----------

LOAD_COUNTERS = ("petition", "volunteer", "safety", "failed", "crashed", "missed")
ACTION_OF = {"petition.register": "petition", "volunteer.submit": "volunteer", "safety.inspect_routine": "safety"}


class _Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.content = status, body

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class AiohttpClient:
    """The part of httpx.AsyncClient that LiveSimulator uses, on aiohttp (far less CPU a request)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, refusals: dict[str, str]) -> None:
        self.session, self.base_url, self.refusals = session, base_url, refusals

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, json: Any = None,
                      params: Any = None) -> _Response:
        try:
            async with self.session.request(method, self.base_url + path, headers=headers, json=json,
                                            params=params) as r:
                response = _Response(r.status, await r.read())
            if response.status_code >= 400:  # the last answer of each kind, for the report
                self.refusals[f"{method} {path.split('/')[1]} {response.status_code}"] = response.text[:300]
            return response
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:  # LiveSimulator retries these
            raise httpx.ConnectError(repr(exc)) from exc


@dataclass
class Load:
    sim: LiveSimulator
    rate: float
    crashed: int = 0
    missed: int = 0
    max_in_flight: int = 128

    async def one(self, kind: str, rng: random.Random) -> None:
        """One call; successes and 4xx/5xx are counted by the simulator (`actions`, `errors`)."""
        sim = self.sim
        try:
            if kind == "petition":
                await sim._register_matter()
            elif kind == "volunteer":
                await sim._submit_request()
            else:
                await sim._inspect(rng.choice(sim.enterprises), all_pass=True)
        except Exception:  # counted, the load goes on
            self.crashed += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Open loop: call number i starts at t0 + i/rate, however long the earlier ones take."""
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: set[asyncio.Task[None]] = set()
        kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
        rng = random.Random(5)
        t0, i = loop.time(), 0
        while not stop.is_set():
            due = t0 + i / self.rate
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
                continue
            if now - due > 0.5:  # more than half a second behind: drop the backlog, count it
                skipped = int((now - due) * self.rate)
                self.missed += skipped
                i += skipped
                continue
            await slots.acquire()
            task = asyncio.create_task(self.one(rng.choices(kinds, weights)[0], rng))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            task.add_done_callback(lambda _t: slots.release())
            i += 1
        if tasks:
            await asyncio.wait(tasks, timeout=30)

    def publish(self, counters: Any) -> None:
        done = Counter({ACTION_OF[k]: n for k, n in self.sim.actions.items() if k in ACTION_OF})
        values = [done["petition"], done["volunteer"], done["safety"], sum(self.sim.errors.values()),
                  self.crashed, self.missed]
        for i, value in enumerate(values):
            counters[i] = value


def load_process(urls: dict[str, str], key_file: str, rate: float, probe_codes: list[str], counters: Any,
                 ready: Any, stop: Any, report: Any) -> None:
    """Entry of the load process: seed enterprises, then `rate` calls a second until `stop` is set;
    finally puts the simulator's error counts (status → n, whole run) and the last refusal of each kind on `report`."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the benchmark's to handle; it sets `stop`
    asyncio.run(_load_main(urls, key_file, rate, probe_codes, counters, ready, stop, report))


async def _load_main(urls: dict[str, str], key_file: str, rate: float, probe_codes: list[str], counters: Any,
                     ready: Any, stop: Any, report: Any) -> None:
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        refusals: dict[str, str] = {}
        clients = {s: AiohttpClient(session, url, refusals) for s, url in urls.items()}
        sim = LiveSimulator(clients["petition"], clients["safety"], clients["volunteer"],  # type: ignore[arg-type]
                            seed=17, signer=TokenSigner.from_file(key_file), retry_seconds=10, enterprises_per_10k=0.1)
        sim.townships = [t for t in sim.townships if t.code not in probe_codes]  # the probes' townships stay quiet
        sim.weights = [t.population for t in sim.townships]
        await sim._seed_safety()  # enterprises and checklists for the inspections
        if not sim.enterprises or not sim.checklists:
            raise RuntimeError(f"safety seeding failed: {dict(sim.errors)}")
        load = Load(sim, rate)
        ready.set()
        done = asyncio.Event()
        task = asyncio.create_task(load.run(done))
        while not stop.is_set():
            load.publish(counters)
            await asyncio.sleep(0.1)
        done.set()
        await task
        load.publish(counters)
        report.put((dict(sim.errors), refusals))


def bus_load_process(bootstrap: KafkaConnection | str, rate: float, probe_codes: list[str], counters: Any,
                     ready: Any, stop: Any, report: Any) -> None:
    """Entry of the bus-load process: `rate` contract events a second straight onto the three topics,
    as the services' outbox relays publish them (simulated county activity dated from yesterday on,
    the probes' townships left out)."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_bus_load_main(bootstrap, rate, set(probe_codes), counters, ready, stop, report))


async def _bus_load_main(bootstrap: KafkaConnection | str, rate: float, probe_codes: set[str], counters: Any,
                         ready: Any, stop: Any, report: Any) -> None:
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    start = datetime.now(SHANGHAI).date() - timedelta(days=1)
    history = ((payload, record) for payload, record in encoded(generate(start, 3650, seed=23), seed=23, salt="e2e")
               if payload.township_code not in probe_codes)
    sent: Counter[str] = Counter()
    try:
        ready.set()
        loop = asyncio.get_running_loop()
        t0, i = loop.time(), 0
        while not stop.is_set():
            due = t0 + i / rate
            now = loop.time()
            if due > now:
                await asyncio.sleep(min(due - now, 0.01))
                continue
            if now - due > 0.5:  # behind by more than half a second: drop the backlog, count it
                skipped = int((now - due) * rate)
                counters[5] += skipped
                i += skipped
                continue
            payload, record = next(history)
            await producer.send(record.topic, record.value, key=record.key, headers=record.headers)
            sent[payload.stream] += 1
            i += 1
            if i % 50 == 0:
                counters[0], counters[1], counters[2] = sent["petition"], sent["volunteer"], sent["safety"]
        await producer.flush()
        counters[0], counters[1], counters[2] = sent["petition"], sent["volunteer"], sent["safety"]
    finally:
        await producer.stop()
        report.put(({}, {}))


# ----- probes ------------------------------------------------------------------------------------------

@dataclass
class Probe:
    lane: str
    t0: float
    api_s: float | None = None
    key: bytes | None = None
    seen_s: float | None = None
    kafka_s: float | None = None


@dataclass
class Lane:
    township: str
    count: int | None = None
    changed_at: float = 0.0
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class Prober:
    def __init__(self, petition: httpx.AsyncClient, reporting: httpx.AsyncClient, lanes: list[Lane],
                 tokens: TokenSigner, county_code: str, interval: float) -> None:
        self.petition, self.reporting, self.lanes = petition, reporting, lanes
        self.tokens, self.county_code, self.interval = tokens, county_code, interval
        self.people = People(seed="bench-e2e-probes", today=datetime.now(SHANGHAI).date())
        self.rng = random.Random(3)
        self.probes: list[Probe] = []
        self.lost: list[Probe] = []
        self.errors: Counter[str] = Counter()
        self.polls = 0
        self.poll_s: list[float] = []
        self.arrivals: dict[bytes, float] = {}
        self.last_error = ""
        self.reader = {"Authorization": "Bearer " + tokens.mint("bench-e2e-poller", "county_supervisor", county_code)}

    # the poller: one request shows every lane's count
    async def poll(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            today = datetime.now(SHANGHAI).date()
            params = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1))}
            t_send = time.perf_counter()
            try:
                r = await self.reporting.get(f"/api/figures/{FIGURE}", params=params, headers=self.reader)
                r.raise_for_status()
            except httpx.HTTPError as exc:
                self.errors[f"poll {type(exc).__name__}"] += 1
                self.last_error = f"GET /api/figures/{FIGURE}: " + (
                    f"{exc.response.status_code} {exc.response.text[:200]}"
                    if isinstance(exc, httpx.HTTPStatusError) else repr(exc))
                await asyncio.sleep(0.1)
                continue
            t_recv = time.perf_counter()
            self.polls += 1
            self.poll_s.append(t_recv - t_send)
            counts = {t["code"]: t["figures"][FIGURE]["value"] for t in r.json()["townships"]}
            for lane in self.lanes:
                value = counts.get(lane.township, 0)
                if value != lane.count:
                    lane.count, lane.changed_at = value, t_recv
                    lane.changed.set()
            await asyncio.sleep(POLL_PAUSE_S)

    # a plain consumer on the petition topic: when did each probe's record reach Kafka consumers
    async def watch_kafka(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for rec in records:
                    if rec.key is not None:
                        self.arrivals.setdefault(bytes(rec.key), now)

    def body(self, township: str) -> dict[str, Any]:
        category = self.rng.choice(list(CATEGORY_WEIGHTS))
        p = self.people.person()  # a new person each time: never a repeat (a repeat is not "received")
        return {"channel": "phone", "kind": "claim", "category": category,
                "subcategory": self.rng.choice(SUBCATEGORIES[category]), "township_code": township,
                "content": "端到端时延探针：反映道路照明故障，请求尽快维修 (e2e latency probe)",
                "petitioners": [{"name": p.name, "phone": p.phone}], "headcount": 1}

    async def lane_loop(self, lane: Lane, offset: float, stop: asyncio.Event, timeout: float = 30.0) -> None:
        headers = {"Authorization": "Bearer " + self.tokens.mint("bench-e2e-probe", "township_operator",
                                                                  lane.township)}
        period = self.interval * len(self.lanes)
        await asyncio.sleep(offset)
        while lane.count is None and not stop.is_set():
            await asyncio.sleep(0.05)
        next_at = time.perf_counter()
        while not stop.is_set():
            base = lane.count or 0
            body = self.body(lane.township)
            probe = Probe(lane.township, time.perf_counter())
            try:
                r = await self.petition.post("/matters", json=body, headers=headers)
                probe.api_s = time.perf_counter() - probe.t0
                r.raise_for_status()
                probe.key = str(r.json()["matter_id"]).encode()
            except httpx.HTTPError as exc:
                self.errors[f"probe {type(exc).__name__}"] += 1
                self.last_error = "POST /matters: " + (
                    f"{exc.response.status_code} {exc.response.text[:200]}"
                    if isinstance(exc, httpx.HTTPStatusError) else repr(exc))
                await asyncio.sleep(0.5)
                continue
            deadline = probe.t0 + timeout
            while (lane.count or 0) <= base and time.perf_counter() < deadline:
                lane.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lane.changed.wait(), max(0.0, deadline - time.perf_counter()))
            if (lane.count or 0) > base:
                probe.seen_s = lane.changed_at - probe.t0
                if (lane.count or 0) > base + 1:
                    self.errors["count jumped by more than one (foreign writes in a probe township?)"] += 1
                self.probes.append(probe)
            else:
                self.lost.append(probe)
            next_at = max(next_at + period, time.perf_counter())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - time.perf_counter()))

    def finish(self) -> None:
        for p in self.probes:
            if p.key in self.arrivals:
                p.kafka_s = self.arrivals[p.key] - p.t0


# ----- the run -----------------------------------------------------------------------------------------

async def end_offsets(consumer: AIOKafkaConsumer) -> dict[str, int]:
    ends = await consumer.end_offsets(PARTITIONS)
    totals: dict[str, int] = Counter()
    for tp, offset in ends.items():
        totals[tp.topic] += offset
    return dict(totals)


def cpu_total() -> dict[str, float]:
    """CPU seconds of the whole machine by kind (user, system, softirq, ..., idle), from /proc/stat."""
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    values = Path("/proc/stat").read_text().splitlines()[0].split()[1:1 + len(names)]
    return {name: int(v) / os.sysconf("SC_CLK_TCK") for name, v in zip(names, values, strict=True)}


def line(label: str, values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return f"    {label:28} (no samples)"
    return (f"    {label:28} p50 {statistics.median(ms):7.1f}   p90 {pct(ms, 90):7.1f}   p99 {pct(ms, 99):7.1f}"
            f"   max {max(ms):7.1f} ms")


async def measure(args: argparse.Namespace, platform: Platform) -> None:
    stack = platform.stack
    county = load_county()
    lanes = [Lane(t.code) for t in county.townships[-args.lanes:]]
    probe_codes = {lane.township for lane in lanes}
    await wait_ready(platform)
    clients = {s: httpx.AsyncClient(base_url=platform.url(s), timeout=30.0) for s in ("petition", "reporting")}
    consumer = AIOKafkaConsumer(STREAMS["petition"].name, **client_options(stack.kafka_admin), group_id=None,
                                auto_offset_reset="latest", enable_auto_commit=False)
    ctx = multiprocessing.get_context("spawn")
    counters = ctx.Array("q", len(LOAD_COUNTERS), lock=False)
    load_ready, load_stop, load_report = ctx.Event(), ctx.Event(), ctx.SimpleQueue()
    if args.load == "api":
        loader = ctx.Process(target=load_process, name="bench-e2e-load", daemon=True, args=(
            {s: platform.url(s) for s in DOMAINS}, str(platform.keys[0]), args.rate, sorted(probe_codes), counters,
            load_ready, load_stop, load_report))
    else:
        loader = ctx.Process(target=bus_load_process, name="bench-e2e-load", daemon=True, args=(
            stack.kafka_admin, args.rate, sorted(probe_codes), counters, load_ready, load_stop, load_report))
    stop_lanes, stop_probes = asyncio.Event(), asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        loader.start()
        await consumer.start()
        while not load_ready.is_set():
            if not loader.is_alive():
                raise RuntimeError(f"the load process exited ({loader.exitcode}) before it was ready")
            await asyncio.sleep(0.2)
        prober = Prober(clients["petition"], clients["reporting"], lanes, TokenSigner.from_file(platform.keys[0]),
                        county.code, args.probe_interval)
        tasks = [asyncio.create_task(prober.poll(stop_probes)),
                 asyncio.create_task(prober.watch_kafka(consumer, stop_probes))]
        tasks += [asyncio.create_task(prober.lane_loop(lane, i * args.probe_interval, stop_lanes))
                  for i, lane in enumerate(lanes)]

        def check_alive() -> None:
            if dead := platform.dead():
                raise RuntimeError(f"{', '.join(p.name for p in dead)} exited")
            if not loader.is_alive():
                raise RuntimeError(f"the load process exited ({loader.exitcode})")

        # warm-up: load running, every lane's first probe through the whole pipeline
        warm_until = time.monotonic() + args.warmup
        give_up = time.monotonic() + max(args.warmup, 180)
        while time.monotonic() < warm_until or {p.lane for p in prober.probes} != probe_codes:
            if time.monotonic() > give_up:
                raise RuntimeError(f"no probe came through within 180 s (errors: {dict(prober.errors)},"
                                   f" lost {len(prober.lost)}; last error: {prober.last_error or 'none'})")
            check_alive()
            await asyncio.sleep(0.2)

        # ANALYZE, as autovacuum does within its first minute: otherwise the window runs the plans each
        # pooled connection cached while the tables were empty (sequential scans, per call, growing)
        for service in (*DOMAINS, "reporting"):
            conn = await asyncpg.connect(stack.dsn(f"minqing_{service}"))
            try:
                await conn.execute("ANALYZE")
            finally:
                await conn.close()

        # the measured window
        prober.poll_s.clear()
        polls0, load0 = prober.polls, list(counters)
        cpu0 = cpu_snapshot(platform, loader.pid)
        machine0, loadavg0 = cpu_total(), os.getloadavg()[0]
        offsets0 = await end_offsets(consumer)
        t_start = time.perf_counter()
        while time.perf_counter() - t_start < args.seconds:
            check_alive()
            await asyncio.sleep(0.2)
        offsets1 = await end_offsets(consumer)
        elapsed = time.perf_counter() - t_start
        load1 = list(counters)
        cpu1 = cpu_snapshot(platform, loader.pid)
        machine1, loadavg1 = cpu_total(), os.getloadavg()[0]
        polls = prober.polls - polls0
        # no new probes; the outstanding ones (started inside the window) finish, then the poller stops
        load_stop.set()
        stop_lanes.set()
        await asyncio.gather(*tasks[2:])
        stop_probes.set()
        await asyncio.gather(*tasks[:2])
        prober.finish()
        measured = [p for p in prober.probes if p.t0 >= t_start]
        lost = [p for p in prober.lost if p.t0 >= t_start]
    finally:
        load_stop.set()
        stop_lanes.set()
        stop_probes.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await consumer.stop()
        for client in clients.values():
            await client.aclose()
        if loader.pid is not None:
            await asyncio.to_thread(loader.join, 40)
            if loader.is_alive():
                loader.kill()
                await asyncio.to_thread(loader.join, 10)

    events = sum(offsets1.get(s.name, 0) - offsets0.get(s.name, 0) for s in STREAMS.values())
    per_topic = {s: offsets1.get(STREAMS[s].name, 0) - offsets0.get(STREAMS[s].name, 0) for s in DOMAINS}
    probe_events = len(measured) + len(lost)
    background = (events - probe_events) / elapsed
    load_delta = dict(zip(LOAD_COUNTERS, (b - a for a, b in zip(load0, load1, strict=True)), strict=True))
    calls_ok = sum(load_delta[k] for k in ("petition", "volunteer", "safety"))
    load_errors, refusals = load_report.get() if not load_report.empty() else ({}, {})
    spent = {k: machine1[k] - machine0[k] for k in machine1}
    busy = sum(v for k, v in spent.items() if k not in ("idle", "iowait"))
    busy_pct = busy / max(1e-9, sum(spent.values())) * 100
    ours = sum(cpu1[name] - cpu0[name] for name in cpu1)

    out(f"end-to-end benchmark — service API call → figure in the reporting API; 8 real processes"
        f" (uvicorn APIs + workers, MINQING_ENV=production) on a private Kafka + PostgreSQL"
        f" (fsync {'on' if stack.settings.pg_fsync else 'off'})")
    load_text = ("through the APIs (" + ", ".join(f"{k} {w:.0%}" for k, w in MIX) + ")" if args.load == "api"
                 else "of simulated county activity straight onto the topics")
    out(f"  config: {args.seconds:.0f} s measured after {args.warmup:.0f} s warm-up; background {args.rate:g}"
        f" events/s open loop {load_text} from a separate process;"
        f" a probe every {args.probe_interval * 1000:.0f} ms over {args.lanes} reserved townships;"
        f" poll every {POLL_PAUSE_S * 1000:.0f} ms after each answer")
    out(f"  machine: {os.cpu_count()} cores, {busy_pct:.0f}% busy during the run (user {spent['user'] / elapsed:.2f},"
        f" system {spent['system'] / elapsed:.2f}, softirq {spent['softirq'] / elapsed:.2f} cores); this run's"
        f" processes used {ours / elapsed:.2f} cores, the rest (kernel, other users) {(busy - ours) / elapsed:.2f};"
        f" load average {loadavg0:.1f} → {loadavg1:.1f}")
    out(f"  background load     {background:8.1f} events/s achieved (target {args.rate:g}, "
        f"{'ok' if background >= 0.95 * args.rate else 'SHORT'}): {events - probe_events:,} events on the"
        f" topics in {elapsed:.1f} s (by topic, probes included: "
        + ", ".join(f"{s} {n:,}" for s, n in per_topic.items())
        + (f"); {calls_ok:,} API calls ok, {load_delta['failed']} failed, {load_delta['crashed']} crashed,"
           if args.load == "api" else f"); {calls_ok:,} sent by the load process,")
        + f" {load_delta['missed']} not started (generator behind)")
    if load_errors:
        out("  load errors (whole run, by answer): " + ", ".join(f"{k}: {n}" for k, n in sorted(load_errors.items())))
        for call, text in sorted(refusals.items()):
            out(f"    last {call}: {text}")
    poll_p50 = statistics.median(prober.poll_s) * 1000 if prober.poll_s else 0.0
    out(f"  probes              {len(measured)} seen, {len(lost)} not seen within 30 s; {polls:,} polls"
        f" ({polls / elapsed:.0f}/s, answer p50 {poll_p50:.1f} ms)")
    if prober.errors:
        out("  errors              " + ", ".join(f"{k}: {n}" for k, n in prober.errors.items()))
    seen = [p.seen_s for p in measured if p.seen_s is not None]
    if not seen:
        out("  end-to-end latency: no probe seen")
        return
    p99 = pct([s * 1000 for s in seen], 99)
    out(f"  latency (ms), API call → figure changed; target p99 < {TARGET_P99_MS:.0f} ms:"
        f" {'ok' if p99 < TARGET_P99_MS else 'OVER'}")
    out(line("API call → figure", seen))
    out(line("  the API call itself (201)", [p.api_s for p in measured if p.api_s is not None]))
    out(line("  API call → on Kafka", [p.kafka_s for p in measured if p.kafka_s is not None]))
    out(line("  on Kafka → figure", [p.seen_s - p.kafka_s for p in measured
                                     if p.kafka_s is not None and p.seen_s is not None]))
    quarter = max(1, len(seen) // 4)
    out(f"    drift: p50 {statistics.median(seen[:quarter]) * 1000:.1f} ms over the first quarter of the probes,"
        f" {statistics.median(seen[-quarter:]) * 1000:.1f} ms over the last")
    out("  CPU during the run, % of one core: "
        + ", ".join(f"{name} {(cpu1[name] - cpu0[name]) / elapsed * 100:.0f}" for name in cpu1))


def cpu_snapshot(platform: Platform, loader_pid: int | None) -> dict[str, float]:
    snap = {p.name: cpu_seconds(p.popen.pid) for p in platform.procs}
    snap["kafka"] = cpu_seconds(platform.stack.kafka._pid())
    snap["postgres"] = cpu_seconds(with_children_of=platform.stack.postgres._pid())
    snap["bench (probes)"] = time.process_time()
    snap["bench (load)"] = cpu_seconds(loader_pid)
    return snap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window (after the warm-up)")
    parser.add_argument("--rate", type=float, default=200.0, help="background events a second")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--probe-interval", type=float, default=0.15, help="seconds between probes (all lanes)")
    parser.add_argument("--lanes", type=int, default=4, help="townships reserved for the probes")
    parser.add_argument("--load", choices=("bus", "api"), default="bus",
                        help="background events straight onto the topics (as the relays publish them; default) or"
                             " through the services' HTTP APIs (needs more than 2 cores at 200/s)")
    args = parser.parse_args()

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    logs = Path(tempfile.mkdtemp(prefix="minqing-bench-e2e-logs-"))
    failed = interrupted = False
    try:
        # autovacuum's clock compressed like the tables' growth (bench/api.py PG_OPTIONS)
        with temporary_stack("minqing-bench-e2e-", pg_options=("autovacuum_naptime=1",)) as stack:
            create_topics(stack.kafka_admin)
            platform = Platform(stack, logs, write_keypair(logs / "keys"))
            try:
                platform.start()
                asyncio.run(measure(args, platform))
            except KeyboardInterrupt:
                interrupted = True
                out("interrupted: stopping the services, Kafka and PostgreSQL")
            except Exception as exc:
                failed = True
                out(f"benchmark failed: {exc!r}")
                for p in platform.procs:
                    if p.popen.poll() is not None:
                        out(f"--- {p.name} exited with {p.popen.returncode}; last lines of {p.log}:\n{tail(p.log)}")
                raise
            finally:
                # the clean-up itself is not interruptible (a second Ctrl-C would leave Kafka/PostgreSQL behind)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                killed = platform.stop()
                if killed:
                    out(f"  (had to SIGKILL: {', '.join(killed)})")
    finally:
        if failed:
            out(f"service logs kept in {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()
