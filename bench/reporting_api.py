"""Reporting read-API latency on a year of history, without the rest of bench/reporting.py.

    .venv/bin/python bench/reporting_api.py [--days 365] [--seed 7] [--requests 100] [--rounds 1]
                                            [--snapshot FILE] [--baseline DIR] [--only NAME ...]

1. History: `--days` of simulated county history is produced to a throwaway Kafka and rebuilt into the
   read model by the replay (devstack, temporary directory, free ports) — a few minutes for a year. With
   `--snapshot FILE` the first run saves the database there (pg_dump) and later runs restore it instead,
   starting only a throwaway PostgreSQL (seconds).
2. Latency: every endpoint of the "API latency" section of bench/reporting.py (plus a few more), in-process
   ASGI, every cache cleared before each request (uncached), p50/p99. Target p99 < 50 ms.
3. `--baseline DIR`: the same measurement for a second copy of the code, e.g. the last commit:
       mkdir /tmp/base && git archive HEAD | tar -x -C /tmp/base
   each copy on its own copy of the database, in one run, alternating per round (the machine is shared:
   compare within a run). Every response of a longer list of requests (each month, quarter, day ranges,
   townships, rankings, dashboard) must be identical between the two copies, `generated_at` aside.
   The history is built (and snapshotted) with this tree's migrations; each copy applies its own on
   top when it starts, so build the snapshot before adding a migration the baseline should not have.

Each measurement runs in a subprocess of this script (`--measure`) with its code copy first on sys.path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CST = timezone(timedelta(hours=8))
START = date(2025, 1, 1)
TEMPLATE_DB = "api_history"
TOWNSHIP = "990102002000"


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ----- what is measured ------------------------------------------------------------------------------

def timed_paths(end: date) -> dict[str, str]:
    """The endpoints timed (the first nine are bench/reporting.py's)."""
    month = f"{end.year}-{end.month:02d}"
    quarter = f"{end.year}-Q{(end.month - 1) // 3 + 1}"
    return {
        "dashboard (uncached)": "/api/dashboard",
        "figures month": f"/api/figures?month={month}",
        "figures quarter by township": f"/api/figures?quarter={quarter}&by_township=true",
        "figures whole year (day range)": f"/api/figures?start={end - timedelta(days=364)}&end={end}",
        "figures township month": f"/api/figures?month={month}&township={TOWNSHIP}",
        "ranking month": f"/api/rankings/monthly/{month}",
        "ranking quarter": f"/api/rankings/quarterly/{quarter}",
        "overdue hazards": "/api/overdue/hazards",
        "trend 30 days": "/api/trend",
        "figures month by township": f"/api/figures?month={month}&by_township=true",
        "one figure, quarter": f"/api/figures/penalties?quarter={quarter}",
        "dashboard township (uncached)": f"/api/dashboard?township={TOWNSHIP}",
        "figures mid-month to mid-month": f"/api/figures?start={end.replace(month=1, day=16)}"
                                          f"&end={end.replace(day=15)}",
    }


def equality_paths(end: date) -> list[str]:
    """Requests whose responses must not change: every month and quarter of the year, odd day ranges."""
    paths: list[str] = []
    year = end.year
    for month in range(1, 13):
        label = f"{year}-{month:02d}"
        paths += [f"/api/figures?month={label}&by_township=true", f"/api/rankings/monthly/{label}",
                  f"/api/figures?month={label}&township={TOWNSHIP}"]
    for quarter in range(1, 5):
        label = f"{year}-Q{quarter}"
        paths += [f"/api/figures?quarter={label}&by_township=true", f"/api/rankings/quarterly/{label}",
                  f"/api/figures/time_to_complete?quarter={label}", f"/api/figures/active_teams?quarter={label}",
                  f"/api/exports/quarter/{label}.csv"]
    for first, last in ((date(year, 1, 1), end), (date(year, 1, 15), date(year, 3, 10)),
                        (date(year, 2, 28), date(year, 3, 1)), (date(year, 6, 30), date(year, 6, 30)),
                        (date(year, 5, 2), date(year, 11, 29)), (end - timedelta(days=364), end)):
        paths += [f"/api/figures?start={first}&end={last}&by_township=true",
                  f"/api/figures?start={first}&end={last}&township={TOWNSHIP}"]
    paths += [f"/api/figures?month={year - 1}-12&by_township=true", f"/api/rankings/monthly/{year}-01",
              f"/api/rankings/quarterly/{year + 1}-Q1", "/api/dashboard", f"/api/dashboard?township={TOWNSHIP}",
              "/api/trend?days=366", f"/api/trend?township={TOWNSHIP}", "/api/overdue/petitions?limit=1000",
              "/api/open/volunteer_open?limit=1000", "/api/exports/month/" + f"{end.year}-{end.month:02d}.csv"]
    return paths


def _clear_caches(deps: Any) -> None:
    deps.dashboard_cache.clear()
    clear = getattr(deps, "clear_caches", None)  # any cache a later version adds
    if callable(clear):
        clear()


async def measure(code: Path, dsn: str, end: date, requests: int, only: list[str],
                  compare: bool) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Time the endpoints with the code in `code` (imported here, in this subprocess); with `compare`, also
    answer the equality requests."""
    sys.path.insert(0, str(code))
    import httpx
    from asgi_lifespan import LifespanManager

    from bench._common import time_gets
    from minqing_kit.auth import TokenSigner
    from services.reporting.entrypoints.api import create_reporting_app
    from services.reporting.settings import ReportingSettings

    settings = ReportingSettings(env="test", database_url=dsn, kafka_bootstrap="127.0.0.1:9", log_json=False,
                                 reporting_consumer=f"reporting-bench-api-{uuid.uuid4().hex[:8]}")
    app = create_reporting_app(settings=settings, clock=lambda: datetime.combine(end, datetime.min.time(), CST))
    signer = TokenSigner.generate(settings.jwt_issuer)  # a throwaway key the in-process app accepts
    settings.jwt_public_keys = json.dumps(signer.key_set().jwks())
    token = signer.mint("bench", "county_supervisor", settings.county_code)
    headers = {"Authorization": f"Bearer {token}"}
    paths = {k: v for k, v in timed_paths(end).items() if not only or k in only}
    answers: dict[str, Any] = {}
    async with LifespanManager(app) as manager, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://bench") as client:
        deps = app.state.deps
        times = await time_gets(client, paths, headers, requests, lambda: _clear_caches(deps))
        if compare:
            for path in equality_paths(end):
                _clear_caches(deps)
                r = await client.get(path, headers=headers)
                r.raise_for_status()
                if r.headers["content-type"].startswith("application/json"):
                    body = r.json()
                    if isinstance(body, dict):
                        body.pop("generated_at", None)
                    answers[path] = body
                else:
                    answers[path] = r.text
    return times, answers


# ----- history and databases ---------------------------------------------------------------------------

@contextmanager
def temporary_postgres(prefix: str) -> Iterator[Any]:
    """A throwaway PostgreSQL only (restoring a snapshot needs no Kafka); yields its DevstackSettings."""
    from devstack.postgres import PostgresNode
    from devstack.settings import DevstackSettings
    from devstack.stack import free_port

    home = Path(tempfile.mkdtemp(prefix=prefix))
    settings = DevstackSettings(home=home, pg_port=free_port(), pg_fsync=False, databases=())
    node = PostgresNode(settings)
    try:
        node.start()
        node.wait_ready()
        yield settings
    finally:
        node.stop()
        shutil.rmtree(home, ignore_errors=True)


def _pg_tool(settings: Any, name: str) -> str:
    from devstack.postgres import find_pg_bin

    return str(find_pg_bin(settings) / name)


async def _sql(dsn: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def build_history(stack: Any, days: int, seed: int, vacuum: bool = True) -> int:
    """Produce `days` of history to the stack's Kafka and replay it into database TEMPLATE_DB."""
    from minqing_contract.topics import create_topics
    from services.reporting.entrypoints.replay import replay
    from services.reporting.settings import ReportingSettings
    from simulator.produce import produce_history

    create_topics(stack.kafka_admin)
    t0 = time.perf_counter()
    stats = await produce_history(stack.kafka_admin, START, days, seed=seed, progress=False, print_summary=False)
    out(f"  produced {stats.events:,} events ({days} days) in {time.perf_counter() - t0:.0f} s")
    await _sql(stack.dsn(), f'CREATE DATABASE "{TEMPLATE_DB}"')
    settings = ReportingSettings(env="test", database_url=stack.dsn(TEMPLATE_DB), **stack.kafka_settings(),
                                 reporting_consumer=f"reporting-bench-api-{uuid.uuid4().hex[:8]}", log_json=False)
    result = await replay(settings, progress=False)
    out(f"  replayed into the read model in {result.seconds:.0f} s")
    if vacuum:
        await _sql(stack.dsn(TEMPLATE_DB), "VACUUM ANALYZE")
    return int(stats.events)


def restore(settings: Any, snapshot: Path) -> None:
    asyncio.run(_sql(settings.pg_dsn(), f'CREATE DATABASE "{TEMPLATE_DB}"'))
    t0 = time.perf_counter()
    subprocess.run([_pg_tool(settings, "pg_restore"), "--no-owner", "-j", "2", "-d", settings.pg_dsn(TEMPLATE_DB),
                    str(snapshot)], check=True)
    asyncio.run(_sql(settings.pg_dsn(TEMPLATE_DB), "VACUUM ANALYZE"))
    out(f"  restored {snapshot} in {time.perf_counter() - t0:.1f} s")


def save(settings: Any, snapshot: Path) -> None:
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([_pg_tool(settings, "pg_dump"), "-Fc", "-f", str(snapshot), settings.pg_dsn(TEMPLATE_DB)],
                   check=True)
    out(f"  saved the history to {snapshot} ({snapshot.stat().st_size / 1e6:.0f} MB)")


# ----- orchestration -----------------------------------------------------------------------------------

def run_all(args: argparse.Namespace, pg: Any) -> None:
    end = START + timedelta(days=args.days - 1)
    trees = {"current": REPO}
    if args.baseline:
        trees = {"baseline": args.baseline.resolve(), **trees}
    work = Path(tempfile.mkdtemp(prefix="minqing-api-bench-"))
    times: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    try:
        for name in trees:
            asyncio.run(_sql(pg.pg_dsn(), f'CREATE DATABASE "api_{name}" TEMPLATE "{TEMPLATE_DB}"'))
        for round_no in range(args.rounds):
            for name, code in trees.items():
                result = work / f"{name}-{round_no}.json"
                cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", pg.pg_dsn(f"api_{name}"),
                       "--code", str(code), "--end", end.isoformat(), "--requests", str(args.requests),
                       "--result", str(result)]
                if round_no == 0 and args.baseline:
                    cmd += ["--bodies", str(work / f"{name}.bodies.json")]
                for key in args.only:
                    cmd += ["--only", key]
                subprocess.run(cmd, check=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code)})
                for key, values in json.loads(result.read_text()).items():
                    times[name].setdefault(key, []).extend(values)
        report(times, args)
        if args.baseline:
            compare(work / "baseline.bodies.json", work / "current.bodies.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(times: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO))
    from bench._common import pct

    names = list(times)
    out(f"  API latency over {args.days} days of history, {args.requests * args.rounds} uncached requests each"
        " (in-process ASGI), p50 / p99 ms:")
    out("    " + f"{'endpoint':32}" + "".join(f"{n:>22}" for n in names) + "   target p99 < 50")
    for key in times[names[-1]]:
        cells = []
        for n in names:
            v = times[n].get(key)
            cells.append(f"{statistics.median(v):9.1f} / {pct(v, 99):7.1f}  " if v else f"{'-':>22}")
        flag = "ok" if pct(times[names[-1]][key], 99) < 50 else "OVER"
        out(f"    {key:32}" + "".join(cells) + f"   {flag}")


def compare(before: Path, after: Path) -> None:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    differ = [path for path in a if a[path] != b.get(path)]
    if differ:
        out(f"  RESPONSES DIFFER for {len(differ)} of {len(a)} requests, e.g. {differ[:5]}")
        raise SystemExit(1)
    out(f"  responses identical for all {len(a)} comparison requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=1, help="alternate baseline/current this many times")
    parser.add_argument("--snapshot", type=Path, help="pg_dump of the history: written if absent, else restored")
    parser.add_argument("--baseline", type=Path, help="another copy of the code to compare with")
    parser.add_argument("--as-replayed", action="store_true",
                        help="measure right after the replay, before any vacuum (as bench/reporting.py does); no snapshot")
    parser.add_argument("--only", action="append", default=[], help="time only this endpoint (repeatable)")
    # internal: one measurement, in a subprocess
    parser.add_argument("--measure", metavar="DSN", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=REPO, help=argparse.SUPPRESS)
    parser.add_argument("--end", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bodies", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        times, answers = asyncio.run(measure(args.code, args.measure, args.end, args.requests, args.only,
                                             args.bodies is not None))
        args.result.write_text(json.dumps(times))
        if args.bodies is not None:
            args.bodies.write_text(json.dumps(answers, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8")
        return
    sys.path.insert(0, str(REPO))
    if args.snapshot and args.snapshot.exists() and not args.as_replayed:
        with temporary_postgres("minqing-api-bench-") as pg:
            restore(pg, args.snapshot)
            run_all(args, pg)
        return
    from devstack.stack import temporary_stack

    with temporary_stack("minqing-api-bench-") as stack:
        asyncio.run(build_history(stack, args.days, args.seed, vacuum=not args.as_replayed))
        if args.snapshot and not args.as_replayed:
            save(stack.settings, args.snapshot)
        run_all(args, stack.settings)


if __name__ == "__main__":
    main()
