"""Database unavailability without I/O: the unit of work never keeps a connection, the HTTP edge answers
503 with the JSON error body and Retry-After, and /healthz follows the supervised loops."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from minqing_kit.db import is_db_unavailable
from minqing_kit.http import create_app
from minqing_kit.supervisor import Heartbeat, Supervisor
from minqing_kit.uow import UnitOfWork


class FakeTx:
    def __init__(self, conn: FakeConn) -> None:
        self.conn = conn

    async def start(self) -> None:
        if self.conn.fail_on == "begin":
            raise asyncpg.exceptions.InternalClientError("cannot switch to state 15; previous state was 2")
        self.conn.log.append("begin")

    async def commit(self) -> None:
        if self.conn.fail_on == "commit":
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        self.conn.log.append("commit")

    async def rollback(self) -> None:
        if self.conn.fail_on in ("commit", "rollback"):
            raise asyncpg.exceptions.InterfaceError("connection is closed")
        self.conn.log.append("rollback")


@dataclass
class FakeConn:
    fail_on: str | None = None
    log: list[str] = field(default_factory=list)

    def transaction(self) -> FakeTx:
        return FakeTx(self)

    async def executemany(self, *args: Any) -> None:
        self.log.append("outbox")


class FakePool:
    """Counts connections out and in, like asyncpg's pool acquire context."""

    def __init__(self, conn: FakeConn) -> None:
        self.conn = conn
        self.out = 0
        self.timeouts: list[float | None] = []

    def acquire(self, *, timeout: float | None = None) -> Any:
        pool = self
        pool.timeouts.append(timeout)

        class _Ctx:
            async def __aenter__(self) -> FakeConn:
                pool.out += 1
                return pool.conn

            async def __aexit__(self, *exc: object) -> None:
                pool.out -= 1
        return _Ctx()


@pytest.mark.parametrize("fail_on", ["begin", "commit", "rollback", "body"])
async def test_the_connection_goes_back_whatever_fails(fail_on: str) -> None:
    pool = FakePool(FakeConn(fail_on=fail_on))
    with pytest.raises(Exception) as caught:
        async with UnitOfWork(pool, "/minqing/test") as uow:  # type: ignore[arg-type]
            if fail_on == "body":
                raise ConnectionResetError("lost mid-request")
            if fail_on != "rollback":
                await uow.commit()
            raise ConnectionResetError("not committed")  # leaving uncommitted: rolled back
    assert is_db_unavailable(caught.value)
    assert pool.out == 0, "connection leaked"
    # waiting for a connection is bounded; a failed BEGIN is retried once on a fresh connection
    assert pool.timeouts == [5.0] * (2 if fail_on == "begin" else 1)


async def test_a_stale_connection_failing_at_begin_is_replaced_once() -> None:
    pool = FakePool(FakeConn(fail_on="begin"))
    real_acquire = pool.acquire

    def acquire(*, timeout: float | None = None) -> Any:
        if len(pool.timeouts) == 1:
            pool.conn = FakeConn()  # the pool connected afresh
        return real_acquire(timeout=timeout)

    pool.acquire = acquire  # type: ignore[method-assign]
    async with UnitOfWork(pool, "/minqing/test") as uow:  # type: ignore[arg-type]
        await uow.commit()
    assert pool.conn.log == ["begin", "commit"]  # the fresh connection; the stale one never began
    assert pool.out == 0 and len(pool.timeouts) == 2


async def test_commit_then_release_and_no_rollback() -> None:
    pool = FakePool(FakeConn())
    async with UnitOfWork(pool, "/minqing/test") as uow:  # type: ignore[arg-type]
        await uow.commit()
    assert pool.conn.log == ["begin", "commit"] and pool.out == 0
    async with UnitOfWork(pool, "/minqing/test"):  # type: ignore[arg-type]
        pass
    assert pool.conn.log[-2:] == ["begin", "rollback"] and pool.out == 0


@pytest.mark.parametrize("exc", [
    asyncpg.exceptions.ConnectionDoesNotExistError("closed"),
    asyncpg.exceptions.InterfaceError("connection is closed"),
    asyncpg.exceptions.InternalClientError("cannot switch to state 15"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    ConnectionRefusedError(111, "Connect call failed"),
    TimeoutError(),
    OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] Cannot assign"),
])
def test_database_unavailable(exc: BaseException) -> None:
    assert is_db_unavailable(exc)


@pytest.mark.parametrize("exc", [
    asyncpg.exceptions.UniqueViolationError("duplicate key"),
    asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"),
    asyncpg.exceptions.DataError("invalid input syntax"),  # SQLSTATE 22, from the server
    asyncpg.exceptions._base.DataError("invalid input for query argument $1"),  # client-side, an InterfaceError
    asyncpg.exceptions.ClientConfigurationError("bad"),
    FileNotFoundError(2, "No such file"),
    ValueError("bad"),
])
def test_not_database_unavailable(exc: BaseException) -> None:
    assert not is_db_unavailable(exc)


@dataclass
class FakeRuntime:
    supervisor: Supervisor

    def liveness(self) -> Any:
        return self.supervisor.liveness()


def make_app() -> Any:
    app = create_app(service="unit", title="unit", tokens=None)

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)")

    @app.get("/terminated")
    async def terminated() -> None:
        raise asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")

    @app.get("/pool-timeout")
    async def pool_timeout() -> None:
        raise TimeoutError()

    @app.get("/file")
    async def file() -> None:
        raise FileNotFoundError(2, "No such file", "/tmp/x")

    return app


async def test_database_unavailable_answers_503_json_with_retry_after() -> None:
    app = make_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for path in ("/refused", "/terminated", "/pool-timeout"):
            r = await client.get(path)
            assert r.status_code == 503, (path, r.text)
            assert r.headers["retry-after"] == "5"
            error = r.json()["error"]
            assert error["code"] == "service_unavailable" and error["rule"] == "database_unavailable"
            assert "数据库暂时不可用" in error["message"] and "retry later" in error["message"]
        assert (await client.get("/file")).status_code == 500  # not a database outage: not disguised


async def test_other_errors_of_the_same_classes_reach_their_own_handler() -> None:
    app = make_app()

    @app.exception_handler(ValueError)
    async def _value(_: Any, exc: ValueError) -> Any:
        from fastapi.responses import JSONResponse
        return JSONResponse({"error": {"code": "invalid_input"}}, status_code=422)

    @app.get("/data-error")
    async def data_error() -> None:
        # asyncpg's client-side DataError: an InterfaceError (mapped to 503 above) and a ValueError
        raise asyncpg.exceptions._base.DataError("invalid input for query argument $1")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/data-error")).status_code == 422
        assert (await client.get("/refused")).status_code == 503


async def test_healthz_fails_when_a_supervised_loop_is_dead() -> None:
    app = make_app()
    stop = asyncio.Event()
    sup = Supervisor(stop)
    app.state.runtime = FakeRuntime(sup)

    async def fine(heartbeat: Heartbeat) -> None:
        await stop.wait()

    state = sup.spawn("outbox-relay", fine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/healthz")
        assert r.status_code == 200 and r.json()["loops"] == {"outbox-relay": "ok"}
        assert state.task is not None
        state.task.cancel()
        await asyncio.gather(state.task, return_exceptions=True)
        r = await client.get("/healthz")
        assert r.status_code == 503 and r.json()["loops"]["outbox-relay"] == "dead: cancelled"
    stop.set()
