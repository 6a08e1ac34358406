"""The safety unit of work: what every handler receives (the kit's `ServiceUnitOfWork` with the
safety repository), and its PostgreSQL implementation. The in-memory one is in the unit tests."""

from __future__ import annotations

import asyncpg

from minqing_kit.clock import Clock
from minqing_kit.crypto import PiiCipher
from minqing_kit.uow import PostgresUnitOfWork, ServiceUnitOfWork
from services.safety.adapters.contract_mapping import MAPPING
from services.safety.adapters.repository import PgSafetyRepository, SafetyRepository


class SafetyUnitOfWork(ServiceUnitOfWork):
    safety: SafetyRepository


class PostgresSafetyUnitOfWork(PostgresUnitOfWork, SafetyUnitOfWork):
    def __init__(self, source: str, cipher: PiiCipher, clock: Clock, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
        super().__init__(MAPPING, source, pool=pool, conn=conn)
        self.cipher, self.clock = cipher, clock

    def _open(self, conn: asyncpg.Connection) -> None:
        self.safety = PgSafetyRepository(conn, self.cipher, self.clock)
