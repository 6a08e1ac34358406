"""PostgreSQL pool and ordered SQL migrations, recorded and applied at start-up.

Migrations are plain `NNNN_name.sql` files in folders (the kit's own, then the service's),
applied in order, each in its own transaction, under an advisory lock so that several replicas
starting at once apply each file exactly once. An applied file whose content later changed is
refused: write a new migration instead.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg import exceptions as pg_errors

from minqing_kit.clock import county_zone

log = logging.getLogger(__name__)

KIT_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x6D696E71  # "minq"


class MigrationError(RuntimeError):
    pass


_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _encode_timestamptz(value: datetime) -> tuple[int]:
    if value.tzinfo is None:  # as asyncpg's own codec does: a naive value is taken as UTC
        value = value.replace(tzinfo=UTC)
    return ((value - _PG_EPOCH) // _MICROSECOND,)


def _decode_timestamptz(value: tuple[int]) -> datetime:
    return (_PG_EPOCH + value[0] * _MICROSECOND).astimezone(county_zone())


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=lambda v: json.dumps(v, ensure_ascii=False),
                                  decoder=json.loads, schema="pg_catalog")
    # timestamptz read back in the county's zone (asyncpg's own codec answers in UTC): the same
    # instants, shown as the county reads them wherever a service passes them on.
    await conn.set_type_codec("timestamptz", encoder=_encode_timestamptz, decoder=_decode_timestamptz,
                              schema="pg_catalog", format="tuple")


CONNECT_TIMEOUT_S = 5.0
"""Opening a connection gives up after this (asyncpg's default is 60 s: a request would hang that long)."""
ACQUIRE_TIMEOUT_S = 5.0
"""A unit of work waits this long for a pooled connection, then fails with 503 rather than hang."""
POOL_CLOSE_TIMEOUT_S = 5.0

# Failures meaning "the database cannot be reached right now", not "this request is wrong": a dropped
# or terminated connection (failover, pg_terminate_backend, proxy restart), a server starting or
# shutting down, no free connection slot, the pool exhausted, the network. The HTTP edge answers them
# with 503 + Retry-After; loops retry them. Data errors (bad values, constraint violations) are not here.
DB_UNAVAILABLE: tuple[type[Exception], ...] = (
    pg_errors.PostgresConnectionError,  # class 08, incl. ConnectionDoesNotExistError
    pg_errors.OperatorInterventionError,  # 57P01 admin shutdown (terminated backend), 57P03 cannot connect now
    pg_errors.InsufficientResourcesError,  # 53300 too many connections, out of memory/disk
    pg_errors.InterfaceError,  # "connection is closed", "pool is closing" (client-side DataError excluded below)
    pg_errors.InternalClientError,  # e.g. "cannot switch to state 15" on a connection killed mid-flight
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,  # connect or pool-acquire timeout (asyncio.TimeoutError is TimeoutError)
    socket.gaierror,
    OSError,  # narrowed below to network errnos
)
_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH,
                   errno.ENETUNREACH, errno.ENETDOWN, errno.ETIMEDOUT, errno.EPIPE, errno.EHOSTDOWN}


def is_db_unavailable(exc: BaseException) -> bool:
    """True if `exc` says the database is unreachable (retry later), not that the request was wrong."""
    if isinstance(exc, (ValueError, pg_errors.OutdatedSchemaCacheError)):
        # asyncpg's client-side DataError ("invalid input for query argument") and
        # ClientConfigurationError are InterfaceErrors *and* ValueErrors: the caller's fault, not an outage
        return False
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(exc, OSError) and not isinstance(exc, pg_errors.PostgresError):
        # asyncio's create_connection joins per-address failures into one OSError without errno
        return exc.errno in _NETWORK_ERRNOS or (exc.errno is None and "Multiple exceptions" in str(exc))
    return isinstance(exc, DB_UNAVAILABLE)


#: Connections a service process's pool holds at most; the APIs admit as many requests at once.
POOL_MAX_SIZE = 10


async def keep_session(conn: asyncpg.Connection) -> None:
    """A pool's `reset` that sends nothing: the pool has already rolled back an open transaction and
    dropped the listeners (asyncpg's `Connection._reset`, run before this). asyncpg's default reset
    sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release, a round trip
    per request; the services' pooled connections hold no session state (locks are `_xact_`, settings
    `SET LOCAL`, LISTEN on dedicated connections), so there is nothing to undo."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = POOL_MAX_SIZE, lean_reset: bool = False,
                      **kwargs: Any) -> asyncpg.Pool:
    """`lean_reset`: release connections without asyncpg's reset query (`keep_session`); for pools whose
    users never leave session state behind (the services' runtime pool). Session advisory locks
    (migrations, the reporting replay) are taken on pools or connections of their own, or released in
    `finally`."""
    kwargs.setdefault("timeout", CONNECT_TIMEOUT_S)
    if lean_reset:
        kwargs.setdefault("reset", keep_session)
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection, **kwargs)
    if pool is None:  # asyncpg types it Optional; it returns a pool or raises
        raise RuntimeError("asyncpg.create_pool returned no pool")
    return pool


async def close_pool(pool: asyncpg.Pool, timeout: float = POOL_CLOSE_TIMEOUT_S) -> None:
    """Close gracefully, but never wait longer than `timeout`: `Pool.close()` waits for every connection
    to come back, so one held by a hung request would hold the process past its grace period."""
    try:
        await asyncio.wait_for(pool.close(), timeout)
    except Exception as exc:  # timeout included: terminate rather than hang
        log.warning("pool did not close in time; terminating its connections", extra={"error": repr(exc)})
        pool.terminate()


async def connect(dsn: str, *, timeout: float = CONNECT_TIMEOUT_S) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, timeout=timeout)
    try:
        await _init_connection(conn)
    except BaseException:
        conn.terminate()
        raise
    return conn


def _migration_files(sources: list[tuple[str, Path]]) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for prefix, folder in sources:
        for path in sorted(folder.glob("*.sql")):
            files.append((f"{prefix}/{path.name}", path.read_text(encoding="utf-8")))
    return files


async def apply_migrations(pool: asyncpg.Pool, sources: list[tuple[str, Path]]) -> list[str]:
    """Apply pending migrations from `sources` = [(prefix, folder), ...]; return the names applied."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        # Lock first: two processes (API and worker) starting together must not race even on
        # CREATE TABLE IF NOT EXISTS, which is not safe under concurrency in PostgreSQL.
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )""")
            done = {r["name"]: r["checksum"] for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")}
            for name, sql in _migration_files(sources):
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if name in done:
                    if done[name] != checksum:
                        raise MigrationError(f"migration {name} changed after it was applied; add a new one instead")
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", name, checksum)
                applied_now.append(name)
                log.info("applied migration", extra={"migration": name})
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
