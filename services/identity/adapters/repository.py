"""SQL of the identity service: accounts, refresh tokens, machine clients, the audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.auth import Role
from services.identity.domain.accounts import Account
from services.identity.domain.lockout import LockState
from services.identity.domain.sessions import StoredRefresh

_ACCOUNT = """id, username, display_name, role, township, department, enabled, must_change_password,
              manages_accounts, failed_attempts, locked_until, created_at"""


def _account(row: asyncpg.Record) -> Account:
    return Account(id=row["id"], username=row["username"], display_name=row["display_name"], role=Role(row["role"]),
                   township=row["township"], department=row["department"], enabled=row["enabled"],
                   must_change_password=row["must_change_password"], manages_accounts=row["manages_accounts"],
                   lock=LockState(row["failed_attempts"], row["locked_until"]), created_at=row["created_at"])


async def account_by_username(conn: asyncpg.Connection, username: str, *, for_update: bool = False) \
        -> tuple[Account, str] | None:
    row = await conn.fetchrow(f"SELECT {_ACCOUNT}, password_hash FROM account WHERE username = $1"
                              f"{' FOR UPDATE' if for_update else ''}", username)
    return None if row is None else (_account(row), row["password_hash"])


async def account_by_id(conn: asyncpg.Connection, account_id: UUID, *, for_update: bool = False) \
        -> tuple[Account, str] | None:
    row = await conn.fetchrow(f"SELECT {_ACCOUNT}, password_hash FROM account WHERE id = $1"
                              f"{' FOR UPDATE' if for_update else ''}", account_id)
    return None if row is None else (_account(row), row["password_hash"])


async def insert_account(conn: asyncpg.Connection, account: Account, password_hash: str) -> bool:
    """False when the username is taken."""
    result = await conn.execute(
        """INSERT INTO account (id, username, display_name, role, township, department, enabled,
               must_change_password, manages_accounts, password_hash, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (username) DO NOTHING""",
        account.id, account.username, account.display_name, account.role.value, account.township,
        account.department, account.enabled, account.must_change_password, account.manages_accounts,
        password_hash, account.created_at)
    return bool(result.endswith(" 1"))


async def update_account(conn: asyncpg.Connection, account: Account, now: datetime) -> None:
    await conn.execute(
        """UPDATE account SET display_name = $2, role = $3, township = $4, department = $5, enabled = $6,
               manages_accounts = $7, must_change_password = $8, failed_attempts = $9, locked_until = $10,
               updated_at = $11 WHERE id = $1""",
        account.id, account.display_name, account.role.value, account.township, account.department,
        account.enabled, account.manages_accounts, account.must_change_password, account.lock.failures,
        account.lock.locked_until, now)


async def set_password(conn: asyncpg.Connection, account_id: UUID, password_hash: str, must_change: bool,
                       now: datetime) -> None:
    await conn.execute(
        """UPDATE account SET password_hash = $2, must_change_password = $3, password_changed_at = $4,
               failed_attempts = 0, locked_until = NULL, updated_at = $4 WHERE id = $1""",
        account_id, password_hash, must_change, now)


async def list_accounts(conn: asyncpg.Connection, township_prefix: str | None, *, limit: int, offset: int) \
        -> tuple[int, list[Account]]:
    where, args = ("", []) if township_prefix is None else ("WHERE left(township, 9) = $1", [township_prefix])
    total = await conn.fetchval(f"SELECT count(*) FROM account {where}", *args)
    rows = await conn.fetch(f"SELECT {_ACCOUNT} FROM account {where} ORDER BY username "
                            f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}", *args, limit, offset)
    return int(total), [_account(r) for r in rows]


# ----- refresh tokens ----------------------------------------------------------------------------------

async def insert_refresh(conn: asyncpg.Connection, token_hash: bytes, family_id: UUID, account_id: UUID,
                         issued_at: datetime, expires_at: datetime) -> None:
    await conn.execute("INSERT INTO refresh_token (token_hash, family_id, account_id, issued_at, expires_at) "
                       "VALUES ($1, $2, $3, $4, $5)", token_hash, family_id, account_id, issued_at, expires_at)


async def refresh_for_update(conn: asyncpg.Connection, token_hash: bytes) -> tuple[StoredRefresh, UUID, UUID] | None:
    """(state, family id, account id) of a refresh token, locked."""
    row = await conn.fetchrow(
        """SELECT r.family_id, r.account_id, r.expires_at, r.used_at, r.revoked_at, a.enabled
           FROM refresh_token r JOIN account a ON a.id = r.account_id WHERE r.token_hash = $1
           FOR UPDATE OF r""", token_hash)
    if row is None:
        return None
    return (StoredRefresh(row["expires_at"], row["used_at"], row["revoked_at"], row["enabled"]),
            row["family_id"], row["account_id"])


async def mark_used(conn: asyncpg.Connection, token_hash: bytes, now: datetime) -> None:
    await conn.execute("UPDATE refresh_token SET used_at = $2 WHERE token_hash = $1", token_hash, now)


async def revoke_family(conn: asyncpg.Connection, family_id: UUID, now: datetime) -> None:
    await conn.execute("UPDATE refresh_token SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
                       family_id, now)


async def revoke_account_sessions(conn: asyncpg.Connection, account_id: UUID, now: datetime) -> None:
    await conn.execute("UPDATE refresh_token SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
                       account_id, now)


async def purge_expired_refresh(conn: asyncpg.Connection, before: datetime) -> int:
    result = await conn.execute("DELETE FROM refresh_token WHERE expires_at < $1", before)
    return int(result.split()[-1])


# ----- machine clients ---------------------------------------------------------------------------------

async def insert_client(conn: asyncpg.Connection, *, id: UUID, client_id: str, display_name: str, secret_hash: str,
                        role: Role, township: str, department: str | None, now: datetime) -> bool:
    result = await conn.execute(
        """INSERT INTO machine_client (id, client_id, display_name, secret_hash, role, township, department,
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO NOTHING""",
        id, client_id, display_name, secret_hash, role.value, township, department, now)
    return bool(result.endswith(" 1"))


async def client_by_client_id(conn: asyncpg.Connection, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM machine_client WHERE client_id = $1", client_id)


async def list_clients(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, client_id, display_name, role, township, department, enabled, created_at "
                            "FROM machine_client ORDER BY client_id")


# ----- audit trail -------------------------------------------------------------------------------------

async def append_audit(conn: asyncpg.Connection, *, at: datetime, event_type: str, account_id: UUID | None,
                       actor_id: UUID | None, township: str, detail: dict[str, Any]) -> None:
    await conn.execute("INSERT INTO audit_log (at, event_type, account_id, actor_id, township, detail) "
                       "VALUES ($1, $2, $3, $4, $5, $6::jsonb)", at, event_type, account_id, actor_id, township,
                       json.dumps(detail, default=str, ensure_ascii=False))


async def query_audit(conn: asyncpg.Connection, *, event_type: str | None, account_id: UUID | None,
                      since: datetime | None, until: datetime | None, limit: int, offset: int) \
        -> tuple[int, list[dict[str, Any]]]:
    clauses, args = [], []
    for column, op, value in (("event_type", "=", event_type), ("account_id", "=", account_id),
                              ("at", ">=", since), ("at", "<", until)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} {op} ${len(args)}")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    total = await conn.fetchval(f"SELECT count(*) FROM audit_log {where}", *args)
    rows = await conn.fetch(f"SELECT id, at, event_type, account_id, actor_id, township, detail FROM audit_log "
                            f"{where} ORDER BY id DESC LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
                            *args, limit, offset)
    return int(total), [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
