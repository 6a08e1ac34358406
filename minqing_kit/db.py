"""PostgreSQL pool and ordered SQL migrations, recorded and applied at start-up.

Migrations are plain `NNNN_name.sql` files in folders (the kit's own, then the service's),
applied in order, each in its own transaction, under an advisory lock so that several replicas
starting at once apply each file exactly once. An applied file whose content later changed is
refused: write a new migration instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

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


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection, **kwargs)
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
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
