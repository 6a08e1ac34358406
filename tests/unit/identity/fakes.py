"""In-memory identity unit of work for handler tests: the kit's fakes with this service's repositories.

Accounts are the kit's `FakeRepository` (stored only by `commit()`); refresh tokens, machine clients
and the audit trail are plain in-memory rows (written at once, like the statements they stand for).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.auth import Role
from minqing_kit.fakes import FakeRepository, FakeUnitOfWork
from services.identity.adapters.contract_mapping import MAPPING
from services.identity.adapters.repository import (
    AccountRepository,
    AuditTrail,
    MachineClients,
    ReferenceData,
    RefreshTokens,
)
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.domain.accounts import Account
from services.identity.domain.reference import Entry
from services.identity.domain.sessions import StoredRefresh


class FakeAccounts(FakeRepository[Account], AccountRepository):
    def _find(self, pred: Any, for_update: bool) -> tuple[Account, str] | None:
        for account, _, extra in self.rows.values():
            if pred(account):
                found = copy.deepcopy(account)
                return (self._loaded(found) if for_update else found), extra["password_hash"]
        return None

    async def get(self, account_id: UUID, *, for_update: bool = False) -> tuple[Account, str] | None:
        return self._find(lambda a: a.id == account_id, for_update)

    async def by_username(self, username: str, *, for_update: bool = False) -> tuple[Account, str] | None:
        return self._find(lambda a: a.username == username, for_update)

    async def add(self, account: Account, password_hash: str) -> bool:
        if any(a.username == account.username for a, _, _ in self.rows.values()):
            return False
        self._added(account, password_hash=password_hash)
        return True

    async def list(self, township_prefix: str | None, *, limit: int, offset: int) -> tuple[int, list[Account]]:
        found = sorted((a for a, _, _ in self.rows.values()
                        if township_prefix is None or a.township[:9] == township_prefix), key=lambda a: a.username)
        return len(found), found[offset:offset + limit]

    def stored(self, account_id: UUID) -> tuple[Account, str]:
        account, _, extra = self.rows[account_id]
        return account, extra["password_hash"]


class FakeRefreshTokens(RefreshTokens):
    def __init__(self, accounts: FakeAccounts) -> None:
        self.accounts = accounts
        self.rows: dict[bytes, dict[str, Any]] = {}

    async def insert(self, token_hash: bytes, family_id: UUID, account_id: UUID, issued_at: datetime,
                     expires_at: datetime) -> None:
        self.rows[token_hash] = {"family_id": family_id, "account_id": account_id, "issued_at": issued_at,
                                 "expires_at": expires_at, "used_at": None, "revoked_at": None}

    async def for_update(self, token_hash: bytes) -> tuple[StoredRefresh, UUID, UUID] | None:
        r = self.rows.get(token_hash)
        if r is None:
            return None
        enabled = self.accounts.stored(r["account_id"])[0].enabled
        return StoredRefresh(r["expires_at"], r["used_at"], r["revoked_at"], enabled), r["family_id"], r["account_id"]

    async def mark_used(self, token_hash: bytes, now: datetime) -> None:
        self.rows[token_hash]["used_at"] = now

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        for r in self.rows.values():
            if r["family_id"] == family_id and r["revoked_at"] is None:
                r["revoked_at"] = now

    async def revoke_account(self, account_id: UUID, now: datetime) -> None:
        for r in self.rows.values():
            if r["account_id"] == account_id and r["revoked_at"] is None:
                r["revoked_at"] = now

    async def purge_expired(self, before: datetime) -> int:
        gone = [h for h, r in self.rows.items() if r["expires_at"] < before]
        for h in gone:
            del self.rows[h]
        return len(gone)

    def live(self, account_id: UUID) -> int:
        return sum(1 for r in self.rows.values() if r["account_id"] == account_id and r["revoked_at"] is None)


class FakeMachineClients(MachineClients):
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    async def insert(self, *, id: UUID, client_id: str, display_name: str, secret_hash: str, role: Role,
                     township: str, department: str | None, now: datetime) -> bool:
        if client_id in self.rows:
            return False
        self.rows[client_id] = {"id": id, "client_id": client_id, "display_name": display_name,
                                "secret_hash": secret_hash, "role": role.value, "township": township,
                                "department": department, "enabled": True, "created_at": now}
        return True

    async def by_client_id(self, client_id: str) -> dict[str, Any] | None:
        return self.rows.get(client_id)

    async def list(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "secret_hash"} for _, r in sorted(self.rows.items())]


class FakeAuditTrail(AuditTrail):
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def append(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)

    async def page(self, *, event_type: str | None, account_id: UUID | None, since: datetime | None,
                   until: datetime | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        found = [r for r in reversed(self.rows) if (event_type is None or r["event_type"] == event_type)
                 and (account_id is None or r["account_id"] == account_id)]
        return len(found), found[offset:offset + limit]


class FakeReferenceData(ReferenceData):
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Entry] = {}

    async def seed(self, kind: str, entries: list[Entry], now: datetime) -> None:
        for e in entries:
            self.rows.setdefault((kind, e.code), e)

    async def get(self, kind: str, code: str, *, for_update: bool = False) -> Entry | None:
        return self.rows.get((kind, code))

    async def add(self, kind: str, entry: Entry, now: datetime) -> bool:
        if (kind, entry.code) in self.rows:
            return False
        self.rows[(kind, entry.code)] = entry
        return True

    async def update(self, kind: str, entry: Entry, now: datetime) -> None:
        self.rows[(kind, entry.code)] = entry

    async def page(self, kind: str, *, parent_code: str | None, text: str | None, active: bool | None, sort: str,
                   descending: bool, limit: int, offset: int) -> tuple[int, list[Entry]]:
        found = [e for (k, _), e in self.rows.items() if k == kind
                 and (parent_code is None or e.parent_code == parent_code)
                 and (active is None or e.active == active) and (text is None or text in e.name or text in e.code)]
        found.sort(key=lambda e: (getattr(e, sort), e.code), reverse=descending)
        return len(found), found[offset:offset + limit]

    async def all_active(self, kind: str, *, with_retired: bool = False) -> list[Entry]:
        return sorted((e for (k, _), e in self.rows.items() if k == kind and (e.active or with_retired)),
                      key=lambda e: e.code)


class FakeIdentityUnitOfWork(FakeUnitOfWork, IdentityUnitOfWork):
    def __init__(self) -> None:
        super().__init__(MAPPING)
        self.accounts: FakeAccounts = FakeAccounts()
        self.sessions: FakeRefreshTokens = FakeRefreshTokens(self.accounts)
        self.clients: FakeMachineClients = FakeMachineClients()
        self.audit: FakeAuditTrail = FakeAuditTrail()
        self.reference: FakeReferenceData = FakeReferenceData()
