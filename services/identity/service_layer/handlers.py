"""Identity command handlers: sign-in, refresh rotation, sign-out, password change, account and client
administration. Each runs in one unit of work; the audit row and the `identity.*` event of what it did
are written in that same transaction (a failed sign-in commits its count and audit, then refuses)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from minqing_contract.events import identity as ev
from minqing_contract.events.base import EventPayload
from minqing_kit.auth import Principal, Role, Unauthorized
from minqing_kit.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from minqing_kit.uow import UnitOfWork
from services.identity.adapters import repository as db
from services.identity.adapters.passwords import hash_password, new_token, token_hash, verify_password
from services.identity.domain.accounts import Account, check_scope, ensure_may_manage, ensure_may_see
from services.identity.domain.lockout import LockState, after_failure, after_success
from services.identity.domain.passwords import check_password, temporary_password
from services.identity.domain.sessions import MESSAGES, Outcome, decide
from services.identity.service_layer.deps import Deps

BAD_CREDENTIALS = "用户名或密码错误 (wrong username or password)"


class Locked(DomainError):
    status_code = 423
    code = "locked"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"连续登录失败次数过多，账号已锁定，请 {retry_after} 秒后再试 "
                         f"(too many failed sign-ins: account locked; retry after {retry_after} s)",
                         field="username", rule="lockout")
        self.retry_after = retry_after


@dataclass
class Session:
    access_token: str
    expires_in: int
    account: Account
    refresh_token: str | None
    csrf_token: str


async def _audit(uow: UnitOfWork, event: EventPayload, *, actor_id: UUID | None = None,
                 detail: dict[str, Any] | None = None) -> None:
    """One audit row and the same fact on Kafka (through the outbox), in the caller's transaction."""
    await db.append_audit(uow.conn, at=event.occurred_at, event_type=event.event_type,
                          account_id=getattr(event, "account_id", None), actor_id=actor_id,
                          township=event.township_code,
                          detail={**event.model_dump(mode="json", exclude={"township_code", "occurred_at",
                                                                            "account_id"}), **(detail or {})})
    uow.publish(event)


async def _issue(deps: Deps, uow: UnitOfWork, account: Account, now: datetime, *,
                 family_id: UUID | None = None) -> Session:
    ttl = deps.access_ttl
    if account.must_change_password:
        token = deps.change_signer.mint(str(account.id), account.role, account.township,
                                        department=account.department, now=now, ttl=ttl)
        return Session(token, int(ttl.total_seconds()), account, None, new_token())
    token = deps.signer.mint(str(account.id), account.role, account.township, department=account.department,
                             now=now, ttl=ttl)
    refresh = new_token()
    await db.insert_refresh(uow.conn, token_hash(refresh), family_id or uuid4(), account.id, now,
                            now + deps.refresh_ttl)
    return Session(token, int(ttl.total_seconds()), account, refresh, new_token())


async def login(deps: Deps, username: str, password: str) -> Session:
    now = deps.clock()
    name = username.strip().lower()
    async with deps.uow() as uow:
        found = await db.account_by_username(uow.conn, name, for_update=True)
        correct = verify_password(found[1] if found else None, password)  # hashes even for an unknown name
        if found is None:
            await _audit(uow, ev.SignInFailed(attempted=deps.pseudonym(name), account_id=None,
                                              reason="bad_credentials", failures=0,
                                              township_code=deps.county_code, occurred_at=now))
            await uow.commit()
            raise Unauthorized(BAD_CREDENTIALS)
        account = found[0]

        def failed(reason: str) -> ev.SignInFailed:
            return ev.SignInFailed(attempted=deps.pseudonym(name), account_id=account.id, reason=reason,
                                   failures=account.lock.failures, township_code=account.township, occurred_at=now)
        if account.lock.locked(now):
            await _audit(uow, failed("locked"))
            await uow.commit()
            raise Locked(account.lock.retry_after(now))
        if not correct:
            account.lock, locked_now = after_failure(account.lock, now)
            await db.update_account(uow.conn, account, now)
            await _audit(uow, failed("bad_credentials"))
            if locked_now and account.lock.locked_until is not None:
                await _audit(uow, ev.AccountLocked(account_id=account.id, failures=account.lock.failures,
                                                   locked_until=account.lock.locked_until,
                                                   township_code=account.township, occurred_at=now))
            await uow.commit()
            if locked_now:
                raise Locked(account.lock.retry_after(now))
            raise Unauthorized(BAD_CREDENTIALS)
        if not account.enabled:
            await _audit(uow, failed("disabled"))
            await uow.commit()
            raise Unauthorized("账号已停用，请联系管理员 (account disabled)")
        account.lock = after_success()
        await db.update_account(uow.conn, account, now)
        session = await _issue(deps, uow, account, now)
        await _audit(uow, ev.SignedIn(account_id=account.id, method=ev.SignInMethod.password, role=account.role.value,
                                      township_code=account.township, occurred_at=now),
                     detail={"must_change_password": account.must_change_password})
        await uow.commit()
    return session


async def refresh(deps: Deps, refresh_token: str) -> Session:
    now = deps.clock()
    hashed = token_hash(refresh_token)
    async with deps.uow() as uow:
        found = await db.refresh_for_update(uow.conn, hashed)
        outcome = decide(found[0] if found else None, now)
        if outcome is not Outcome.ROTATE or found is None:
            if outcome is Outcome.REUSED and found is not None:
                _, family_id, account_id = found
                await db.revoke_family(uow.conn, family_id, now)
                owner = await db.account_by_id(uow.conn, account_id)
                await _audit(uow, ev.RefreshReuseDetected(
                    account_id=account_id, family_id=family_id, occurred_at=now,
                    township_code=owner[0].township if owner else deps.county_code))
                await uow.commit()
            raise Unauthorized(MESSAGES[outcome])
        _, family_id, account_id = found
        await db.mark_used(uow.conn, hashed, now)
        loaded = await db.account_by_id(uow.conn, account_id)
        if loaded is None:
            raise Unauthorized(MESSAGES[Outcome.UNKNOWN])
        session = await _issue(deps, uow, loaded[0], now, family_id=family_id)
        await uow.commit()
    return session


async def logout(deps: Deps, refresh_token: str | None, principal: Principal | None) -> None:
    now = deps.clock()
    async with deps.uow() as uow:
        account_id: UUID | None = None
        found = await db.refresh_for_update(uow.conn, token_hash(refresh_token)) if refresh_token else None
        if found is not None:
            account_id = found[2]
            await db.revoke_family(uow.conn, found[1], now)
        elif principal is not None and (sub := _account_id(principal)) is not None:
            account_id = sub
            await db.revoke_account_sessions(uow.conn, sub, now)
        if account_id is not None:
            owner = await db.account_by_id(uow.conn, account_id)
            await _audit(uow, ev.SignedOut(account_id=account_id, occurred_at=now,
                                           township_code=owner[0].township if owner else deps.county_code))
        await uow.commit()


def _account_id(principal: Principal) -> UUID | None:
    try:
        return UUID(principal.subject)
    except ValueError:
        return None  # a machine client, or a token minted by an operator for a non-account subject


async def me(deps: Deps, principal: Principal) -> Account:
    account_id = _account_id(principal)
    async with deps.uow() as uow:
        found = await db.account_by_id(uow.conn, account_id) if account_id else None
    if found is None or not found[0].enabled:
        raise Unauthorized("账号不存在或已停用 (no such account, or disabled)")
    return found[0]


async def change_password(deps: Deps, principal: Principal, current: str, new: str) -> Session:
    now = deps.clock()
    account_id = _account_id(principal)
    async with deps.uow() as uow:
        found = await db.account_by_id(uow.conn, account_id, for_update=True) if account_id else None
        if found is None or not found[0].enabled:
            raise Unauthorized("账号不存在或已停用 (no such account, or disabled)")
        account, stored = found
        if account.lock.locked(now):
            raise Locked(account.lock.retry_after(now))
        if not verify_password(stored, current):
            account.lock, locked_now = after_failure(account.lock, now)
            await db.update_account(uow.conn, account, now)
            await _audit(uow, ev.SignInFailed(attempted=deps.pseudonym(account.username), account_id=account.id,
                                              reason="bad_credentials", failures=account.lock.failures,
                                              township_code=account.township, occurred_at=now))
            await uow.commit()
            if locked_now:
                raise Locked(account.lock.retry_after(now))
            raise InvalidInput("当前密码不正确 (current password is wrong)", field="current_password",
                               rule="matches")
        check_password(new, account.username)
        if new == current:
            raise InvalidInput("新密码不能与当前密码相同 (new password must differ from the current one)",
                               field="new_password", rule="not_same")
        await db.set_password(uow.conn, account.id, hash_password(new), False, now)
        await db.revoke_account_sessions(uow.conn, account.id, now)
        account = replace(account, must_change_password=False, lock=LockState(0, None))
        await _audit(uow, ev.PasswordChanged(account_id=account.id, reset=False, actor_id=account.id,
                                             township_code=account.township, occurred_at=now))
        session = await _issue(deps, uow, account, now)
        await uow.commit()
    return session


# ----- administration -----------------------------------------------------------------------------------

async def _actor_manages(uow: UnitOfWork, actor: Principal) -> bool:
    account_id = _account_id(actor)
    found = await db.account_by_id(uow.conn, account_id) if account_id else None
    return bool(found and found[0].enabled and found[0].manages_accounts)


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    role: Role
    township: str
    department: str | None = None
    manages_accounts: bool = False
    initial_password: str | None = None
    must_change_password: bool = True


async def create_account(deps: Deps, actor: Principal | None, cmd: NewAccount) -> tuple[Account, str]:
    """(account, its initial password). `actor` None: the demo seed step."""
    now = deps.clock()
    township = cmd.township or deps.county_code
    check_scope(cmd.role, township, cmd.department, deps.county_code)
    if cmd.manages_accounts and cmd.role is not Role.TOWNSHIP_OPERATOR:
        raise InvalidInput("只有乡镇操作员可兼任乡镇账号管理员 (only a township operator may manage accounts)",
                           field="manages_accounts", rule="township_operator_only")
    password = cmd.initial_password or temporary_password()
    check_password(password, cmd.username, field="initial_password")
    account = Account(id=uuid4(), username=cmd.username.lower(), display_name=cmd.display_name, role=cmd.role,
                      township=township, department=cmd.department, enabled=True,
                      must_change_password=cmd.must_change_password, manages_accounts=cmd.manages_accounts,
                      lock=LockState(0, None), created_at=now)
    async with deps.uow() as uow:
        if actor is not None:
            ensure_may_manage(actor, await _actor_manages(uow, actor), role=cmd.role, township=township,
                              manages_accounts=cmd.manages_accounts)
        if not await db.insert_account(uow.conn, account, hash_password(password)):
            raise Conflict(f"用户名 {account.username} 已存在 (username taken)", field="username", rule="unique")
        await _audit(uow, ev.AccountCreated(account_id=account.id, role=account.role.value,
                                            department=account.department, manages_accounts=account.manages_accounts,
                                            actor_id=_account_id(actor) if actor else None,
                                            township_code=account.township, occurred_at=now))
        await uow.commit()
    return account, password


async def seed_accounts(deps: Deps, accounts: list[NewAccount]) -> list[str]:
    """Create the accounts that do not exist yet (demo seed); returns the usernames created."""
    created = []
    for cmd in accounts:
        try:
            await create_account(deps, None, cmd)
            created.append(cmd.username)
        except Conflict:
            continue
    return created


async def update_account(deps: Deps, actor: Principal, account_id: UUID, changes: dict[str, Any]) -> Account:
    now = deps.clock()
    async with deps.uow() as uow:
        found = await db.account_by_id(uow.conn, account_id, for_update=True)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        before = found[0]
        manages = await _actor_manages(uow, actor)
        ensure_may_see(actor, manages, before)
        after = replace(before, **changes)
        if after.township != before.township and "township" not in changes:
            after = replace(after, township=before.township)
        check_scope(after.role, after.township, after.department, deps.county_code)
        ensure_may_manage(actor, manages, role=after.role, township=after.township,
                          manages_accounts=after.manages_accounts and not before.manages_accounts)
        if after.manages_accounts and after.role is not Role.TOWNSHIP_OPERATOR:
            raise InvalidInput("只有乡镇操作员可兼任乡镇账号管理员 (only a township operator may manage accounts)",
                               field="manages_accounts", rule="township_operator_only")
        if actor.role is not Role.COUNTY_ADMIN and after.id == _account_id(actor) \
                and (not after.enabled or after.manages_accounts != before.manages_accounts):
            raise Forbidden("不能停用自己或更改自己的管理权限 (you cannot disable yourself or change your own "
                            "account management)", field="account_id", rule="not_self")
        changed = [f for f in ("display_name", "role", "township", "department", "enabled", "manages_accounts")
                   if getattr(after, f) != getattr(before, f)]
        if not changed:
            return before
        await db.update_account(uow.conn, after, now)
        if not after.enabled or after.role != before.role or after.township != before.township:
            await db.revoke_account_sessions(uow.conn, after.id, now)  # no refresh into the old role or scope
        actor_id = _account_id(actor)
        if actor_id is None:
            raise Forbidden("机器客户端不能管理账号 (machine clients do not manage accounts)", field="role",
                            rule="account_manager")
        await _audit(uow, ev.AccountChanged(account_id=after.id, role=after.role.value, department=after.department,
                                            enabled=after.enabled, manages_accounts=after.manages_accounts,
                                            changed=changed,
                                            actor_id=actor_id, township_code=after.township, occurred_at=now))
        await uow.commit()
    return after


async def reset_password(deps: Deps, actor: Principal, account_id: UUID) -> str:
    now = deps.clock()
    actor_id = _account_id(actor)
    async with deps.uow() as uow:
        found = await db.account_by_id(uow.conn, account_id, for_update=True)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        account = found[0]
        manages = await _actor_manages(uow, actor)
        ensure_may_see(actor, manages, account)
        ensure_may_manage(actor, manages, role=account.role, township=account.township, manages_accounts=False)
        if actor_id is None:
            raise Forbidden("机器客户端不能管理账号 (machine clients do not manage accounts)", field="role",
                            rule="account_manager")
        password = temporary_password()
        await db.set_password(uow.conn, account.id, hash_password(password), True, now)
        await db.revoke_account_sessions(uow.conn, account.id, now)
        await _audit(uow, ev.PasswordChanged(account_id=account.id, reset=True, actor_id=actor_id,
                                             township_code=account.township, occurred_at=now))
        await uow.commit()
    return password


async def list_accounts(deps: Deps, actor: Principal, *, limit: int, offset: int) -> tuple[int, list[Account]]:
    async with deps.uow() as uow:
        if actor.role is Role.COUNTY_ADMIN:
            return await db.list_accounts(uow.conn, None, limit=limit, offset=offset)
        if actor.role is Role.TOWNSHIP_OPERATOR and await _actor_manages(uow, actor):
            return await db.list_accounts(uow.conn, actor.township[:9], limit=limit, offset=offset)
    raise Forbidden("只有县级管理员或乡镇账号管理员可以查看账号 (only account managers list accounts)",
                    field="role", rule="account_manager")


async def get_account(deps: Deps, actor: Principal, account_id: UUID) -> Account:
    async with deps.uow() as uow:
        found = await db.account_by_id(uow.conn, account_id)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        ensure_may_see(actor, await _actor_manages(uow, actor), found[0])
    return found[0]


# ----- machine clients (OAuth 2.0 client credentials) -----------------------------------------------------

@dataclass(frozen=True)
class NewClient:
    client_id: str
    display_name: str
    role: Role
    township: str | None = None
    department: str | None = None


async def create_client(deps: Deps, actor: Principal, cmd: NewClient) -> tuple[UUID, str]:
    """(client uuid, its secret — shown once; stored as an Argon2 hash)."""
    now = deps.clock()
    township = cmd.township or deps.county_code
    check_scope(cmd.role, township, cmd.department, deps.county_code)
    secret = new_token()
    client_uuid = uuid4()
    actor_id = _account_id(actor)
    async with deps.uow() as uow:
        if not await db.insert_client(uow.conn, id=client_uuid, client_id=cmd.client_id,
                                      display_name=cmd.display_name, secret_hash=hash_password(secret),
                                      role=cmd.role, township=township, department=cmd.department, now=now):
            raise Conflict(f"客户端 {cmd.client_id} 已存在 (client_id taken)", field="client_id", rule="unique")
        await _audit(uow, ev.AccountCreated(account_id=client_uuid, role=cmd.role.value, department=cmd.department,
                                            actor_id=actor_id, township_code=township, occurred_at=now),
                     detail={"machine_client": True})
        await uow.commit()
    return client_uuid, secret


async def client_token(deps: Deps, client_id: str, secret: str) -> tuple[str, int]:
    now = deps.clock()
    async with deps.uow() as uow:
        row = await db.client_by_client_id(uow.conn, client_id)
        ok = verify_password(row["secret_hash"] if row else None, secret)
        if row is None or not ok or not row["enabled"]:
            await _audit(uow, ev.SignInFailed(attempted=deps.pseudonym(f"client:{client_id}"),
                                              account_id=row["id"] if row else None, reason="bad_client",
                                              failures=0, township_code=row["township"] if row else deps.county_code,
                                              occurred_at=now))
            await uow.commit()
            raise Unauthorized("客户端凭证无效 (invalid_client)")
        token = deps.signer.mint(f"client:{client_id}", row["role"], row["township"], department=row["department"],
                                 now=now, ttl=deps.client_ttl)
        await _audit(uow, ev.SignedIn(account_id=row["id"], method=ev.SignInMethod.client_credentials,
                                      role=row["role"], township_code=row["township"], occurred_at=now))
        await uow.commit()
    return token, int(deps.client_ttl.total_seconds())


async def audit_page(deps: Deps, *, event_type: str | None, account_id: UUID | None, since: datetime | None,
                     until: datetime | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    async with deps.uow() as uow:
        return await db.query_audit(uow.conn, event_type=event_type, account_id=account_id, since=since,
                                    until=until, limit=limit, offset=offset)


async def purge_expired_sessions(deps: Deps) -> int:
    async with deps.uow() as uow:
        n = await db.purge_expired_refresh(uow.conn, deps.clock())
        await uow.commit()
    return n
