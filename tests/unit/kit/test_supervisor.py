"""The background-loop supervisor without I/O: restarts with capped backoff, counts, and liveness."""

from __future__ import annotations

import asyncio

import pytest

from minqing_kit import metrics
from minqing_kit.supervisor import BackgroundLoopDead, Heartbeat, Supervisor, backoff_delay


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def restarts(task: str) -> float:
    return metrics.BACKGROUND_RESTARTS.labels(task=task)._value.get()


async def until(check, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.001)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_delay(n, 0.5, 30.0) for n in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff_delay(10_000, 0.5, 30.0) == 30.0


async def test_a_crashing_loop_is_restarted_with_backoff_and_counted() -> None:
    stop = asyncio.Event()
    sup = Supervisor(stop, base_backoff=0.001, max_backoff=0.004)
    before = restarts("crashy")
    attempts = 0
    settled = asyncio.Event()

    async def loop(heartbeat: Heartbeat) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 4:
            raise ConnectionResetError(f"attempt {attempts}")
        while not stop.is_set():
            heartbeat.beat()
            settled.set()
            await asyncio.sleep(0.001)

    state = sup.spawn("crashy", loop)
    await asyncio.wait_for(settled.wait(), 5)
    assert attempts == 5 and state.restarts == 4
    assert state.backoffs == [0.001, 0.002, 0.004, 0.004]  # doubling, capped
    assert restarts("crashy") - before == 4
    assert sup.liveness().ok and sup.liveness().loops == {"crashy": "ok"}
    await sup.shutdown(1.0)
    assert state.phase == "stopped" and state.task is not None and state.task.done()


async def test_a_loop_that_returns_while_running_counts_as_a_crash() -> None:
    stop = asyncio.Event()
    sup = Supervisor(stop, base_backoff=0.001, max_backoff=0.001)
    state = sup.spawn("quits", lambda hb: asyncio.sleep(0))
    await until(lambda: state.restarts >= 3)
    await sup.shutdown(1.0)


async def test_a_loop_without_heartbeat_beyond_its_bound_is_stuck() -> None:
    clock = FakeClock()
    stop = asyncio.Event()
    sup = Supervisor(stop, clock=clock)
    forever = asyncio.Event()

    async def hangs(heartbeat: Heartbeat) -> None:
        heartbeat.beat()
        await forever.wait()  # e.g. a query on a connection that never answers

    state = sup.spawn("hangs", hangs, stuck_after=30.0)
    await until(lambda: state.heartbeat.beats == 1)
    clock.now += 29.0
    assert sup.liveness().ok
    clock.now += 2.0
    live = sup.liveness()
    assert not live.ok and live.loops["hangs"].startswith("stuck: no heartbeat for 31s")
    with pytest.raises(BackgroundLoopDead, match="hangs"):
        await asyncio.wait_for(sup.serve_until(asyncio.Event(), check_every=0.01), 2)
    await sup.shutdown(0.05)  # ignores stop: cancelled after the bound
    assert state.task is not None and state.task.cancelled()


async def test_a_loop_waiting_out_its_backoff_is_alive_but_a_dead_supervisor_is_not() -> None:
    clock = FakeClock()
    stop = asyncio.Event()
    sup = Supervisor(stop, base_backoff=3600.0, max_backoff=3600.0, clock=clock)

    async def db_down(heartbeat: Heartbeat) -> None:
        raise ConnectionRefusedError("database down")

    state = sup.spawn("db-down", db_down, stuck_after=10.0)
    await until(lambda: state.phase == "backoff")
    clock.now += 600.0  # long outage: still alive, restarting would not bring the database back
    assert sup.liveness().ok and sup.liveness().loops["db-down"] == "backoff"

    assert state.task is not None
    state.task.cancel()  # the supervising task itself is gone: dead
    await until(lambda: state.task is not None and state.task.done())
    live = sup.liveness()
    assert not live.ok and live.loops["db-down"] == "dead: cancelled"
    stop.set()
    assert sup.liveness().ok  # stopping: ended loops are expected


async def test_a_loop_killed_by_a_base_exception_is_dead() -> None:
    class Fatal(BaseException):
        pass

    stop = asyncio.Event()
    sup = Supervisor(stop)

    async def fatal(heartbeat: Heartbeat) -> None:
        raise Fatal("boom")

    state = sup.spawn("fatal", fatal)
    await until(lambda: state.task is not None and state.task.done())
    assert sup.liveness().loops["fatal"].startswith("dead: Fatal")


async def test_periodic_runs_passes_and_recovers_from_a_failed_pass() -> None:
    stop = asyncio.Event()
    sup = Supervisor(stop, base_backoff=0.001, max_backoff=0.001)
    passes: list[int] = []

    async def one_pass() -> None:
        passes.append(len(passes))
        if len(passes) == 2:
            raise RuntimeError("a bug in pass 2")

    state = sup.periodic("watcher", one_pass, interval=0.001)
    await until(lambda: len(passes) >= 5)
    await sup.shutdown(1.0)
    assert state.restarts == 1 and sup.liveness().ok
    assert state.stuck_after == 120.0  # default bound, at least three intervals
