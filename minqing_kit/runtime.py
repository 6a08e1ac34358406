"""What every service process needs, wired once: settings → pool + migrations → tokens, pseudonyms,
PII cipher → outbox relay → readiness checks. Called from a FastAPI lifespan or a worker's main,
never at import time (conventions: one composition root per service, no module-level singletons).

    async with ServiceRuntime.open(settings, migrations=[("petition", MIGRATIONS)]) as rt:
        app.state.runtime = rt                     # rt.pool, rt.uow(), rt.tokens, rt.pseudonym, rt.cipher

Background loops run under the runtime's `Supervisor` (`rt.spawn(name, fn)`, `rt.periodic(...)`):
restarted with backoff when they crash, counted, and part of the process's liveness (`rt.liveness()`,
served on the API's /healthz). A worker's main ends with `await rt.serve_until(stop)`, which raises
`BackgroundLoopDead` when a loop is dead or stuck; `run_worker` then exits non-zero so that Kubernetes
or the local process supervisor restarts it (the worker's liveness probe is its exit).

A worker process runs `run_worker(settings, main)`: JSON logs, a Prometheus endpoint on
`settings.metrics_port`, SIGTERM/SIGINT → the `stop` event its coroutine watches, and a hard bound:
a process still running `shutdown_grace_s` after the signal exits anyway (status 1).

Shutdown is bounded everywhere: loops get `LOOP_STOP_TIMEOUT_S` and are then cancelled, the pool is
closed within `POOL_CLOSE_TIMEOUT_S` and then terminated, so a database that does not answer cannot
hold SIGTERM: at most ~6 s in the runtime, plus uvicorn's `--timeout-graceful-shutdown` for in-flight
requests on an API (3 s in devstack; set it in every deployment's uvicorn command too).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from prometheus_client import start_http_server

from minqing_kit.auth import TokenVerifier
from minqing_kit.crypto import PiiCipher
from minqing_kit.db import KIT_MIGRATIONS, apply_migrations, close_pool, create_pool
from minqing_kit.http import kafka_check, postgres_check
from minqing_kit.logs import configure_logging
from minqing_kit.outbox import OutboxRelay
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.settings import ServiceSettings
from minqing_kit.supervisor import BackgroundLoopDead, Liveness, LoopFn, LoopState, Supervisor
from minqing_kit.uow import UnitOfWork

log = logging.getLogger(__name__)

LOOP_STOP_TIMEOUT_S = 3.0
SHUTDOWN_GRACE_S = 10.0
POOL_CLOSE_TIMEOUT_S = 2.0


def tune_gc_for_throughput(young: int = 50_000) -> None:
    """For a process that churns through many short-lived objects (a replay, a catch-up): move the
    objects alive after start-up out of the collector's view (`gc.freeze`) and collect the young
    generation every `young` allocations instead of every 700. Measured on the reporting ingest: the
    default thresholds spent a third of the CPU in collections of objects that were all still alive."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, 20, 100)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting still frees everything else): for a
    bounded phase that builds up millions of long-lived objects it keeps (a rebuild's sums and event
    ids), where every young-generation pass would walk objects that all survive. Measured on the replay
    of a million events: the collector took 12 of its 51 CPU-seconds. Cycles made inside (rare: an
    exception's traceback) are collected by the next automatic pass after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    pool: asyncpg.Pool
    tokens: TokenVerifier
    pseudonym: Pseudonymizer
    cipher: PiiCipher
    relay: OutboxRelay | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.stop)

    @property
    def source(self) -> str:
        """CloudEvents `source` of this service's events."""
        return f"/minqing/{self.settings.service}"

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.pool, self.source)

    def ready_checks(self) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        return [("postgres", postgres_check(self.pool)), ("kafka", kafka_check(self.settings.kafka))]

    def spawn(self, name: str, fn: LoopFn, *, stuck_after: float | None = None) -> LoopState:
        """Run `fn(heartbeat)` for the runtime's lifetime under the supervisor (restart on crash)."""
        if stuck_after is None:
            return self.supervisor.spawn(name, fn)
        return self.supervisor.spawn(name, fn, stuck_after=stuck_after)

    def periodic(self, name: str, one_pass: Callable[[], Awaitable[object]], interval: float) -> LoopState:
        """Run `one_pass()` every `interval` seconds under the supervisor."""
        return self.supervisor.periodic(name, one_pass, interval)

    def liveness(self) -> Liveness:
        return self.supervisor.liveness()

    async def serve_until(self, stop: asyncio.Event) -> None:
        """A worker's main waits here; raises `BackgroundLoopDead` if a supervised loop dies or sticks."""
        await self.supervisor.serve_until(stop)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, settings: ServiceSettings, *, migrations: list[tuple[str, Path]],
                   run_relay: bool | None = None) -> AsyncIterator[ServiceRuntime]:
        pool = await create_pool(settings.dsn, lean_reset=True)
        try:
            await apply_migrations(pool, [("kit", KIT_MIGRATIONS), *migrations])
            runtime = cls(
                settings=settings, pool=pool,
                tokens=TokenVerifier.from_setting(settings.jwt_public_keys, settings.jwt_issuer),
                pseudonym=Pseudonymizer(settings.pseudonym_key.get_secret_value()),
                cipher=PiiCipher.from_setting(settings.pii_key.get_secret_value()),
            )
            if settings.run_relay if run_relay is None else run_relay:
                runtime.relay = OutboxRelay(settings.dsn, settings.kafka, settings.service)
                relay = runtime.relay
                runtime.spawn("outbox-relay", lambda heartbeat: relay.run(runtime.stop, heartbeat))
            try:
                yield runtime
            finally:
                await runtime.supervisor.shutdown(LOOP_STOP_TIMEOUT_S)
        finally:
            await close_pool(pool, POOL_CLOSE_TIMEOUT_S)


def run_worker(settings: ServiceSettings, main: Callable[[asyncio.Event], Awaitable[None]],
               metrics_port: int | None = None, *, shutdown_grace_s: float = SHUTDOWN_GRACE_S) -> None:
    """Run a worker process until SIGTERM/SIGINT: logs, metrics endpoint, graceful but bounded stop.

    Exit status: 0 after a signal, 3 when a supervised loop was dead or stuck (`BackgroundLoopDead`),
    1 when the stop took longer than `shutdown_grace_s` or `main` failed otherwise."""
    configure_logging(settings.service, settings.log_level, json=settings.log_json)
    if metrics_port:
        start_http_server(metrics_port)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def _on_signal() -> None:
            if not stop.is_set():
                loop.call_later(shutdown_grace_s, _exit_now, "shutdown exceeded its grace period")
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _on_signal)
        log.info("worker started", extra={"service": settings.service, "metrics_port": metrics_port})
        try:
            await main(stop)
        except BackgroundLoopDead:
            # the runtime's context has already stopped its loops (bounded); exit so we get restarted
            log.critical("a background loop is dead or stuck; exiting for a restart", exc_info=True)
            raise SystemExit(3) from None
        log.info("worker stopped", extra={"service": settings.service})

    asyncio.run(_run())


def _exit_now(reason: str) -> None:
    log.critical("worker did not stop in time; exiting", extra={"reason": reason})
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    sys.stderr.flush()
    os._exit(1)
