"""Identity command handlers: sign-in, refresh rotation, sign-out, password change, account and client
administration, on the one signature `(cmd, uow, actor, *, deps…)`. Each runs in one unit of work; the
events they record (on the account, or `uow.record` for facts without one) become, at commit, the audit
rows and the `identity.*` events in that same transaction (a failed sign-in commits its count and
audit, then refuses)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role, TokenSigner, Unauthorized
from minqing_kit.clock import Clock
from minqing_kit.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from services.identity.adapters.passwords import hash_password, new_token, token_hash, verify_password
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.domain import events as ev
from services.identity.domain.accounts import Account, check_scope, ensure_may_manage, ensure_may_see
from services.identity.domain.lockout import LockState, after_failure, after_success
from services.identity.domain.passwords import check_password, temporary_password
from services.identity.domain.sessions import MESSAGES, Outcome, decide
from services.identity.service_layer import commands as c
from services.identity.service_layer.commands import Session
from services.identity.service_layer.deps import PASSWORD_CHANGE_ISSUER_SUFFIX

BAD_CREDENTIALS = "用户名或密码错误 (wrong username or password)"
NO_ACCOUNT = "账号不存在或已停用 (no such account, or disabled)"


class Locked(DomainError):
    status_code = 423
    code = "locked"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"连续登录失败次数过多，账号已锁定，请 {retry_after} 秒后再试 "
                         f"(too many failed sign-ins: account locked; retry after {retry_after} s)",
                         field="username", rule="lockout")
        self.retry_after = retry_after


def account_id_of(principal: Principal | None) -> UUID | None:
    if principal is None:
        return None
    try:
        return UUID(principal.subject)
    except ValueError:
        return None  # a machine client, or a token minted by an operator for a non-account subject


async def _issue(uow: IdentityUnitOfWork, account: Account, now: datetime, *, signer: TokenSigner,
                 access_ttl: timedelta, refresh_ttl: timedelta, family_id: UUID | None = None) -> Session:
    if account.must_change_password:
        change_signer = signer.for_issuer(signer.issuer + PASSWORD_CHANGE_ISSUER_SUFFIX)
        token = change_signer.mint(str(account.id), account.role, account.township, department=account.department,
                                   now=now, ttl=access_ttl)
        return Session(token, int(access_ttl.total_seconds()), account, None, new_token())
    token = signer.mint(str(account.id), account.role, account.township, department=account.department,
                        now=now, ttl=access_ttl)
    refresh = new_token()
    await uow.sessions.insert(token_hash(refresh), family_id or uuid4(), account.id, now, now + refresh_ttl)
    return Session(token, int(access_ttl.total_seconds()), account, refresh, new_token())


def _failed(account: Account, attempted: str, reason: str, now: datetime) -> ev.SignInFailed:
    return ev.SignInFailed(attempted=attempted, account_id=account.id, reason=reason, failures=account.lock.failures,
                           township_code=account.township, occurred_at=now)


async def login(cmd: c.Login, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock, signer: TokenSigner,
                pseudonym: Pseudonymizer, county_code: str, access_ttl: timedelta,
                refresh_ttl: timedelta) -> Session:
    now = clock()
    name = cmd.username.strip().lower()
    async with uow:
        found = await uow.accounts.by_username(name, for_update=True)
        correct = verify_password(found[1] if found else None, cmd.password)  # hashes even for an unknown name
        if found is None:
            uow.record(ev.SignInFailed(attempted=pseudonym(name), account_id=None, reason="bad_credentials",
                                       failures=0, township_code=county_code, occurred_at=now))
            await uow.commit()
            raise Unauthorized(BAD_CREDENTIALS)
        account = found[0]
        uow.accounts.note(account, at=now)
        if account.lock.locked(now):
            account.events.append(_failed(account, pseudonym(name), "locked", now))
            await uow.commit()
            raise Locked(account.lock.retry_after(now))
        if not correct:
            account.lock, locked_now = after_failure(account.lock, now)
            account.events.append(_failed(account, pseudonym(name), "bad_credentials", now))
            if locked_now and account.lock.locked_until is not None:
                account.events.append(ev.AccountLocked(account_id=account.id, failures=account.lock.failures,
                                                       locked_until=account.lock.locked_until,
                                                       township_code=account.township, occurred_at=now))
            await uow.commit()
            if locked_now:
                raise Locked(account.lock.retry_after(now))
            raise Unauthorized(BAD_CREDENTIALS)
        if not account.enabled:
            account.events.append(_failed(account, pseudonym(name), "disabled", now))
            await uow.commit()
            raise Unauthorized("账号已停用，请联系管理员 (account disabled)")
        account.lock = after_success()
        session = await _issue(uow, account, now, signer=signer, access_ttl=access_ttl, refresh_ttl=refresh_ttl)
        account.events.append(ev.SignedIn(account_id=account.id, method="password", role=account.role.value,
                                          township_code=account.township, occurred_at=now,
                                          detail={"must_change_password": account.must_change_password}))
        await uow.commit()
    return session


async def refresh(cmd: c.Refresh, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock, signer: TokenSigner,
                  county_code: str, access_ttl: timedelta, refresh_ttl: timedelta) -> Session:
    now = clock()
    hashed = token_hash(cmd.refresh_token)
    async with uow:
        found = await uow.sessions.for_update(hashed)
        outcome = decide(found[0] if found else None, now)
        if outcome is not Outcome.ROTATE or found is None:
            if outcome is Outcome.REUSED and found is not None:
                _, family_id, account_id = found
                await uow.sessions.revoke_family(family_id, now)
                owner = await uow.accounts.get(account_id)
                uow.record(ev.RefreshReuseDetected(account_id=account_id, family_id=family_id, occurred_at=now,
                                                   township_code=owner[0].township if owner else county_code))
                await uow.commit()
            raise Unauthorized(MESSAGES[outcome])
        _, family_id, account_id = found
        await uow.sessions.mark_used(hashed, now)
        loaded = await uow.accounts.get(account_id)
        if loaded is None:
            raise Unauthorized(MESSAGES[Outcome.UNKNOWN])
        session = await _issue(uow, loaded[0], now, signer=signer, access_ttl=access_ttl, refresh_ttl=refresh_ttl,
                               family_id=family_id)
        await uow.commit()
    return session


async def logout(cmd: c.Logout, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock, county_code: str) -> None:
    now = clock()
    async with uow:
        account_id: UUID | None = None
        found = await uow.sessions.for_update(token_hash(cmd.refresh_token)) if cmd.refresh_token else None
        if found is not None:
            account_id = found[2]
            await uow.sessions.revoke_family(found[1], now)
        elif (sub := account_id_of(actor.principal)) is not None:
            account_id = sub
            await uow.sessions.revoke_account(sub, now)
        if account_id is not None:
            owner = await uow.accounts.get(account_id)
            uow.record(ev.SignedOut(account_id=account_id, occurred_at=now,
                                    township_code=owner[0].township if owner else county_code))
        await uow.commit()


async def change_password(cmd: c.ChangePassword, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                          signer: TokenSigner, pseudonym: Pseudonymizer, access_ttl: timedelta,
                          refresh_ttl: timedelta) -> Session:
    now = clock()
    account_id = account_id_of(actor.signed_in())
    async with uow:
        found = await uow.accounts.get(account_id, for_update=True) if account_id else None
        if found is None or not found[0].enabled:
            raise Unauthorized(NO_ACCOUNT)
        account, stored = found
        uow.accounts.note(account, at=now)
        if account.lock.locked(now):
            raise Locked(account.lock.retry_after(now))
        if not verify_password(stored, cmd.current_password):
            account.lock, locked_now = after_failure(account.lock, now)
            account.events.append(_failed(account, pseudonym(account.username), "bad_credentials", now))
            await uow.commit()
            if locked_now:
                raise Locked(account.lock.retry_after(now))
            raise InvalidInput("当前密码不正确 (current password is wrong)", field="current_password",
                               rule="matches")
        check_password(cmd.new_password, account.username)
        if cmd.new_password == cmd.current_password:
            raise InvalidInput("新密码不能与当前密码相同 (new password must differ from the current one)",
                               field="new_password", rule="not_same")
        uow.accounts.note(account, password_hash=hash_password(cmd.new_password))
        account.must_change_password = False
        account.lock = LockState(0, None)
        await uow.sessions.revoke_account(account.id, now)
        account.events.append(ev.PasswordChanged(account_id=account.id, reset=False, actor_id=account.id,
                                                 township_code=account.township, occurred_at=now))
        session = await _issue(uow, account, now, signer=signer, access_ttl=access_ttl, refresh_ttl=refresh_ttl)
        await uow.commit()
    return session


# ----- administration -----------------------------------------------------------------------------------

async def actor_manages(uow: IdentityUnitOfWork, principal: Principal) -> bool:
    account_id = account_id_of(principal)
    found = await uow.accounts.get(account_id) if account_id else None
    return bool(found and found[0].enabled and found[0].manages_accounts)


def _machine_client_refused() -> Forbidden:
    return Forbidden("机器客户端不能管理账号 (machine clients do not manage accounts)", field="role",
                     rule="account_manager")


async def create_account(cmd: c.CreateAccount, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                         county_code: str) -> tuple[Account, str]:
    now = clock()
    township = cmd.township or county_code
    check_scope(cmd.role, township, cmd.department, county_code)
    if cmd.manages_accounts and cmd.role is not Role.TOWNSHIP_OPERATOR:
        raise InvalidInput("只有乡镇操作员可兼任乡镇账号管理员 (only a township operator may manage accounts)",
                           field="manages_accounts", rule="township_operator_only")
    password = cmd.initial_password or temporary_password()
    check_password(password, cmd.username, field="initial_password")
    account = Account(id=uuid4(), username=cmd.username.lower(), display_name=cmd.display_name, role=cmd.role,
                      township=township, department=cmd.department, enabled=True,
                      must_change_password=cmd.must_change_password, manages_accounts=cmd.manages_accounts,
                      lock=LockState(0, None), created_at=now)
    async with uow:
        if actor.principal is not None:
            ensure_may_manage(actor.principal, await actor_manages(uow, actor.principal), role=cmd.role,
                              township=township, manages_accounts=cmd.manages_accounts)
        account.events.append(ev.AccountCreated(account_id=account.id, role=account.role.value,
                                                department=account.department,
                                                manages_accounts=account.manages_accounts,
                                                actor_id=account_id_of(actor.principal),
                                                township_code=account.township, occurred_at=now))
        if not await uow.accounts.add(account, hash_password(password)):
            raise Conflict(f"用户名 {account.username} 已存在 (username taken)", field="username", rule="unique")
        await uow.commit()
    return account, password


async def update_account(cmd: c.UpdateAccount, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                         county_code: str) -> Account:
    now = clock()
    principal = actor.signed_in()
    async with uow:
        found = await uow.accounts.get(cmd.account_id, for_update=True)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        account = found[0]
        before = replace(account, events=[])
        manages = await actor_manages(uow, principal)
        ensure_may_see(principal, manages, before)
        after = replace(before, **cmd.changes)
        check_scope(after.role, after.township, after.department, county_code)
        ensure_may_manage(principal, manages, role=after.role, township=after.township,
                          manages_accounts=after.manages_accounts and not before.manages_accounts)
        if after.manages_accounts and after.role is not Role.TOWNSHIP_OPERATOR:
            raise InvalidInput("只有乡镇操作员可兼任乡镇账号管理员 (only a township operator may manage accounts)",
                               field="manages_accounts", rule="township_operator_only")
        if principal.role is not Role.COUNTY_ADMIN and after.id == account_id_of(principal) \
                and (not after.enabled or after.manages_accounts != before.manages_accounts):
            raise Forbidden("不能停用自己或更改自己的管理权限 (you cannot disable yourself or change your own "
                            "account management)", field="account_id", rule="not_self")
        changed = [f for f in ("display_name", "role", "township", "department", "enabled", "manages_accounts")
                   if getattr(after, f) != getattr(before, f)]
        if not changed:
            return account
        actor_id = account_id_of(principal)
        if actor_id is None:
            raise _machine_client_refused()
        for name in changed:
            setattr(account, name, getattr(after, name))
        uow.accounts.note(account, at=now)
        if not after.enabled or after.role != before.role or after.township != before.township:
            await uow.sessions.revoke_account(account.id, now)  # no refresh into the old role or scope
        account.events.append(ev.AccountChanged(account_id=account.id, role=account.role.value,
                                                department=account.department, enabled=account.enabled,
                                                manages_accounts=account.manages_accounts, changed=tuple(changed),
                                                actor_id=actor_id, township_code=account.township, occurred_at=now))
        await uow.commit()
    return account


async def reset_password(cmd: c.ResetPassword, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock) -> str:
    now = clock()
    principal = actor.signed_in()
    actor_id = account_id_of(principal)
    async with uow:
        found = await uow.accounts.get(cmd.account_id, for_update=True)
        if found is None:
            raise NotFound("账号不存在 (no such account)", field="account_id", rule="exists")
        account = found[0]
        manages = await actor_manages(uow, principal)
        ensure_may_see(principal, manages, account)
        ensure_may_manage(principal, manages, role=account.role, township=account.township, manages_accounts=False)
        if actor_id is None:
            raise _machine_client_refused()
        password = temporary_password()
        uow.accounts.note(account, at=now, password_hash=hash_password(password))
        account.must_change_password = True
        account.lock = LockState(0, None)
        await uow.sessions.revoke_account(account.id, now)
        account.events.append(ev.PasswordChanged(account_id=account.id, reset=True, actor_id=actor_id,
                                                 township_code=account.township, occurred_at=now))
        await uow.commit()
    return password


# ----- machine clients (OAuth 2.0 client credentials) -----------------------------------------------------

async def create_client(cmd: c.CreateClient, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                        county_code: str) -> tuple[UUID, str]:
    now = clock()
    township = cmd.township or county_code
    check_scope(cmd.role, township, cmd.department, county_code)
    secret = new_token()
    client_uuid = uuid4()
    async with uow:
        if not await uow.clients.insert(id=client_uuid, client_id=cmd.client_id, display_name=cmd.display_name,
                                        secret_hash=hash_password(secret), role=cmd.role, township=township,
                                        department=cmd.department, now=now):
            raise Conflict(f"客户端 {cmd.client_id} 已存在 (client_id taken)", field="client_id", rule="unique")
        uow.record(ev.AccountCreated(account_id=client_uuid, role=cmd.role.value, department=cmd.department,
                                     actor_id=account_id_of(actor.principal), township_code=township,
                                     occurred_at=now, detail={"machine_client": True}))
        await uow.commit()
    return client_uuid, secret


async def client_token(cmd: c.ClientToken, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                       signer: TokenSigner, pseudonym: Pseudonymizer, county_code: str,
                       client_ttl: timedelta) -> tuple[str, int]:
    now = clock()
    async with uow:
        row = await uow.clients.by_client_id(cmd.client_id)
        ok = verify_password(row["secret_hash"] if row else None, cmd.secret)
        if row is None or not ok or not row["enabled"]:
            uow.record(ev.SignInFailed(attempted=pseudonym(f"client:{cmd.client_id}"),
                                       account_id=row["id"] if row else None, reason="bad_client", failures=0,
                                       township_code=row["township"] if row else county_code, occurred_at=now))
            await uow.commit()
            raise Unauthorized("客户端凭证无效 (invalid_client)")
        token = signer.mint(f"client:{cmd.client_id}", row["role"], row["township"], department=row["department"],
                            now=now, ttl=client_ttl)
        uow.record(ev.SignedIn(account_id=row["id"], method="client_credentials", role=row["role"],
                               township_code=row["township"], occurred_at=now))
        await uow.commit()
    return token, int(client_ttl.total_seconds())


async def purge_expired_sessions(cmd: c.PurgeExpiredSessions, uow: IdentityUnitOfWork, actor: Actor, *,
                                 clock: Clock) -> int:
    async with uow:
        n = await uow.sessions.purge_expired(clock())
        await uow.commit()
    return n
