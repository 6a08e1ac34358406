"""§113 closure proposals decided by the county government: approved closes and revokes, rejected
withdraws; every refusal names the field and the rule and changes nothing."""

from __future__ import annotations

import pytest

from minqing_kit.errors import Conflict, Forbidden, InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.enterprise import CLOSURE_BASIS
from services.safety.domain.enums import OperatingStatus, PermitStatus, SuspensionReason

from .factories import at, enterprise, kinds

OS = OperatingStatus


def proposed(suspended: bool = False):
    ent = enterprise()
    if suspended:
        ent.suspend(SuspensionReason.major_hazard, actor="station", now=at(1))
    assert ent.propose_closure(3, 180, now=at(2))
    ent.events.clear()
    return ent


def decide(ent, approve: bool = True, **over) -> None:
    kw = dict(approve=approve, reason="县政府第12号决定", by_county=True, actor="county-admin", now=at(days=3))
    kw.update(over)
    ent.decide_closure(**kw)


@pytest.mark.parametrize("suspended", [False, True])
def test_approved_closes_the_enterprise_and_revokes_its_permit(suspended: bool) -> None:
    ent = proposed(suspended)
    was = ent.permit.status
    decide(ent)
    assert ent.operating_status is OS.closed and ent.permit.status is PermitStatus.revoked
    assert kinds(ent.events) == ["ClosureDecided", "EnterpriseClosed", "PermitStatusChanged"]
    decided, closed, permit = ent.events
    assert isinstance(decided, ev.ClosureDecided) and decided.approved is True
    assert (decided.proposed_at, decided.decided_at) == (at(2), at(days=3))
    assert isinstance(closed, ev.EnterpriseClosed) and closed.basis == CLOSURE_BASIS == "安全生产法第113条"
    assert (permit.from_status, permit.to_status) == (was, PermitStatus.revoked)
    assert ent.audit[-1].action == "close" and ent.audit[-1].note == "县政府第12号决定"
    assert not ent.closure_pending
    assert ent.propose_closure(4, 365, now=at(days=4)) is False  # closed: never proposed again


def test_rejected_withdraws_the_proposal_and_a_later_penalty_may_raise_it_again() -> None:
    ent = proposed()
    decide(ent, approve=False, reason="企业已整改到位，暂不关闭")
    assert ent.operating_status is OS.operating and ent.permit.status is PermitStatus.valid
    assert kinds(ent.events) == ["ClosureDecided"] and ent.events[0].approved is False
    assert ent.closure_proposed_at is None and not ent.closure_pending
    assert ent.audit[-1].action == "reject_closure"
    assert ent.propose_closure(4, 365, now=at(days=5)) is True


def test_enterprise_without_permit_is_closed_without_a_permit_event() -> None:
    ent = enterprise(with_permit=False)
    ent.propose_closure(3, 180, now=at(1))
    ent.events.clear()
    decide(ent)
    assert kinds(ent.events) == ["ClosureDecided", "EnterpriseClosed"]


@pytest.mark.parametrize(
    ("over", "error", "field", "rule"),
    [
        ({"by_county": False}, Forbidden, "role", "county_government"),
        ({"approve": "yes"}, InvalidInput, "approve", "bool"),
        ({"reason": ""}, InvalidInput, "reason", "required"),
        ({"reason": "理" * 1001}, InvalidInput, "reason", "max_length_1000"),
        ({"now": at(1.5)}, InvalidInput, "now", "not_before_proposal"),
        ({"now": at(-1)}, InvalidInput, "now", "not_before_previous_action"),
        ({"actor": ""}, InvalidInput, "actor", None),
    ],
)  # fmt: skip
def test_refusals_change_nothing(over, error, field, rule) -> None:
    ent = proposed()
    with pytest.raises(error) as err:
        decide(ent, **over)
    assert err.value.field == field and (rule is None or err.value.rule == rule)
    assert ent.operating_status is OS.operating and ent.closure_pending and not ent.events


def test_no_pending_proposal() -> None:
    with pytest.raises(Conflict) as err:
        decide(enterprise())
    assert (err.value.field, err.value.rule) == ("enterprise_id", "closure_proposal_pending")
    ent = proposed()
    decide(ent)
    with pytest.raises(Conflict) as again:
        decide(ent, now=at(days=4))
    assert again.value.rule == "closure_proposal_pending"
