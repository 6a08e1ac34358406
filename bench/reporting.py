"""Reporting benchmark: ingest vs a raw aiokafka consumer, replay time, API latency on a year of history.

    .venv/bin/python bench/reporting.py [--days 365] [--seed 7] [--requests 200]
    .venv/bin/python bench/reporting.py --members 1,2,3 [--brokers 1|3]   # scaling of the ingest group only

Starts its own Kafka and PostgreSQL (devstack, temporary directory, free ports), produces `--days` of
simulated county history (simulator.history) to the three domain topics, then measures in the same run,
on the same broker:
  1. raw aiokafka consumer over all messages of the three topics — the baseline;
  2. the ingest code's CPU work alone (decode, validate, project, sum) on messages held in memory, and
     the same for the code before issue 16 (b807e3b, exported by git archive): a process per tree,
     asked for a pass over the messages in turns, reported pass by pass (the median of the pairs'
     ratios; this machine's cores change speed from minute to minute). Target: 2x;
  3. a faust agent with an empty body on the same topics: what faust itself delivers (its consumer
     hands messages over one by one), the ceiling of any faust agent here;
  4. ingest: the reporting worker (batch engine: aiokafka getmany in the group) on a fresh database until
     the read models hold every message (rate counted from its first committed batch, so start-up and
     group join are excluded; the wall-clock rate including start-up is printed beside it). Target: at
     least half the raw rate (moonshot 0.8). Then the former faust engine the same way, for comparison
     (`--skip-faust` leaves out every faust figure; `--faust-options` tries faust's own knobs first:
     take() batch sizes, fetch and poll sizes, on up to 100,000 events);
  5. replay: `entrypoints.replay` (aiokafka, pipelined) of the same topics into a fresh schema and the
     switch-over; the time for 1 million events is extrapolated linearly from this run unless it had a
     million (`--days 900` produces about a million; labelled);
  6. API latency (in-process ASGI, no network) over the year: p50/p99 per endpoint. Target p99 < 50 ms.
End-to-end latency (a service API call → the figure changing) is bench/e2e.py.

`--members 1,2,3` measures only the scaling of the ingest group: for each N, a fresh database and
group, N reporting worker *processes* (`python -m services.reporting.entrypoints.worker`, as deployed)
started together; the rate is taken over the middle of the run (from 20 % to 95 % of the events in the
read model, so start-up and the group's first rebalances are excluded), beside the raw consumer of the
same run. `--brokers 3` runs the same on a three-node cluster (topics RF 3, min.insync.replicas 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from minqing_kit.kafka_auth import KafkaConnection, client_options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from asgi_lifespan import LifespanManager
from faust.contrib.asgi import faust_app_running

from bench._common import pct, raw_consume, time_gets
from devstack.stack import Stack, free_port, temporary_stack
from minqing_contract import STREAMS
from minqing_kit.consumer import RawMessage
from minqing_kit.db import create_pool
from minqing_kit.faust_support import make_app
from minqing_kit.runtime import tune_gc_for_throughput
from services.reporting.adapters.readmodel import ReadModel
from services.reporting.entrypoints.api import create_reporting_app
from services.reporting.entrypoints.replay import replay
from services.reporting.entrypoints.worker import running_worker
from services.reporting.service_layer.ingest import prepare
from services.reporting.settings import ReportingSettings
from simulator.produce import produce_history

CST = timezone(timedelta(hours=8))
PARTITIONS = [TopicPartition(s.name, p) for s in STREAMS.values() for p in range(s.partitions)]


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()



#: The ingest code's CPU-only rate on one core before issue 16 (bench/reporting.py, two cores, other work on them).
CPU_BEFORE = (15_000, 19_000)


#: The code before issue 16 (its reporting ingest: hand-written decoder, pydantic payloads, `Facts` per
#: event), measured on the same messages in the same run when the git history is at hand.
BEFORE_16 = "b807e3b"


async def prepare_ceiling(bootstrap: KafkaConnection | str, sample: int = 100_000, batch: int = 5000,
                          rounds: int = 12) -> tuple[float, CpuTurns, int]:
    """The ingest's own work alone: decode + validate + project + sum (`prepare`), messages in memory.
    Returns (events per second of wall time, the CPU-only passes of this tree and of the code before
    issue 16 in turns — `rounds` each, see `_cpu_in_turns` —, events). CPU-second figures do not
    depend on what else loads the machine much, but a shared machine's cores do vary."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False, group_id=None,
                                max_poll_records=batch)
    await consumer.start()
    try:
        consumer.assign(PARTITIONS)
        await consumer.seek_to_beginning(*PARTITIONS)
        total = sum((await consumer.end_offsets(PARTITIONS)).values())
        messages: list[RawMessage] = []
        while len(messages) < min(sample, total):
            for records in (await consumer.getmany(timeout_ms=500, max_records=batch)).values():
                messages.extend(RawMessage.of(r) for r in records)
    finally:
        await consumer.stop()
    t0 = time.perf_counter()
    for i in range(0, len(messages), batch):
        prepare(messages[i:i + batch])
    wall = len(messages) / (time.perf_counter() - t0)
    turns = await asyncio.to_thread(_cpu_in_turns, messages, batch, rounds)
    return wall, turns, len(messages)


def python_speed(iterations: int = 5_000_000) -> float:
    """Millions of iterations of a fixed pure-Python loop per CPU-second: how fast this machine's cores are
    right now (a shared machine's vary from hour to hour), so figures from different runs can be compared."""
    c0 = time.thread_time()
    total = 0
    for i in range(iterations):
        total += i
    return iterations / (time.thread_time() - c0) / 1e6


@dataclass
class CpuTurns:
    """`bench/_ingest_cpu.py` passes of this tree and of the code before issue 16, in pairs."""

    now: list[float]  # events per CPU-second of each pass of this tree
    before: list[float]  # … of the code before issue 16 (empty when its history is not at hand)

    @property
    def ratios(self) -> list[float]:
        """After / before of each pair of passes run one after the other."""
        return [a / b for a, b in zip(self.now, self.before, strict=False)]


def _cpu_in_turns(messages: list[RawMessage], batch: int, rounds: int) -> CpuTurns:
    """`bench/_ingest_cpu.py` on this tree and on the code before issue 16: one process per tree, asked
    for a pass in turns (the order swapped every round), so every pass of one runs next to a pass of the
    other — a shared machine's cores change speed from minute to minute, and a ratio of two passes a
    second apart does not carry that drift."""
    with tempfile.TemporaryDirectory(prefix="minqing-bench-before-") as tmp:
        pickled = Path(tmp) / "messages.pickle"
        pickled.write_bytes(pickle.dumps([(m.topic, m.partition, m.offset, m.key, m.value, list(m.headers))
                                          for m in messages]))
        trees = [ROOT]
        before_tree = Path(tmp) / "before"
        before_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_16, "minqing_contract", "minqing_kit",
                                  "services"], capture_output=True)
        if archive.returncode or subprocess.run(["tar", "-x", "-C", str(before_tree)], input=archive.stdout).returncode:
            out(f"  (the code before issue 16, {BEFORE_16}, is not in this checkout's history: not measured)")
        else:
            trees.append(before_tree)
        workers = [subprocess.Popen([sys.executable, str(ROOT / "bench" / "_ingest_cpu.py"), str(pickled), str(batch)],
                                    cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for tree in trees]
        try:
            for w in workers:
                if w.stdout is None or w.stdout.readline().strip() != "ready":
                    raise RuntimeError("bench/_ingest_cpu.py did not start")

            def one_pass(w: subprocess.Popen[str]) -> float:
                assert w.stdin is not None and w.stdout is not None
                w.stdin.write("pass\n")
                w.stdin.flush()
                return float(w.stdout.readline())

            for w in workers:
                one_pass(w)  # warm-up
            rates: list[list[float]] = [[] for _ in workers]
            for r in range(rounds):
                order = range(len(workers)) if r % 2 == 0 else reversed(range(len(workers)))
                for i in order:
                    rates[i].append(one_pass(workers[i]))
        finally:
            for w in workers:
                if w.stdin is not None:
                    w.stdin.close()
                w.wait(timeout=60)
    return CpuTurns(rates[0], rates[1] if len(rates) > 1 else [])


async def faust_noop(bootstrap: KafkaConnection | str, n: int, batch: int, **options: Any) -> float:
    """The framework's own ceiling: a faust agent taking the same batches and only acking them."""
    options.setdefault("stream_buffer_maxsize", max(4096, 2 * batch))
    app = make_app(f"bench-noop-{uuid.uuid4().hex[:8]}", bootstrap, **options)
    channel = app.topic(*[s.name for s in STREAMS.values()], value_type=bytes, key_type=bytes, allow_empty=True)
    seen = {"n": 0, "t0": 0.0}

    async def agent(stream: Any) -> None:
        async for events in stream.noack().take_events(batch, within=0.2):
            if not seen["n"]:
                seen["t0"] = time.perf_counter()
            seen["n"] += len(events)
            for event in events:
                event.ack()

    app.agent(channel, name="noop", concurrency=1)(agent)
    async with faust_app_running(app, stop_timeout=10):
        while seen["n"] < n:
            await asyncio.sleep(0.01)
        return n / (time.perf_counter() - seen["t0"])


#: faust's own knobs tried by `--faust-options`: take() batch sizes, and bigger fetches/polls.
FAUST_OPTIONS: list[tuple[str, int, dict[str, Any]]] = [
    ("take(500)", 500, {}),
    ("take(2000)", 2000, {}),
    ("take(10000)", 10000, {}),
    ("take(10000), 4 MB fetches, 10k polls", 10000,
     {"consumer_max_fetch_size": 4 * 1024 * 1024, "broker_max_poll_records": 10000}),
]


def _postgres_cpu(data_dir: Path) -> float:
    """CPU seconds used so far by the benchmark's PostgreSQL server: its postmaster and live children
    (backends count their own time; an exited backend's time is added to the postmaster's children
    fields, 13 and 14)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15]) / tick
        elif int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def ingest(settings: ReportingSettings, n: int, pg_data: Path) -> tuple[float, float, float, float]:
    """(events/s from the first committed batch, events/s including start-up, events per CPU-second of
    the worker (this process: fetch, decode, project, sum, commit), events per CPU-second of PostgreSQL) —
    the last two do not depend on what else loads the machine."""
    pool = await create_pool(settings.dsn, max_size=2)
    try:
        t_start, c_start, pg_start = time.perf_counter(), time.process_time(), _postgres_cpu(pg_data)
        async with running_worker(settings) as worker:
            while worker.stats.batches == 0:
                await asyncio.sleep(0.005)
            t_first, first = time.perf_counter(), worker.stats.totals.applied + worker.stats.totals.dead_lettered
            while True:
                async with pool.acquire() as conn:
                    done = sum((await ReadModel().offsets(conn)).values())
                if done >= n:
                    break
                await asyncio.sleep(0.05)
            t_end, c_end, pg_end = time.perf_counter(), time.process_time(), _postgres_cpu(pg_data)
        return (n - first) / (t_end - t_first), n / (t_end - t_start), n / (c_end - c_start), n / (pg_end - pg_start)
    finally:
        await pool.close()


async def api_latency(settings: ReportingSettings, end: date, requests: int) -> dict[str, list[float]]:
    app = create_reporting_app(settings=settings, clock=lambda: datetime.combine(end, datetime.min.time(), CST))
    month = f"{end.year}-{end.month:02d}"
    quarter = f"{end.year}-Q{(end.month - 1) // 3 + 1}"
    paths = {
        "dashboard (uncached)": "/api/dashboard",
        "figures month": f"/api/figures?month={month}",
        "figures quarter by township": f"/api/figures?quarter={quarter}&by_township=true",
        "figures whole year (day range)": f"/api/figures?start={end - timedelta(days=364)}&end={end}",
        "figures township month": f"/api/figures?month={month}&township=990102002000",
        "ranking month": f"/api/rankings/monthly/{month}",
        "ranking quarter": f"/api/rankings/quarterly/{quarter}",
        "overdue hazards": "/api/overdue/hazards",
        "trend 30 days": "/api/trend",
    }
    from minqing_kit.auth import TokenSigner

    signer = TokenSigner.generate(settings.jwt_issuer)  # a throwaway key the in-process app accepts
    settings.jwt_public_keys = json.dumps(signer.key_set().jwks())
    token = signer.mint("bench", "county_supervisor", settings.county_code)
    headers = {"Authorization": f"Bearer {token}"}
    async with LifespanManager(app) as manager, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://bench") as client:
        return await time_gets(client, paths, headers, requests, app.state.deps.dashboard_cache.clear)


ROOT = Path(__file__).resolve().parent.parent


def _spawn_workers(members: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-m", "services.reporting.entrypoints.worker"], cwd=ROOT,
                             env={**env, "MINQING_METRICS_PORT": str(free_port())},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(members)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a live process used so far (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ingest_members(stack: Stack, db: str, members: int, n: int) -> tuple[float, float, float]:
    """`members` worker processes in one group on a fresh database: (events/s from 20 % to 95 %, wall s,
    events per CPU-second of the members over the whole run — independent of what else loads the machine)."""
    admin = await create_pool(stack.dsn(), max_size=1)
    await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{db}"')
    await admin.close()
    base = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    env = {**base, "MINQING_ENV": "test", "MINQING_SERVICE": "reporting", "MINQING_LOG_JSON": "false",

           "MINQING_DATABASE_URL": stack.dsn(db), **stack.kafka_env("reporting"),
           "MINQING_REPORTING_CONSUMER": f"reporting-bench-members-{uuid.uuid4().hex[:8]}"}
    pool = None
    t_start = time.perf_counter()
    procs = _spawn_workers(members, env)  # migrations take an advisory lock: starting together is safe
    try:
        pool = await create_pool(stack.dsn(db), max_size=1)
        marks: dict[float, float] = {}
        while True:
            if dead := [p.args for p in procs if p.poll() is not None]:
                raise RuntimeError(f"reporting worker exited: {dead}")
            try:
                async with pool.acquire() as conn:
                    done = sum((await ReadModel().offsets(conn)).values())
            except Exception:  # schema not migrated yet
                done = 0
            now = time.perf_counter()
            for mark in (0.2, 0.95):
                if done >= mark * n and mark not in marks:
                    marks[mark] = now
                    marks[-mark] = done
            if done >= n:
                break
            await asyncio.sleep(0.05)
        cpu = sum(_cpu_seconds(p.pid) for p in procs)
        return (marks[-0.95] - marks[-0.2]) / (marks[0.95] - marks[0.2]), time.perf_counter() - t_start, n / cpu
    finally:
        if pool is not None:
            await pool.close()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


async def main_async(args: argparse.Namespace, stack: Stack) -> None:
    bootstrap = stack.kafka_admin
    stack.create_topics()
    start = date(2025, 1, 1)
    stats = await produce_history(bootstrap, start, args.days, seed=args.seed, progress=False, print_summary=False)
    n = stats.events
    tune_gc_for_throughput()  # as the worker and replay processes do
    if args.members:
        brokers = stack.settings.kafka_brokers
        out(f"reporting ingest scaling — {n:,} events, {STREAMS['petition'].partitions} partitions a topic,"
            f" {brokers} broker{'s' if brokers > 1 else ''}, {os.cpu_count()} cores, same run")
        raw = await raw_consume(bootstrap, [s.name for s in STREAMS.values()], n)
        out(f"  raw aiokafka consumer (1 process)  {raw:10,.0f} events/s   (baseline)")
        one = 0.0
        for members in args.members:
            load0 = os.getloadavg()[0]
            rate, wall, per_cpu = await ingest_members(stack, f"bench_members_{members}", members, n)
            one = one or rate
            out(f"  ingest, {members} member{'s' if members > 1 else ' '} (processes)   {rate:10,.0f} events/s"
                f"   ratio to raw {rate / raw:.2f}, to 1 member {rate / one:.2f}; {wall:.1f} s wall incl. start-up;"
                f" {per_cpu:,.0f} events per CPU-second of the members; load average {load0:.1f}")
        return
    out(f"reporting benchmark — {n:,} events ({args.days} days of simulated county history), same broker, same run;"
        f" this machine's cores now: {python_speed():.1f} M pure-Python loop iterations per CPU-second")
    raw = await raw_consume(bootstrap, [s.name for s in STREAMS.values()], n)
    out(f"  raw aiokafka consumer           {raw:10,.0f} events/s   (baseline, 3 topics)")
    ceiling, turns, sampled = await prepare_ceiling(bootstrap)
    out(f"  ingest code alone, one core     {ceiling:10,.0f} events/s   ratio {ceiling / raw:.2f} (decode + validate +"
        f" project + sum of {sampled:,} messages in memory, no database; wall time, load average"
        f" {os.getloadavg()[0]:.1f})")
    cpu_rate = max(turns.now)
    out(f"  ingest code alone, CPU-only     {cpu_rate:10,.0f} events per CPU-second of one core (best of"
        f" {len(turns.now)} passes, median {statistics.median(turns.now):,.0f}):"
        f" {cpu_rate / CPU_BEFORE[1]:.1f}-{cpu_rate / CPU_BEFORE[0]:.1f}x the {CPU_BEFORE[0] // 1000}-{CPU_BEFORE[1] // 1000}k"
        " the issue measured before issue 16 (target >= 2x)")
    if turns.before:
        ratios = sorted(turns.ratios)
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        out(f"    the code before issue 16      {max(turns.before):10,.0f} events per CPU-second of one core ({BEFORE_16},"
            f" best of {len(turns.before)} passes, median {statistics.median(turns.before):,.0f}; the same messages)")
        out(f"    after / before, pass by pass  median {statistics.median(ratios):.2f}x (quartiles {quartiles[0]:.2f}-"
            f"{quartiles[2]:.2f}, range {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(ratios)} pairs of passes run one after"
            f" the other); best / best {cpu_rate / max(turns.before):.2f}x (target >= 2x)")
    noop = 0.0 if args.skip_faust else await faust_noop(
        bootstrap, n, ReportingSettings.model_fields["reporting_ingest_batch"].default)
    if not args.skip_faust:
        out(f"  faust agent, empty body         {noop:10,.0f} events/s   ratio {noop / raw:.2f} (faust's own ceiling:"
            " per-message delivery)")
    if args.faust_options:
        sample = min(n, 100_000)
        for label, take, options in FAUST_OPTIONS:
            rate = await faust_noop(bootstrap, sample, take, **options)
            out(f"    faust empty agent, {label:38} {rate:8,.0f} events/s   ratio {rate / raw:.2f} ({sample:,} events)")

    def settings_for(db: str) -> ReportingSettings:
        return ReportingSettings(env="test", database_url=stack.dsn(db), **stack.kafka_settings(),
                                 reporting_consumer=f"reporting-bench-{uuid.uuid4().hex[:8]}", log_json=False)

    admin = await create_pool(stack.dsn(), max_size=1)
    for db in ("bench_ingest", "bench_ingest_faust"):
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
        await admin.execute(f'CREATE DATABASE "{db}"')
    await admin.close()
    settings = settings_for("bench_ingest")
    load0 = os.getloadavg()[0]
    steady, wall, per_cpu, per_pg = await ingest(settings, n, stack.postgres.data)
    out(f"  reporting ingest (batch worker) {steady:10,.0f} events/s   ratio {steady / raw:.2f} (target >= 0.50,"
        f" moonshot 0.80; aiokafka getmany in the group); {wall:,.0f}/s including start-up; load average"
        f" {load0:.1f}-{os.getloadavg()[0]:.1f}")
    out(f"  reporting ingest, CPU cost      {per_cpu:10,.0f} events per CPU-second of the worker process,"
        f" {per_pg:,.0f} per CPU-second of PostgreSQL")
    if not args.skip_faust:
        faust_settings = settings_for("bench_ingest_faust").model_copy(update={"reporting_ingest_engine": "faust"})
        steady, wall, _, _ = await ingest(faust_settings, n, stack.postgres.data)
        out(f"  reporting ingest (former faust) {steady:10,.0f} events/s   ratio {steady / raw:.2f},"
            f" {steady / noop:.2f} of the empty faust agent; {wall:,.0f}/s including start-up")
    c0 = time.process_time()
    result = await replay(settings, progress=False)
    replay_cpu = result.events / (time.process_time() - c0)
    per_million = result.seconds / result.events * 1_000_000
    label = "measured" if result.events >= 1_000_000 else f"EXTRAPOLATED linearly from {result.events:,} events"
    out(f"  replay + switch-over            {result.rate:10,.0f} events/s   ratio {result.rate / raw:.2f};"
        f" {result.events:,} events in {result.seconds:.1f} s (aiokafka, no faust)")
    out(f"  replay of 1 million events      {per_million:10.1f} s          ({label}; target < 60 s, moonshot 30 s;"
        f" load average {os.getloadavg()[0]:.1f}); {replay_cpu:,.0f} events per CPU-second of the replay process")
    end = start + timedelta(days=args.days - 1)
    times = await api_latency(settings, end, args.requests)
    out(f"  API latency over {args.days} days of history, {args.requests} requests each (in-process ASGI):")
    for name, values in times.items():
        flag = "ok" if pct(values, 99) < 50 else "OVER"
        out(f"    {name:32} p50 {statistics.median(values):6.1f} ms   p99 {pct(values, 99):6.1f} ms   {flag}")
    out("  end-to-end latency (service API call -> figure): bench/e2e.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--faust-options", action="store_true",
                        help="also measure the empty faust agent with other take() sizes and consumer settings")
    parser.add_argument("--skip-faust", action="store_true",
                        help="skip the faust measurements (for long histories, e.g. --days 900 --skip-faust"
                             " measures the replay of about a million events)")
    parser.add_argument("--members", type=lambda v: [int(x) for x in v.split(",")], default=None,
                        help="only the ingest group's scaling: e.g. 1,2,3 worker processes in one group")
    parser.add_argument("--brokers", type=int, choices=[1, 3], default=1, help="Kafka nodes (3: RF 3, min.insync 2)")
    args = parser.parse_args()
    with temporary_stack("minqing-bench-", kafka_brokers=args.brokers) as stack:
        asyncio.run(main_async(args, stack))


if __name__ == "__main__":
    main()
