"""申请延期 → leader's decision (§34 "经本机关负责人批准"): request, approve, refuse, and the limits."""

from __future__ import annotations

import pytest

from minqing_kit.errors import Forbidden, IllegalTransition, InvalidInput
from services.petition.domain import events as ev
from services.petition.domain.enums import MatterStatus

from .factories import HANDLER, LEADER, OFFICER, OTHER_HANDLER, SUPERVISOR, T0, accepted, days


def test_request_then_approval_moves_the_reply_deadline() -> None:
    m = accepted()
    before = m.reply_due_at()
    assert before is not None
    m.request_extension(days=20, reason="需现场核查", actor=HANDLER, now=T0 + days(10))
    assert m.extension is None and m.reply_due_at() == before  # nothing moves until a leader decides
    assert m.extension_request is not None and m.extension_request.requested_by == HANDLER.user_id
    m.events.clear()
    m.decide_extension(approve=True, note="同意", actor=LEADER, now=T0 + days(11))
    assert m.reply_due_at() == before + days(20)
    assert m.extension is not None and m.extension.approved_by == LEADER.user_id
    assert m.extension.reason == "需现场核查" and m.extension_request is None
    [event] = m.events
    assert isinstance(event, ev.MatterExtended) and event.extension_days == 20
    assert [a.action for a in m.audit[-2:]] == ["request_extension", "decide_extension"]
    assert m.status is MatterStatus.accepted


def test_refusal_clears_the_request_and_keeps_the_deadline() -> None:
    m = accepted()
    before = m.reply_due_at()
    m.request_extension(days=10, reason="材料不全", actor=HANDLER, now=T0 + days(10))
    m.events.clear()
    m.decide_extension(approve=False, note="可按期办结", actor=SUPERVISOR, now=T0 + days(11))
    assert m.extension is None and m.extension_request is None and m.reply_due_at() == before
    assert m.events == []
    assert "不批准" in m.audit[-1].detail
    # refused once, the department may ask again (the one extension was never granted)
    m.request_extension(days=5, reason="补充材料", actor=HANDLER, now=T0 + days(12))
    assert m.extension_request is not None


@pytest.mark.parametrize("n", [0, 31])
def test_request_limited_to_30_days(n: int) -> None:
    m = accepted()
    with pytest.raises(InvalidInput) as err:
        m.request_extension(days=n, reason="案情复杂", actor=HANDLER, now=T0 + days(10))
    assert (err.value.field, err.value.rule) == ("days", "max_30_days")
    assert m.extension_request is None and len(m.audit) == 3


def test_one_pending_request_and_reason_required() -> None:
    m = accepted()
    with pytest.raises(InvalidInput) as err:
        m.request_extension(days=10, reason="  ", actor=HANDLER, now=T0 + days(10))
    assert err.value.field == "reason"
    m.request_extension(days=10, reason="案情复杂", actor=HANDLER, now=T0 + days(10))
    with pytest.raises(InvalidInput) as err:
        m.request_extension(days=5, reason="再申请", actor=HANDLER, now=T0 + days(10))
    assert err.value.rule == "one_pending_request"


def test_no_request_after_an_extension_was_granted() -> None:
    m = accepted()
    m.request_extension(days=10, reason="案情复杂", actor=HANDLER, now=T0 + days(10))
    m.decide_extension(approve=True, actor=LEADER, now=T0 + days(10))
    with pytest.raises(InvalidInput) as err:
        m.request_extension(days=5, reason="再延", actor=HANDLER, now=T0 + days(11))
    assert err.value.rule == "extend_once"


def test_who_may_request_and_decide() -> None:
    m = accepted()
    with pytest.raises(Forbidden):
        m.request_extension(days=10, reason="案情复杂", actor=OTHER_HANDLER, now=T0 + days(10))
    with pytest.raises(Forbidden):
        m.request_extension(days=10, reason="案情复杂", actor=OFFICER, now=T0 + days(10))
    m.request_extension(days=10, reason="案情复杂", actor=HANDLER, now=T0 + days(10))
    for who in (HANDLER, OFFICER):  # the department cannot approve itself; the window does not decide
        with pytest.raises(Forbidden) as err:
            m.decide_extension(approve=True, actor=who, now=T0 + days(11))
        assert err.value.rule == "role_for_decide_extension"
    assert m.extension is None


def test_decision_needs_a_pending_request_and_a_running_clock() -> None:
    m = accepted()  # reply due at the end of day 62
    with pytest.raises(InvalidInput) as err:
        m.decide_extension(approve=True, actor=LEADER, now=T0 + days(10))
    assert err.value.rule == "pending_request_required"
    m.request_extension(days=10, reason="案情复杂", actor=HANDLER, now=T0 + days(60))
    with pytest.raises(InvalidInput) as err:
        m.decide_extension(approve=True, actor=LEADER, now=T0 + days(63))
    assert err.value.rule == "before_reply_deadline"
    m.decide_extension(approve=False, actor=LEADER, now=T0 + days(63))  # refusing late is still possible
    assert m.extension_request is None


def test_reply_makes_a_pending_request_moot() -> None:
    m = accepted()
    m.request_extension(days=10, reason="案情复杂", actor=HANDLER, now=T0 + days(10))
    m.reply(text="已答复", actor=HANDLER, now=T0 + days(12))
    assert m.extension_request is None
    with pytest.raises(IllegalTransition):
        m.decide_extension(approve=True, actor=LEADER, now=T0 + days(13))
