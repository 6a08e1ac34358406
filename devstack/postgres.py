"""A private PostgreSQL cluster from Debian's packages: its own data dir, loopback only.

PostgreSQL refuses to run as root, so when we are root (CI, fresh machines) the cluster is
owned by and run as the unprivileged ``postgres`` user that Debian's package creates.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from devstack.errors import StackError, log_tail
from devstack.proc import ensure_port_free, terminate
from devstack.settings import DevstackSettings

MIN_MAJOR = 15


def find_pg_bin(settings: DevstackSettings, install: bool = True) -> Path:
    """The directory of initdb/postgres: the configured one, else Debian's newest (installed if missing)."""
    if settings.pg_bin:
        path = Path(settings.pg_bin)
        if not (path / "postgres").exists() or not (path / "initdb").exists():
            raise StackError(f"PostgreSQL binaries not found in MINQING_DEV_PG_BIN={path} (need initdb and postgres)")
        return path
    found = _debian_bins()
    if found is None and install:
        _apt_install_postgresql()
        found = _debian_bins()
    if found is None:
        raise StackError(f"PostgreSQL >= {MIN_MAJOR} not found under /usr/lib/postgresql and could not be installed")
    return found


def _debian_bins() -> Path | None:
    root = Path("/usr/lib/postgresql")
    majors = sorted((int(p.name) for p in root.glob("*") if p.name.isdigit()), reverse=True) if root.exists() else []
    for major in majors:
        if major >= MIN_MAJOR and (root / str(major) / "bin" / "postgres").exists():
            return root / str(major) / "bin"
    return None


def _apt_install_postgresql() -> None:
    if os.geteuid() != 0:
        raise StackError("PostgreSQL is missing and we are not root: run `sudo apt-get install -y postgresql`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise StackError(f"`{' '.join(cmd)}` failed:\n{(proc.stdout + proc.stderr)[-3000:]}")


class PostgresNode:
    def __init__(self, settings: DevstackSettings) -> None:
        self.settings = settings
        self.dir = settings.pg_dir
        self.data = self.dir / "data"
        self.sockets = self.dir / "run"
        self.log_file = self.dir / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None

    # -- running as the unprivileged owner -------------------------------------------------
    def _owner_kwargs(self) -> dict[str, object]:
        """Popen arguments that drop root privileges (exec'd directly: no su/runuser in between)."""
        if os.geteuid() != 0:
            return {}
        _ensure_system_user(self.settings.pg_user)
        import pwd

        group = pwd.getpwnam(self.settings.pg_user).pw_gid
        return {"user": self.settings.pg_user, "group": group}

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, user=self.settings.pg_user, group=None)

    def _make_reachable(self) -> None:
        """Let the postgres user traverse down to our directory (temp dirs are often 0700)."""
        if os.geteuid() != 0:
            return
        for parent in [self.dir, *self.dir.parents]:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    # -- lifecycle ---------------------------------------------------------------------------
    def prepare(self) -> Path:
        """initdb on first use; return the bin dir."""
        bins = find_pg_bin(self.settings)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        self._make_reachable()
        for path in (self.dir, self.sockets):
            self._chown(path)
        if (self.data / "PG_VERSION").exists():
            return bins
        proc = subprocess.run(
            [str(bins / "initdb"), "-D", str(self.data), "-U", self.settings.pg_user,
             "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            capture_output=True, text=True, cwd=self.dir, **self._owner_kwargs(),  # type: ignore[call-overload]
        )
        if proc.returncode != 0:
            raise StackError("initdb failed:\n" + (proc.stdout + proc.stderr)[-3000:])
        return bins

    def command(self) -> list[str]:
        bins = self.prepare()
        return [str(bins / "postgres"), "-D", str(self.data), "-p", str(self.settings.pg_port),
                *self.server_options()]

    def server_options(self) -> list[str]:
        """The `-c name=value` arguments the server starts with (pure: for tests)."""
        options = ["listen_addresses=127.0.0.1", f"unix_socket_directories={self.sockets}", "max_connections=200",
                   "shared_buffers=128MB"]
        if not self.settings.pg_fsync:
            options += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        if self.settings.pg_stat_statements:
            options += ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all",
                        "pg_stat_statements.track_planning=on"]
        options += self.settings.pg_options
        return [arg for option in options for arg in ("-c", option)]

    def start(self) -> None:
        ensure_port_free(self.settings.pg_port, "PostgreSQL")
        argv = self.command()
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(  # type: ignore[call-overload]
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.dir, **self._owner_kwargs()
        )
        (self.dir / "postgres.pid").write_text(str(self.proc.pid))

    def wait_ready(self, timeout: float | None = None) -> float:
        timeout = timeout or self.settings.ready_timeout_s
        started = time.monotonic()
        last_error: Exception | None = None
        while time.monotonic() - started < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise StackError(f"PostgreSQL exited with code {self.proc.returncode}.\n" + log_tail(self.log_file))
            try:
                asyncio.run(_select_one(self.settings.pg_dsn()))
                return time.monotonic() - started
            except Exception as exc:  # still starting up
                last_error = exc
                time.sleep(0.2)
        raise StackError(f"PostgreSQL not ready after {timeout:.0f}s ({last_error!r}).\n" + log_tail(self.log_file))

    def create_databases(self) -> None:
        asyncio.run(_create_databases(self.settings.pg_dsn(), self.settings.databases))

    def stop(self, timeout: float = 30.0) -> None:
        pid = self._pid()
        if pid is None:
            return
        # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
        terminate(pid, signal.SIGINT, timeout, self.proc)
        (self.dir / "postgres.pid").unlink(missing_ok=True)
        self.proc = None

    def _pid(self) -> int | None:
        if self.proc is not None:
            return self.proc.pid
        pid_file = self.dir / "postgres.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _ensure_system_user(name: str) -> None:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)


async def _select_one(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=3)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def _create_databases(dsn: str, names: tuple[str, ...]) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
