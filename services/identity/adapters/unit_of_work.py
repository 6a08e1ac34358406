"""The identity unit of work: what every handler receives (the kit's `ServiceUnitOfWork` with this
service's repositories), and its PostgreSQL implementation. The in-memory one is in the unit tests.

At commit, besides what the kit does (save the tracked accounts, map every new event through
`MAPPING` to the outbox), it appends one audit row per event, in the order the domain recorded them,
in the same transaction: the audit trail and the `identity.*` events are the same facts.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from minqing_kit.uow import EventLog, PostgresUnitOfWork, ServiceUnitOfWork
from services.identity.adapters.contract_mapping import MAPPING
from services.identity.adapters.repository import (
    AccountRepository,
    AuditTrail,
    MachineClients,
    PgAccountRepository,
    PgAuditTrail,
    PgMachineClients,
    PgReferenceData,
    PgRefreshTokens,
    ReferenceData,
    RefreshTokens,
)

_NOT_IN_DETAIL = {"township_code", "occurred_at", "account_id"}


class IdentityUnitOfWork(ServiceUnitOfWork):
    accounts: AccountRepository
    sessions: RefreshTokens
    clients: MachineClients
    audit: AuditTrail
    reference: ReferenceData

    def new_events(self) -> list[Any]:
        """The events this unit of work will publish at commit, in the order the domain recorded them."""
        stamped: list[tuple[tuple[int, int], Any]] = []
        for _, _, events in self.collect_new_events():
            stamps = events.stamps if isinstance(events, EventLog) else [(1, i) for i in range(len(events))]
            stamped.extend(zip(stamps, events, strict=True))
        stamped.extend(self._facts)
        return [event for _, event in sorted(stamped, key=lambda item: item[0])]

    async def commit(self) -> None:
        rows = []
        for event in self.new_events():
            payload = self.mapping.to_contract(event)
            if payload is None:
                continue
            rows.append({"at": payload.occurred_at, "event_type": payload.event_type,
                         "account_id": getattr(payload, "account_id", None), "actor_id": None,
                         "township": payload.township_code,
                         "detail": {**payload.model_dump(mode="json", exclude=_NOT_IN_DETAIL), **event.detail}})
        await self.audit.append(rows)
        await super().commit()


class PostgresIdentityUnitOfWork(PostgresUnitOfWork, IdentityUnitOfWork):
    def __init__(self, source: str, *, pool: asyncpg.Pool | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
        super().__init__(MAPPING, source, pool=pool, conn=conn)

    def _open(self, conn: asyncpg.Connection) -> None:
        self.accounts = PgAccountRepository(conn)
        self.sessions = PgRefreshTokens(conn)
        self.clients = PgMachineClients(conn)
        self.audit = PgAuditTrail(conn)
        self.reference = PgReferenceData(conn)
