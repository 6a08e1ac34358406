"""Every identity command through the bus, on the in-memory unit of work (no I/O).

What they prove: each handler has the one signature and its deps are bound by name; the unit of work
saves the accounts it tracked and publishes their events through the mapping, with one audit row per
event in the same order, without any handler publishing by hand; a refused sign-in still commits its
count and audit; a refused administration commits nothing.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from minqing_contract.events import identity as contract
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role, TokenSigner, Unauthorized
from minqing_kit.bus import Command, MessageBus
from minqing_kit.errors import Conflict, Forbidden, InvalidInput
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.service import by_name
from services.identity.adapters.passwords import verify_password
from services.identity.domain.lockout import MAX_FAILURES
from services.identity.domain.passwords import temporary_password
from services.identity.service_layer import commands as c
from services.identity.service_layer.bus import HANDLERS
from services.identity.service_layer.deps import Deps
from services.identity.service_layer.handlers import Locked

from .fakes import FakeIdentityUnitOfWork

COUNTY = "990102000000"
TOWNSHIP = "990102101000"
OTHER_TOWNSHIP = "990102102000"
PASSWORD = temporary_password()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)  # tokens are verified against the real time

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self) -> None:
        self.uow = FakeIdentityUnitOfWork()
        self.clock = Clock()
        self.deps = Deps(clock=self.clock, signer=TokenSigner.generate("minqing-test"), public_keys=None,  # type: ignore[arg-type]
                         pseudonym=Pseudonymizer("k" * 32), county_code=COUNTY, access_ttl=timedelta(minutes=10),
                         refresh_ttl=timedelta(hours=12), client_ttl=timedelta(minutes=30))
        self.deps.public_keys = self.deps.signer.key_set()
        self.bus = MessageBus(lambda: self.uow, HANDLERS, by_name(self.deps))

    async def account(self, username: str, role: Role = Role.TOWNSHIP_OPERATOR, township: str = TOWNSHIP, *,
                      manages: bool = False, must_change: bool = False) -> UUID:
        account, _ = await self.bus.handle(c.CreateAccount(
            username=username, display_name=f"测试{username}", role=role, township=township,
            manages_accounts=manages, initial_password=PASSWORD, must_change_password=must_change), c.SYSTEM)
        self.uow.published.clear()
        self.uow.audit.rows.clear()
        return account.id

    def person(self, account_id: UUID) -> Actor:
        account = self.uow.accounts.stored(account_id)[0]
        return Actor.person(Principal(subject=str(account_id), role=account.role, township=account.township))

    def types(self) -> list[str]:
        return [p.event_type for p in self.uow.payloads()]

    def audited(self) -> list[str]:
        return [r["event_type"] for r in self.uow.audit.rows]


@pytest.fixture
def w() -> World:
    return World()


def test_every_command_has_a_handler_on_the_one_signature() -> None:
    commands = {v for v in vars(c).values()
                if isinstance(v, type) and issubclass(v, Command) and v is not Command}
    assert set(HANDLERS) == commands
    for handler in HANDLERS.values():
        params = list(inspect.signature(handler).parameters.values())
        assert [p.name for p in params[:3]] == ["cmd", "uow", "actor"]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[3:])


async def test_login_issues_a_session_and_the_audit_row_and_event_are_the_same_fact(w: World) -> None:
    account_id = await w.account("op.one")
    session = await w.bus.handle(c.Login("  OP.One ", PASSWORD), c.PUBLIC)
    principal = w.deps.verifier.verify(session.access_token)
    assert (principal.subject, principal.role, principal.township) == (str(account_id), Role.TOWNSHIP_OPERATOR,
                                                                         TOWNSHIP)
    assert session.refresh_token is not None and w.uow.sessions.live(account_id) == 1
    assert w.types() == w.audited() == ["identity.signed_in"]
    assert w.uow.audit.rows[0]["detail"] == {"method": "password", "role": "township_operator",
                                             "must_change_password": False}
    assert isinstance(w.uow.payloads()[0], contract.SignedIn)


async def test_wrong_passwords_commit_their_count_then_lock(w: World) -> None:
    account_id = await w.account("op.two")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(Unauthorized):
            await w.bus.handle(c.Login("op.two", "wrong-" + PASSWORD), c.PUBLIC)
    assert w.uow.accounts.stored(account_id)[0].lock.failures == MAX_FAILURES - 1
    with pytest.raises(Locked):
        await w.bus.handle(c.Login("op.two", "wrong-" + PASSWORD), c.PUBLIC)
    assert w.types()[-2:] == w.audited()[-2:] == ["identity.sign_in_failed", "identity.account_locked"]
    with pytest.raises(Locked):  # even the right password, while locked
        await w.bus.handle(c.Login("op.two", PASSWORD), c.PUBLIC)
    assert w.uow.payloads()[-1].reason == "locked"  # type: ignore[attr-defined]
    assert w.uow.sessions.live(account_id) == 0


async def test_an_unknown_name_is_refused_and_published_only_as_a_pseudonym(w: World) -> None:
    with pytest.raises(Unauthorized):
        await w.bus.handle(c.Login("nobody.here", PASSWORD), c.PUBLIC)
    [failed] = w.uow.payloads()
    assert isinstance(failed, contract.SignInFailed) and failed.account_id is None
    assert "nobody" not in failed.model_dump_json() and failed.township_code == COUNTY


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(w: World) -> None:
    account_id = await w.account("op.three")
    first = await w.bus.handle(c.Login("op.three", PASSWORD), c.PUBLIC)
    assert first.refresh_token is not None
    second = await w.bus.handle(c.Refresh(first.refresh_token), c.PUBLIC)
    assert second.refresh_token not in (None, first.refresh_token)
    with pytest.raises(Unauthorized):
        await w.bus.handle(c.Refresh(first.refresh_token), c.PUBLIC)
    assert w.types()[-1] == w.audited()[-1] == "identity.refresh_reuse_detected"
    assert w.uow.sessions.live(account_id) == 0
    with pytest.raises(Unauthorized):
        await w.bus.handle(c.Refresh(second.refresh_token or ""), c.PUBLIC)


async def test_logout_revokes_the_session(w: World) -> None:
    account_id = await w.account("op.four")
    session = await w.bus.handle(c.Login("op.four", PASSWORD), c.PUBLIC)
    await w.bus.handle(c.Logout(session.refresh_token), c.PUBLIC)
    assert w.uow.sessions.live(account_id) == 0
    assert w.types()[-1] == "identity.signed_out"
    await w.bus.handle(c.Logout(None), c.PUBLIC)  # no session, nobody: nothing to say
    assert w.types()[-1] == "identity.signed_out" and len(w.types()) == 2


async def test_change_password_checks_the_current_one_then_replaces_it(w: World) -> None:
    account_id = await w.account("op.five", must_change=True)
    pending = await w.bus.handle(c.Login("op.five", PASSWORD), c.PUBLIC)
    assert pending.refresh_token is None  # only the password-change token until it is changed
    me = w.person(account_id)
    with pytest.raises(InvalidInput) as wrong:
        await w.bus.handle(c.ChangePassword("wrong-" + PASSWORD, "Another-pass-9x"), me)
    assert wrong.value.field == "current_password"
    assert w.uow.accounts.stored(account_id)[0].lock.failures == 1 and w.types()[-1] == "identity.sign_in_failed"
    with pytest.raises(InvalidInput):
        await w.bus.handle(c.ChangePassword(PASSWORD, PASSWORD), me)
    new = temporary_password()
    session = await w.bus.handle(c.ChangePassword(PASSWORD, new), me)
    stored, hashed = w.uow.accounts.stored(account_id)
    assert verify_password(hashed, new) and not stored.must_change_password and stored.lock.failures == 0
    assert session.refresh_token is not None and w.types()[-1] == "identity.password_changed"


async def test_create_account_refuses_a_taken_name_and_an_out_of_scope_manager(w: World) -> None:
    manager = await w.account("mgr.one", manages=True)
    account, password = await w.bus.handle(c.CreateAccount(
        username="New.Op", display_name="新", role=Role.TOWNSHIP_OPERATOR, township=TOWNSHIP), w.person(manager))
    assert account.username == "new.op" and account.must_change_password and len(password) >= 10
    assert w.types() == w.audited() == ["identity.account_created"]
    assert w.uow.payloads()[0].actor_id == manager  # type: ignore[attr-defined]
    before = (len(w.uow.published), w.uow.commits)
    with pytest.raises(Conflict):
        await w.bus.handle(c.CreateAccount(username="new.op", display_name="x", role=Role.READ_ONLY,
                                           township=COUNTY), c.SYSTEM)
    with pytest.raises(Forbidden):
        await w.bus.handle(c.CreateAccount(username="far.op", display_name="x", role=Role.TOWNSHIP_OPERATOR,
                                           township=OTHER_TOWNSHIP), w.person(manager))
    assert (len(w.uow.published), w.uow.commits) == before


async def test_update_account_saves_the_change_and_revokes_sessions(w: World) -> None:
    admin = await w.account("admin.one", Role.COUNTY_ADMIN, COUNTY)
    target = await w.account("op.six")
    await w.bus.handle(c.Login("op.six", PASSWORD), c.PUBLIC)
    w.uow.published.clear()
    unchanged = await w.bus.handle(c.UpdateAccount(target, {"display_name": "测试op.six"}), w.person(admin))
    assert unchanged.enabled and w.types() == []
    changed = await w.bus.handle(c.UpdateAccount(target, {"enabled": False}), w.person(admin))
    assert not changed.enabled and not w.uow.accounts.stored(target)[0].enabled
    assert w.uow.sessions.live(target) == 0
    [event] = w.uow.payloads()
    assert isinstance(event, contract.AccountChanged) and event.changed == ["enabled"] and event.actor_id == admin
    with pytest.raises(Unauthorized):
        await w.bus.handle(c.Login("op.six", PASSWORD), c.PUBLIC)


async def test_reset_password_forces_a_change(w: World) -> None:
    admin = await w.account("admin.two", Role.COUNTY_ADMIN, COUNTY)
    target = await w.account("op.seven")
    temporary = await w.bus.handle(c.ResetPassword(target), w.person(admin))
    stored, hashed = w.uow.accounts.stored(target)
    assert verify_password(hashed, temporary) and stored.must_change_password
    [event] = w.uow.payloads()
    assert isinstance(event, contract.PasswordChanged) and event.reset and event.actor_id == admin
    with pytest.raises(Forbidden):  # a plain operator manages nobody
        await w.bus.handle(c.ResetPassword(admin), w.person(target))


async def test_a_machine_client_gets_a_token_only_with_its_secret(w: World) -> None:
    admin = await w.account("admin.three", Role.COUNTY_ADMIN, COUNTY)
    client_uuid, secret = await w.bus.handle(c.CreateClient(client_id="wsj-system", display_name="卫生局系统",
                                                            role=Role.READ_ONLY), w.person(admin))
    assert w.uow.audit.rows[-1]["detail"]["machine_client"] is True
    with pytest.raises(Conflict):
        await w.bus.handle(c.CreateClient(client_id="wsj-system", display_name="x", role=Role.READ_ONLY),
                           w.person(admin))
    token, expires_in = await w.bus.handle(c.ClientToken("wsj-system", secret), c.PUBLIC)
    assert w.deps.verifier.verify(token).subject == "client:wsj-system" and expires_in == 1800
    assert w.uow.payloads()[-1].account_id == client_uuid  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized):
        await w.bus.handle(c.ClientToken("wsj-system", "wrong"), c.PUBLIC)
    assert w.types()[-1] == "identity.sign_in_failed"


async def test_purge_deletes_only_expired_refresh_tokens(w: World) -> None:
    await w.account("op.eight")
    await w.bus.handle(c.Login("op.eight", PASSWORD), c.PUBLIC)
    assert await w.bus.handle(c.PurgeExpiredSessions(), c.SYSTEM) == 0
    w.clock.now += timedelta(hours=13)
    assert await w.bus.handle(c.PurgeExpiredSessions(), c.SYSTEM) == 1
    assert w.uow.sessions.rows == {}
