"""The per-code lock on the petitioner's receipt (domain.receipt_access), without I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.petition.domain.receipt_access import (
    CLEAN,
    MAX_FAILURES,
    MAX_LOCKOUT,
    ReceiptLocked,
    after_failure,
    ensure_unlocked,
    lockout_for,
)

from .factories import T0


def test_the_fifth_wrong_answer_locks_for_thirty_minutes_and_even_a_right_one_waits() -> None:
    a = CLEAN
    for _ in range(MAX_FAILURES - 1):
        a = after_failure(a, T0)
        ensure_unlocked(a, T0)
    a = after_failure(a, T0)
    assert a.failures == 0 and a.lockouts == 1 and a.locked_until == T0 + timedelta(minutes=30)
    with pytest.raises(ReceiptLocked) as err:
        ensure_unlocked(a, T0 + timedelta(minutes=10))
    assert err.value.status_code == 423 and err.value.retry_after == 20 * 60
    assert err.value.field == "lookup_code" and err.value.rule == "attempts_locked"
    ensure_unlocked(a, T0 + timedelta(minutes=30))


def test_each_further_lock_doubles_up_to_a_day() -> None:
    assert [lockout_for(n) for n in (1, 2, 3)] == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert lockout_for(12) == MAX_LOCKOUT
    a = CLEAN
    for _ in range(2 * MAX_FAILURES):
        a = after_failure(a, T0)
    assert a.lockouts == 2 and a.locked_until == T0 + timedelta(hours=1)
