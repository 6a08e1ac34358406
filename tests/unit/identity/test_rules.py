"""Pure rules of the identity service, no I/O: password policy, lockout, refresh rotation, who manages whom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minqing_kit.auth import Principal, Role
from minqing_kit.errors import Forbidden, InvalidInput
from services.identity.domain.accounts import ensure_may_manage
from services.identity.domain.lockout import LOCK_FOR, MAX_FAILURES, LockState, after_failure, after_success
from services.identity.domain.passwords import check_password, temporary_password
from services.identity.domain.sessions import Outcome, StoredRefresh, decide

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("password,rule", [
    ("Ab1", "min_length"), ("a1" * 70, "max_length"), ("abcdefghijk", "letters_and_digits"),
    ("12345678901", "letters_and_digits"), ("xWangwei2026", "not_username"), ("Password1234", "not_common"),
    ("a1a1a1a1a1a1", "not_common")])
def test_password_policy_names_the_rule(password: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_password(password, "wangwei")
    assert (caught.value.rule, caught.value.field) == (rule, "new_password")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)  # Chinese for the operator


def test_good_and_generated_passwords_pass() -> None:
    check_password("Hetang2026river", "wangwei")
    for _ in range(50):
        check_password(temporary_password(), "wangwei")


def test_fifth_failure_locks_and_success_resets() -> None:
    state = LockState(0, None)
    for i in range(1, MAX_FAILURES):
        state, locked = after_failure(state, NOW)
        assert (state.failures, locked, state.locked(NOW)) == (i, False, False)
    state, locked = after_failure(state, NOW)
    assert locked and state.locked(NOW) and state.retry_after(NOW) == int(LOCK_FOR.total_seconds())
    assert not state.locked(NOW + LOCK_FOR)
    assert after_success() == LockState(0, None)


@pytest.mark.parametrize("stored,outcome", [
    (None, Outcome.UNKNOWN),
    (StoredRefresh(NOW + timedelta(hours=1), None, None, True), Outcome.ROTATE),
    (StoredRefresh(NOW + timedelta(hours=1), NOW, None, True), Outcome.REUSED),
    (StoredRefresh(NOW + timedelta(hours=1), None, NOW, True), Outcome.REVOKED),
    (StoredRefresh(NOW - timedelta(seconds=1), None, None, True), Outcome.EXPIRED),
    (StoredRefresh(NOW + timedelta(hours=1), None, None, False), Outcome.DISABLED),
])
def test_refresh_decisions(stored: StoredRefresh | None, outcome: Outcome) -> None:
    assert decide(stored, NOW) is outcome


def test_township_manager_scope() -> None:
    mgr = Principal("m", Role.TOWNSHIP_OPERATOR, "990102101000")
    ensure_may_manage(mgr, True, role=Role.READ_ONLY, township="990102101000", manages_accounts=False)
    for kwargs in ({"role": Role.READ_ONLY, "township": "990102102000", "manages_accounts": False},
                   {"role": Role.COUNTY_ADMIN, "township": "990102101000", "manages_accounts": False},
                   {"role": Role.TOWNSHIP_OPERATOR, "township": "990102101000", "manages_accounts": True}):
        with pytest.raises(Forbidden):
            ensure_may_manage(mgr, True, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        ensure_may_manage(mgr, False, role=Role.READ_ONLY, township="990102101000", manages_accounts=False)
    ensure_may_manage(Principal("a", Role.COUNTY_ADMIN, "990102000000"), False, role=Role.COUNTY_ADMIN,
                      township="990102000000", manages_accounts=False)
