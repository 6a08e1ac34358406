"""The volunteer unit of work: what every handler receives (the kit's `ServiceUnitOfWork`, with this
service's repositories), and its PostgreSQL implementation. The in-memory one is in the unit tests."""

from __future__ import annotations

import asyncpg

from minqing_kit.uow import PostgresUnitOfWork, ServiceUnitOfWork
from services.volunteer.adapters.contract_mapping import MAPPING
from services.volunteer.adapters.repository import (
    ActivityRepository,
    NetworkRepository,
    PgActivityRepository,
    PgNetworkRepository,
    PgRequestRepository,
    RequestRepository,
)


class VolunteerUnitOfWork(ServiceUnitOfWork):
    requests: RequestRepository
    activities: ActivityRepository
    network: NetworkRepository


class PostgresVolunteerUnitOfWork(PostgresUnitOfWork, VolunteerUnitOfWork):
    def __init__(self, source: str, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
        super().__init__(MAPPING, source, pool=pool, conn=conn)

    def _open(self, conn: asyncpg.Connection) -> None:
        self.requests = PgRequestRepository(conn)
        self.activities = PgActivityRepository(conn)
        self.network = PgNetworkRepository(conn)
