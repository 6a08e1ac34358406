"""SQL of the identity service: accounts, refresh tokens, machine clients, the audit trail, reference data.

Interfaces (what handlers see through the unit of work) and their PostgreSQL implementations. Accounts
are the one aggregate (the kit's `Repository`: tracked, saved at commit); refresh tokens, machine
clients and the audit trail are plain rows.
"""

from __future__ import annotations

import abc
import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.auth import Role
from minqing_kit.uow import Repository, Tracked
from services.identity.domain.accounts import Account
from services.identity.domain.lockout import LockState
from services.identity.domain.reference import Entry
from services.identity.domain.sessions import StoredRefresh

_ACCOUNT = """id, username, display_name, role, township, department, enabled, must_change_password,
              manages_accounts, failed_attempts, locked_until, created_at"""


def _account(row: asyncpg.Record) -> Account:
    return Account(id=row["id"], username=row["username"], display_name=row["display_name"], role=Role(row["role"]),
                   township=row["township"], department=row["department"], enabled=row["enabled"],
                   must_change_password=row["must_change_password"], manages_accounts=row["manages_accounts"],
                   lock=LockState(row["failed_attempts"], row["locked_until"]), created_at=row["created_at"])


# ----- accounts (the aggregate) ------------------------------------------------------------------------

class AccountRepository(Repository[Account], abc.ABC):
    """`get`/`by_username` give (account, password hash); `for_update` locks and tracks the account, so
    the unit of work saves it at commit. What a save needs besides the account: `note(account, at=now)`
    (its `updated_at`), and `password_hash=` for a new password."""

    @abc.abstractmethod
    async def get(self, account_id: UUID, *, for_update: bool = False) -> tuple[Account, str] | None: ...

    @abc.abstractmethod
    async def by_username(self, username: str, *, for_update: bool = False) -> tuple[Account, str] | None: ...

    @abc.abstractmethod
    async def add(self, account: Account, password_hash: str) -> bool:
        """Insert now (False, untracked, when the username is taken); tracked for its events."""

    @abc.abstractmethod
    async def list(self, township_prefix: str | None, *, limit: int, offset: int) -> tuple[int, list[Account]]: ...


class PgAccountRepository(AccountRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self.conn = conn

    async def _one(self, where: str, value: Any, for_update: bool) -> tuple[Account, str] | None:
        row = await self.conn.fetchrow(f"SELECT {_ACCOUNT}, password_hash FROM account WHERE {where} = $1"
                                       f"{' FOR UPDATE' if for_update else ''}", value)
        if row is None:
            return None
        account = _account(row)
        return (self._loaded(account) if for_update else account), row["password_hash"]

    async def get(self, account_id: UUID, *, for_update: bool = False) -> tuple[Account, str] | None:
        return await self._one("id", account_id, for_update)

    async def by_username(self, username: str, *, for_update: bool = False) -> tuple[Account, str] | None:
        return await self._one("username", username, for_update)

    async def add(self, account: Account, password_hash: str) -> bool:
        result = await self.conn.execute(
            """INSERT INTO account (id, username, display_name, role, township, department, enabled,
                   must_change_password, manages_accounts, password_hash, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (username) DO NOTHING""",
            account.id, account.username, account.display_name, account.role.value, account.township,
            account.department, account.enabled, account.must_change_password, account.manages_accounts,
            password_hash, account.created_at)
        if not result.endswith(" 1"):
            return False
        self._added(account, inserted=True)
        return True

    async def save(self, tracked: Tracked[Account]) -> None:
        account, extra = tracked.aggregate, tracked.extra
        if tracked.new and extra.get("inserted"):
            return  # inserted by add(); a new account's events need no update
        await self.conn.execute(
            """UPDATE account SET display_name = $2, role = $3, township = $4, department = $5, enabled = $6,
                   manages_accounts = $7, must_change_password = $8, failed_attempts = $9, locked_until = $10,
                   updated_at = coalesce($11, now()),
                   password_hash = coalesce($12, password_hash),
                   password_changed_at = CASE WHEN $12::text IS NULL THEN password_changed_at
                                              ELSE coalesce($11, now()) END
               WHERE id = $1""",
            account.id, account.display_name, account.role.value, account.township, account.department,
            account.enabled, account.manages_accounts, account.must_change_password, account.lock.failures,
            account.lock.locked_until, extra.get("at"), extra.get("password_hash"))

    async def list(self, township_prefix: str | None, *, limit: int, offset: int) -> tuple[int, list[Account]]:
        where, args = ("", []) if township_prefix is None else ("WHERE left(township, 9) = $1", [township_prefix])
        total = await self.conn.fetchval(f"SELECT count(*) FROM account {where}", *args)
        rows = await self.conn.fetch(f"SELECT {_ACCOUNT} FROM account {where} ORDER BY username "
                                     f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
        return int(total), [_account(r) for r in rows]


# ----- refresh tokens ----------------------------------------------------------------------------------

class RefreshTokens(abc.ABC):
    @abc.abstractmethod
    async def insert(self, token_hash: bytes, family_id: UUID, account_id: UUID, issued_at: datetime,
                     expires_at: datetime) -> None: ...

    @abc.abstractmethod
    async def for_update(self, token_hash: bytes) -> tuple[StoredRefresh, UUID, UUID] | None:
        """(state, family id, account id) of a refresh token, locked."""

    @abc.abstractmethod
    async def mark_used(self, token_hash: bytes, now: datetime) -> None: ...

    @abc.abstractmethod
    async def revoke_family(self, family_id: UUID, now: datetime) -> None: ...

    @abc.abstractmethod
    async def revoke_account(self, account_id: UUID, now: datetime) -> None: ...

    @abc.abstractmethod
    async def purge_expired(self, before: datetime) -> int: ...


class PgRefreshTokens(RefreshTokens):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(self, token_hash: bytes, family_id: UUID, account_id: UUID, issued_at: datetime,
                     expires_at: datetime) -> None:
        await self.conn.execute("INSERT INTO refresh_token (token_hash, family_id, account_id, issued_at, expires_at) "
                                "VALUES ($1, $2, $3, $4, $5)", token_hash, family_id, account_id, issued_at,
                                expires_at)

    async def for_update(self, token_hash: bytes) -> tuple[StoredRefresh, UUID, UUID] | None:
        row = await self.conn.fetchrow(
            """SELECT r.family_id, r.account_id, r.expires_at, r.used_at, r.revoked_at, a.enabled
               FROM refresh_token r JOIN account a ON a.id = r.account_id WHERE r.token_hash = $1
               FOR UPDATE OF r""", token_hash)
        if row is None:
            return None
        return (StoredRefresh(row["expires_at"], row["used_at"], row["revoked_at"], row["enabled"]),
                row["family_id"], row["account_id"])

    async def mark_used(self, token_hash: bytes, now: datetime) -> None:
        await self.conn.execute("UPDATE refresh_token SET used_at = $2 WHERE token_hash = $1", token_hash, now)

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        await self.conn.execute("UPDATE refresh_token SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
                                family_id, now)

    async def revoke_account(self, account_id: UUID, now: datetime) -> None:
        await self.conn.execute("UPDATE refresh_token SET revoked_at = $2 WHERE account_id = $1 "
                                "AND revoked_at IS NULL", account_id, now)

    async def purge_expired(self, before: datetime) -> int:
        result = await self.conn.execute("DELETE FROM refresh_token WHERE expires_at < $1", before)
        return int(result.split()[-1])


# ----- machine clients ---------------------------------------------------------------------------------

class MachineClients(abc.ABC):
    @abc.abstractmethod
    async def insert(self, *, id: UUID, client_id: str, display_name: str, secret_hash: str, role: Role,
                     township: str, department: str | None, now: datetime) -> bool:
        """False when the client id is taken."""

    @abc.abstractmethod
    async def by_client_id(self, client_id: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    async def list(self) -> list[dict[str, Any]]: ...


class PgMachineClients(MachineClients):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(self, *, id: UUID, client_id: str, display_name: str, secret_hash: str, role: Role,
                     township: str, department: str | None, now: datetime) -> bool:
        result = await self.conn.execute(
            """INSERT INTO machine_client (id, client_id, display_name, secret_hash, role, township, department,
                   created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO NOTHING""",
            id, client_id, display_name, secret_hash, role.value, township, department, now)
        return bool(result.endswith(" 1"))

    async def by_client_id(self, client_id: str) -> dict[str, Any] | None:
        row = await self.conn.fetchrow("SELECT * FROM machine_client WHERE client_id = $1", client_id)
        return None if row is None else dict(row)

    async def list(self) -> list[dict[str, Any]]:
        rows = await self.conn.fetch("SELECT id, client_id, display_name, role, township, department, enabled, "
                                     "created_at FROM machine_client ORDER BY client_id")
        return [dict(r) for r in rows]


# ----- audit trail -------------------------------------------------------------------------------------

class AuditTrail(abc.ABC):
    @abc.abstractmethod
    async def append(self, rows: list[dict[str, Any]]) -> None:
        """Rows of `at, event_type, account_id, actor_id, township, detail`, in order."""

    @abc.abstractmethod
    async def page(self, *, event_type: str | None, account_id: UUID | None, since: datetime | None,
                   until: datetime | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]: ...


class PgAuditTrail(AuditTrail):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def append(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        await self.conn.executemany(
            "INSERT INTO audit_log (at, event_type, account_id, actor_id, township, detail) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            [(r["at"], r["event_type"], r["account_id"], r["actor_id"], r["township"],
              json.dumps(r["detail"], default=str, ensure_ascii=False)) for r in rows])

    async def page(self, *, event_type: str | None, account_id: UUID | None, since: datetime | None,
                   until: datetime | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        clauses, args = [], []
        for column, op, value in (("event_type", "=", event_type), ("account_id", "=", account_id),
                                  ("at", ">=", since), ("at", "<", until)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} {op} ${len(args)}")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        total = await self.conn.fetchval(f"SELECT count(*) FROM audit_log {where}", *args)
        rows = await self.conn.fetch(f"SELECT id, at, event_type, account_id, actor_id, township, detail "
                                     f"FROM audit_log {where} ORDER BY id DESC "
                                     f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
        return int(total), [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


# ----- reference data (villages, departments) ------------------------------------------------------------

class ReferenceData(abc.ABC):
    """The county's villages and departments (plain rows; the handler records the events)."""

    @abc.abstractmethod
    async def seed(self, kind: str, entries: list[Entry], now: datetime) -> None:
        """Insert the entries not stored yet (the division file's baseline; no events)."""

    @abc.abstractmethod
    async def get(self, kind: str, code: str, *, for_update: bool = False) -> Entry | None: ...

    @abc.abstractmethod
    async def add(self, kind: str, entry: Entry, now: datetime) -> bool:
        """False when the code is taken."""

    @abc.abstractmethod
    async def update(self, kind: str, entry: Entry, now: datetime) -> None: ...

    @abc.abstractmethod
    async def page(self, kind: str, *, parent_code: str | None, text: str | None, active: bool | None, sort: str,
                   descending: bool, limit: int, offset: int) -> tuple[int, list[Entry]]: ...

    @abc.abstractmethod
    async def all_active(self, kind: str, *, with_retired: bool = False) -> list[Entry]: ...


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(code=row["code"], name=row["name"], parent_code=row["parent_code"], name_en=row["name_en"],
                 active=row["active"])


class PgReferenceData(ReferenceData):
    _COLUMNS = "code, name, name_en, parent_code, active"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def seed(self, kind: str, entries: list[Entry], now: datetime) -> None:
        if not entries:
            return
        await self.conn.execute(
            "INSERT INTO reference_entry (kind, code, name, name_en, parent_code, active, changed_at) "
            "SELECT $1, e.code, e.name, e.name_en, e.parent_code, true, $2 "
            "FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS e(code, name, name_en, parent_code) "
            "ON CONFLICT (kind, code) DO NOTHING",
            kind, now, [e.code for e in entries], [e.name for e in entries], [e.name_en for e in entries],
            [e.parent_code for e in entries])

    async def get(self, kind: str, code: str, *, for_update: bool = False) -> Entry | None:
        row = await self.conn.fetchrow(f"SELECT {self._COLUMNS} FROM reference_entry WHERE kind = $1 AND code = $2"
                                       f"{' FOR UPDATE' if for_update else ''}", kind, code)
        return _entry(row) if row else None

    async def add(self, kind: str, entry: Entry, now: datetime) -> bool:
        status = await self.conn.execute(
            "INSERT INTO reference_entry (kind, code, name, name_en, parent_code, active, changed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, code) DO NOTHING",
            kind, entry.code, entry.name, entry.name_en, entry.parent_code, entry.active, now)
        return bool(status.endswith(" 1"))

    async def update(self, kind: str, entry: Entry, now: datetime) -> None:
        await self.conn.execute("UPDATE reference_entry SET name = $3, name_en = $4, active = $5, changed_at = $6 "
                                "WHERE kind = $1 AND code = $2", kind, entry.code, entry.name, entry.name_en,
                                entry.active, now)

    async def page(self, kind: str, *, parent_code: str | None, text: str | None, active: bool | None, sort: str,
                   descending: bool, limit: int, offset: int) -> tuple[int, list[Entry]]:
        if sort not in ("code", "name", "parent_code"):  # the handler checked; a column name is never a parameter
            raise ValueError(sort)
        clauses: list[str] = ["kind = $1"]
        args: list[object] = [kind]
        for clause, value in (("parent_code = ${}", parent_code), ("active = ${}", active),
                              ("(name LIKE ${0} OR code LIKE ${0})", None if text is None else f"%{text}%")):
            if value is not None:
                args.append(value)
                clauses.append(clause.format(len(args)))
        where = " AND ".join(clauses)
        order = f"{sort} {'DESC' if descending else 'ASC'}, code"
        rows = await self.conn.fetch(f"SELECT {self._COLUMNS}, count(*) OVER () AS total FROM reference_entry "
                                     f"WHERE {where} ORDER BY {order} LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
                                     *args, limit, offset)
        total = rows[0]["total"] if rows else await self.conn.fetchval(
            f"SELECT count(*) FROM reference_entry WHERE {where}", *args)
        return int(total), [_entry(r) for r in rows]

    async def all_active(self, kind: str, *, with_retired: bool = False) -> list[Entry]:
        rows = await self.conn.fetch(f"SELECT {self._COLUMNS} FROM reference_entry WHERE kind = $1 "
                                     "AND (active OR $2) ORDER BY code", kind, with_retired)
        return [_entry(r) for r in rows]
