"""Supervised background loops: restarted with capped backoff, counted, and watched for liveness.

Every long-running loop of a service process (the outbox relay, the deadline and overdue watchers, the
escalation timer) runs under its runtime's one `Supervisor` — never a bare task whose death nobody sees:

- a crash (any exception escaping the loop, or the loop returning while the process is not stopping)
  is logged with its traceback, counted in `minqing_background_restarts_total{task}`, and the loop is
  started again after `base · 2^n` seconds, capped at `max_backoff`; the exponent resets once an
  attempt has run for `healthy_after` seconds;
- the loop calls `heartbeat.beat()` whenever it completes a cycle (a pass, a wait, a retry), which
  sets `minqing_background_heartbeat_timestamp_seconds{task}`;
- `liveness()` fails when a loop is **dead** (its supervising task ended while the process is not
  stopping) or **stuck** (an attempt has run `stuck_after` seconds without a beat). A loop waiting out
  a backoff is alive: during a database outage loops crash and retry, and restarting the process would
  not bring the database back (the counter and the logs show it).

APIs answer /healthz with 503 when liveness fails (Kubernetes restarts the pod); workers leave their
`serve_until` with `BackgroundLoopDead` and exit non-zero (`run_worker`), so Kubernetes or the local
process supervisor restarts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from minqing_kit import metrics

log = logging.getLogger(__name__)

DEFAULT_STUCK_AFTER_S = 120.0


class BackgroundLoopDead(RuntimeError):
    """A supervised loop is dead or stuck: the process should be restarted."""


class Heartbeat:
    """Handed to a supervised loop; `beat()` says "I completed a cycle and am not stuck"."""

    def __init__(self, task: str, clock: Callable[[], float]) -> None:
        self.task = task
        self._clock = clock
        self.last = clock()
        self.beats = 0

    def beat(self) -> None:
        self.last = self._clock()
        self.beats += 1
        metrics.BACKGROUND_HEARTBEAT.labels(task=self.task).set(time.time())


LoopFn = Callable[[Heartbeat], Awaitable[None]]


@dataclass
class LoopState:
    name: str
    fn: LoopFn
    stuck_after: float
    heartbeat: Heartbeat
    phase: str = "starting"  # running | backoff | stopped
    restarts: int = 0
    backoffs: list[float] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


@dataclass(frozen=True)
class Liveness:
    ok: bool
    loops: dict[str, str]  # task name -> "ok" | "backoff" | "dead: ..." | "stuck: ..."


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Delay before restart number `failures + 1` of a loop that keeps crashing."""
    return float(min(cap, base * (2 ** min(failures, 30))))


class Supervisor:
    def __init__(self, stop: asyncio.Event, *, base_backoff: float = 0.5, max_backoff: float = 30.0,
                 healthy_after: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stop = stop
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.healthy_after = healthy_after
        self.clock = clock
        self.loops: dict[str, LoopState] = {}

    def spawn(self, name: str, fn: LoopFn, *, stuck_after: float = DEFAULT_STUCK_AFTER_S) -> LoopState:
        """Run `fn(heartbeat)` until `stop` is set, restarting it whenever it crashes."""
        running = self.loops[name].task if name in self.loops else None
        if running is not None and not running.done():
            raise ValueError(f"a loop named {name!r} is already running")
        state = LoopState(name, fn, stuck_after, Heartbeat(name, self.clock))
        state.task = asyncio.create_task(self._supervise(state), name=f"supervised:{name}")
        self.loops[name] = state
        return state

    def periodic(self, name: str, one_pass: Callable[[], Awaitable[object]], interval: float, *,
                 stuck_after: float | None = None) -> LoopState:
        """Run `one_pass()` every `interval` seconds; a failed pass is a crash (restart with backoff)."""

        async def loop(heartbeat: Heartbeat) -> None:
            while not self.stop.is_set():
                await one_pass()
                heartbeat.beat()
                await sleep_or_stop(self.stop, interval)
                heartbeat.beat()

        return self.spawn(name, loop, stuck_after=stuck_after or max(DEFAULT_STUCK_AFTER_S, 3 * interval))

    async def _supervise(self, state: LoopState) -> None:
        failures = 0
        try:
            while not self.stop.is_set():
                started = self.clock()
                state.heartbeat.last = started
                state.phase = "running"
                try:
                    await state.fn(state.heartbeat)
                    if self.stop.is_set():
                        break
                    error: BaseException = RuntimeError("loop returned while the process is running")
                except Exception as exc:
                    if self.stop.is_set():  # failing because the process stops under it: no restart
                        log.info("background loop ended with an error while stopping",
                                 extra={"task": state.name, "error": repr(exc)})
                        break
                    error = exc
                if self.clock() - started >= self.healthy_after:
                    failures = 0
                delay = backoff_delay(failures, self.base_backoff, self.max_backoff)
                failures += 1
                state.restarts += 1
                state.backoffs.append(delay)
                metrics.BACKGROUND_RESTARTS.labels(task=state.name).inc()
                log.error("background loop crashed; restarting", exc_info=error,
                          extra={"task": state.name, "restart_in_s": delay, "restarts": state.restarts})
                state.phase = "backoff"
                await sleep_or_stop(self.stop, delay)
        finally:
            state.phase = "stopped"

    def liveness(self) -> Liveness:
        now = self.clock()
        report: dict[str, str] = {}
        for name, state in self.loops.items():
            task = state.task
            if task is not None and task.done() and not self.stop.is_set():
                cause = "cancelled" if task.cancelled() else repr(task.exception())
                report[name] = f"dead: {cause}"
            elif state.phase == "running" and now - state.heartbeat.last > state.stuck_after:
                report[name] = f"stuck: no heartbeat for {now - state.heartbeat.last:.0f}s"
            else:
                report[name] = "backoff" if state.phase == "backoff" else "ok"
        ok = not any(v.startswith(("dead", "stuck")) for v in report.values())
        return Liveness(ok, report)

    async def serve_until(self, stop: asyncio.Event, *, check_every: float = 2.0) -> None:
        """For a worker's main: wait for `stop`, raising `BackgroundLoopDead` if a loop dies or sticks."""
        while not stop.is_set():
            live = self.liveness()
            if not live.ok:
                raise BackgroundLoopDead(f"background loops not alive: {live.loops}")
            await sleep_or_stop(stop, check_every)

    async def shutdown(self, timeout: float) -> None:
        """Set `stop`, give the loops `timeout` seconds to finish, then cancel the rest (bounded too)."""
        self.stop.set()
        tasks = [s.task for s in self.loops.values() if s.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            log.warning("background loop did not stop in time; cancelling", extra={"task": task.get_name()})
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)  # a task that ignores cancellation is abandoned


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, returning early when `stop` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
