"""The liaison unit of work: what every handler receives (the kit's `ServiceUnitOfWork`, with this
service's repositories), and its PostgreSQL implementation. The in-memory one is in the unit tests."""

from __future__ import annotations

import asyncpg

from minqing_kit.crypto import PiiCipher
from minqing_kit.uow import PostgresUnitOfWork, ServiceUnitOfWork
from services.liaison.adapters.contract_mapping import MAPPING
from services.liaison.adapters.repository import (
    CadreDirectory,
    HouseholdRepository,
    MisconductRepository,
    PgCadreDirectory,
    PgHouseholdRepository,
    PgMisconductRepository,
    PgStationingRepository,
    PgVisitRepository,
    StationingRepository,
    VisitRepository,
)


class LiaisonUnitOfWork(ServiceUnitOfWork):
    cadres: CadreDirectory
    stationings: StationingRepository
    misconduct: MisconductRepository
    households: HouseholdRepository
    visits: VisitRepository


class PostgresLiaisonUnitOfWork(PostgresUnitOfWork, LiaisonUnitOfWork):
    def __init__(self, source: str, cipher: PiiCipher, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
        super().__init__(MAPPING, source, pool=pool, conn=conn)
        self.cipher = cipher

    def _open(self, conn: asyncpg.Connection) -> None:
        self.cadres = PgCadreDirectory(conn)
        self.stationings = PgStationingRepository(conn)
        self.misconduct = PgMisconductRepository(conn, self.cipher)
        self.households = PgHouseholdRepository(conn, self.cipher)
        self.visits = PgVisitRepository(conn, self.cipher)
