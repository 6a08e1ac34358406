"""SIGTERM ends the petition API (under uvicorn, as devstack runs it) and the petition worker within 10 s
while their database hangs: connections open but nothing answers (a network partition, a frozen primary),
with requests in flight. Both processes talk to PostgreSQL through a TCP proxy the test can freeze."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from devstack.services import command_for
from devstack.stack import Stack
from services.petition.bootstrap import MIGRATIONS
from tests.integration.conftest import TEST_JWKS_FILE, DbFactory
from tests.integration.petition.conftest import ADMIN, matter_body

GRACE_S = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FreezableProxy:
    """Forwards TCP to PostgreSQL; `frozen` holds every byte in both directions (and new connections)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.frozen = False
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                while self.frozen:
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while self.frozen:
            await asyncio.sleep(0.05)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        for task in (asyncio.create_task(self._pipe(reader, up_writer)),
                     asyncio.create_task(self._pipe(up_reader, writer))):
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        self.frozen = False
        if self.server is not None:
            self.server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def _poll(url: str, ok: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                r = await client.get(url, timeout=2)
                if ok in r.text:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"{url} never showed {ok!r}")


async def test_sigterm_ends_api_and_worker_within_grace_while_the_database_hangs(
        stack: Stack, topics: list[str], make_db: DbFactory, tmp_path: Path) -> None:
    dsn = await make_db(("petition", MIGRATIONS))
    proxy = FreezableProxy(int(dsn.split("@")[1].split("/")[0].rsplit(":", 1)[1]))
    proxy_port = await proxy.start()
    api_port, metrics_port = _free_port(), _free_port()
    env = {**os.environ, "MINQING_ENV": "test", "MINQING_SERVICE": "petition", "MINQING_LOG_JSON": "false",
           "MINQING_DATABASE_URL": dsn.replace(dsn.split("@")[1].split("/")[0], f"127.0.0.1:{proxy_port}"),
           "MINQING_KAFKA_BOOTSTRAP": stack.bootstrap, "MINQING_JWT_PUBLIC_KEYS": TEST_JWKS_FILE,
           "MINQING_RUN_RELAY": "true", "MINQING_METRICS_PORT": str(metrics_port)}
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in ("api", "worker")}
    procs = {
        "api": await asyncio.create_subprocess_exec(*command_for("petition", "api", port=api_port), env=env,
                                                    stdout=logs["api"], stderr=logs["api"]),
        "worker": await asyncio.create_subprocess_exec(sys.executable, "-m", "services.petition.entrypoints.worker",
                                                       env=env, stdout=logs["worker"], stderr=logs["worker"]),
    }
    try:
        await _poll(f"http://127.0.0.1:{api_port}/healthz", '"outbox-relay":"ok"')
        await _poll(f"http://127.0.0.1:{metrics_port}/metrics", 'heartbeat_timestamp_seconds{task="deadline-watcher"}')
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=60) as client:
            assert (await client.post("/matters", json=matter_body(), headers=ADMIN)).status_code == 201

            proxy.frozen = True  # the database stops answering; requests now hang in flight
            in_flight = [asyncio.create_task(client.post("/matters", json=matter_body(), headers=ADMIN))
                         for _ in range(3)]
            await asyncio.sleep(1.0)
            assert not any(t.done() for t in in_flight)

            started = time.monotonic()
            for proc in procs.values():
                proc.send_signal(signal.SIGTERM)
            took: dict[str, float] = {}

            async def exited(name: str, proc: asyncio.subprocess.Process) -> None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), GRACE_S + 5)
                took[name] = time.monotonic() - started

            await asyncio.gather(*(exited(name, proc) for name, proc in procs.items()))
            await asyncio.gather(*in_flight, return_exceptions=True)
        for name, proc in procs.items():
            log_tail = (tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]
            assert proc.returncode is not None and took[name] < GRACE_S, \
                f"{name} still running {took[name]:.1f}s after SIGTERM\n{log_tail}"
        assert procs["worker"].returncode == 0, "the worker stopped by itself, not by its hard deadline"
        (tmp_path / "took.txt").write_text(repr(took))
        print(f"SIGTERM → exit: {took}")
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        for f in logs.values():
            f.close()
        await proxy.close()
