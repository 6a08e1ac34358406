"""The demo's history, through the services (issue 18): every matter, inspection, hazard and request of
the simulated past is made by the services' own handlers, stored in their databases with its timeline,
and reaches Kafka through their outboxes.

How: the petition, safety and volunteer apps run in this process (their FastAPI apps with lifespan,
outbox relay on) against the services' own databases, all with one `SimClock`. The `LiveSimulator`
acts through their HTTP APIs (in-process transport) while the clock steps from `days` ago to now,
`tick` at a time; after each tick the workers' timers run once with the same clock (the petition
deadline watcher, the hazard overdue watcher, the volunteer escalation timer), so approaching and
overdue deadlines are announced when they fall due in simulated time. Once the clock has caught up with
the wall clock, the simulator (with its state: open matters, hazards, requests) is handed to the live
run against the real service processes.

While the history loads, the services' worker processes must not run their own timers on the wall
clock against it: the Procfile starts them after `python -m simulator wait-history`, which waits for
the marker this module writes when it is done.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from minqing_kit.auth import TokenSigner
from simulator.live import LiveSimulator

log = logging.getLogger("simulator.backfill")


class SimClock:
    """A clock the history moves by hand (shared by the apps, their timers and the simulator)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def _nothing() -> None:
    return None


@dataclass
class InProcessServices:
    clients: dict[str, httpx.AsyncClient]
    deps: dict[str, Any]
    #: Waits until the petition intake has taken on every problem liaison raised (a no-op without liaison).
    settle: Callable[[], Awaitable[None]] = _nothing


@asynccontextmanager
async def in_process_services(dsns: dict[str, str], clock: SimClock, *, run_relay: bool = True,
                              overrides: dict[str, Any] | None = None,
                              service_overrides: dict[str, dict[str, Any]] | None = None,
                              ) -> AsyncIterator[InProcessServices]:
    """The four services' apps in this process, on `dsns`, with `clock`; their relays publish the outbox.
    Liaison is left out when `dsns` has no database for it. `service_overrides[<service>]`: settings of
    one service only (its Kafka user and password)."""
    from asgi_lifespan import LifespanManager

    from services.liaison.entrypoints.api import create_liaison_app
    from services.liaison.settings import LiaisonSettings
    from services.petition.entrypoints.api import create_petition_app
    from services.petition.settings import PetitionSettings
    from services.safety.entrypoints.api import create_safety_app
    from services.safety.settings import SafetySettings
    from services.volunteer.entrypoints.api import create_volunteer_app
    from services.volunteer.settings import VolunteerSettings

    extra = overrides or {}

    def conf(cls: Any, service: str) -> Any:
        own = (service_overrides or {}).get(service, {})
        return cls(service=service, database_url=dsns[service], run_relay=run_relay, metrics_port=None,
                   **{**extra, **own})

    petition_settings = conf(PetitionSettings, "petition")
    safety_settings = conf(SafetySettings, "safety")
    volunteer_settings = conf(VolunteerSettings, "volunteer")
    apps = {"petition": create_petition_app(petition_settings, clock),
            "safety": create_safety_app(settings=safety_settings, clock=clock),
            "volunteer": create_volunteer_app(lambda: volunteer_settings, clock)}
    if "liaison" in dsns:
        liaison_settings = conf(LiaisonSettings, "liaison")
        apps["liaison"] = create_liaison_app(lambda: liaison_settings, clock)
    async with AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        deps: dict[str, Any] = {}
        for name, app in apps.items():
            manager = await stack.enter_async_context(LifespanManager(app, startup_timeout=120, shutdown_timeout=60))
            clients[name] = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url=f"http://{name}.in-process", timeout=60))
            deps[name] = app.state.deps  # liaison: its wired Service (the week-close pass takes it)
        settle = _nothing
        if "liaison" in apps:
            settle = await stack.enter_async_context(_liaison_intake(apps["petition"], apps["liaison"], deps["petition"]))
        yield InProcessServices(clients, deps, settle)


@asynccontextmanager
async def _liaison_intake(petition: Any, liaison: Any, service: Any) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """The petition worker's liaison intake, in this process on the simulated clock: a problem a visit
    raises in the history becomes its 民情走访 matter at the visit's simulated time (the worker process,
    started once the history is loaded, would register them all at once, on the wall clock). Same
    consumer group and consumer name as the worker's, which carries on from its offsets."""
    import asyncio

    from minqing_contract import topic_for_stream
    from minqing_kit.consumer import EventConsumer
    from services.petition.entrypoints.liaison_intake import CONSUMER, intake_handler

    rt, liaison_pool = petition.state.runtime, liaison.state.runtime.pool
    consumer = EventConsumer(bootstrap=rt.settings.kafka, group_id=rt.settings.liaison_intake_id,
                             topics=[topic_for_stream("liaison")], pool=rt.pool, handler=intake_handler(service),
                             name=CONSUMER)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))

    async def settle(timeout: float = 20.0) -> None:
        raised = await liaison_pool.fetchval(
            "SELECT count(*) FROM outbox WHERE event_type = 'liaison.problem_raised'")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not task.done():
            taken = await rt.pool.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = $1 AND event_type = 'liaison.problem_raised'",
                CONSUMER)
            if taken + consumer.totals.dead_lettered >= raised:
                return
            await asyncio.sleep(0.05)
        log.warning("the petition intake has not taken on every liaison problem yet; the worker will")

    try:
        yield settle
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 30)
        except Exception:  # stopping: whatever it failed on, the worker's intake redoes it
            log.exception("the in-process liaison intake ended with an error")


async def run_timers(deps: dict[str, Any]) -> None:
    """One pass of each worker's timers, with the deps' (simulated) clock."""
    from services.liaison.entrypoints.worker import close_due_weeks
    from services.petition.service_layer import watcher as petition_watcher
    from services.safety.service_layer import watcher as safety_watcher
    from services.volunteer.entrypoints.worker import escalate_due

    await petition_watcher.watch_once(deps["petition"])
    await safety_watcher.watch_once(deps["safety"])
    await escalate_due(deps["volunteer"])
    if "liaison" in deps:
        await close_due_weeks(deps["liaison"])


@dataclass
class HistoryStats:
    days: float
    ticks: int
    actions: int
    seconds: float


async def drive(sim: LiveSimulator, clock: SimClock, deps: dict[str, Any], end: Callable[[], datetime], *,
                tick: timedelta = timedelta(minutes=10), out: Callable[[str], None] = lambda _l: None,
                report_every: float = 15.0, settle: Callable[[], Awaitable[None]] = _nothing) -> HistoryStats:
    """Step `clock` by `tick` up to `end()` (re-read each tick: the wall clock moves on meanwhile),
    advancing the simulator and running the timers at every tick; a tick whose visits raised problems
    waits (`settle`) until the petition intake has registered their matters, at that tick's time."""
    began, start = time.monotonic(), clock.at
    ticks, last_report = 0, time.monotonic()
    while end() - clock.at > timedelta(seconds=30):  # caught up: the wall clock's next seconds are live
        clock.at = min(clock.at + tick, end())
        problems = sim.actions["liaison.problem"]
        await sim.advance()
        if sim.actions["liaison.problem"] != problems:
            await settle()
        await run_timers(deps)
        ticks += 1
        if time.monotonic() - last_report >= report_every:
            done = (clock.at - start) / max(end() - start, timedelta(seconds=1))
            out(f"history: {done:4.0%} at {clock.at.astimezone().strftime('%Y-%m-%d %H:%M')} — {sim.summary()}")
            last_report = time.monotonic()
    return HistoryStats((clock.at - start).total_seconds() / 86400, ticks, sum(sim.actions.values()),
                        time.monotonic() - began)


def marker_path() -> Path:
    from devstack.settings import DevstackSettings

    return DevstackSettings().demo_history_marker


def write_marker(path: Path, info: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, ensure_ascii=False, default=str) + "\n")


async def load_history(days: float, dsns: dict[str, str], *, seed: int = 7, signer: TokenSigner | None = None,
                       tick: timedelta = timedelta(minutes=10), volume: float = 1.0, pace: float = 1.0,
                       out: Callable[[str], None] = lambda _l: None,
                       now: Callable[[], datetime] = lambda: datetime.now(UTC),
                       sim_kwargs: dict[str, Any] | None = None,
                       overrides: dict[str, Any] | None = None,
                       service_overrides: dict[str, dict[str, Any]] | None = None) -> tuple[LiveSimulator, HistoryStats]:
    """Make `days` of county history through the services, ending at `now()`; returns the simulator
    (its clients closed: hand it new ones and the wall clock to carry on live) and the figures."""
    from simulator.live import local_signer

    clock = SimClock(now() - timedelta(days=days))
    signer = signer or local_signer()
    # the in-process services accept the simulator's key (public half only, as every service)
    overrides = {"jwt_public_keys": json.dumps(signer.key_set().jwks()), **(overrides or {})}
    async with in_process_services(dsns, clock, overrides=overrides, service_overrides=service_overrides) as svc:
        sim = LiveSimulator(svc.clients["petition"], svc.clients["safety"], svc.clients["volunteer"], seed,
                            pace=pace, signer=signer, clock=clock, retry_seconds=30, volume=volume,
                            liaison=svc.clients.get("liaison"), **(sim_kwargs or {}))
        await sim.seed_reference()
        sim._last_advance = clock.at
        stats = await drive(sim, clock, svc.deps, now, tick=tick, out=out, settle=svc.settle)
        await drain_outboxes(dsns)
    return sim, stats


async def drain_outboxes(dsns: dict[str, str], timeout: float = 120.0) -> int:
    """Wait (while the in-process relays run) until every service's outbox is published; returns what is
    left (0 unless the broker is away; the services' own relays publish the rest later)."""
    import asyncio

    import asyncpg

    deadline = time.monotonic() + timeout
    left = 0
    while True:
        left = 0
        for service in ("petition", "safety", "volunteer", "liaison"):
            if service not in dsns:
                continue
            conn = await asyncpg.connect(dsns[service])
            try:
                left += await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            finally:
                await conn.close()
        if not left or time.monotonic() > deadline:
            return int(left)
        await asyncio.sleep(0.5)
