"""The matter's state machine: happy path, illegal transitions, roles, audit trail, handling acts."""

from __future__ import annotations

import pytest

from minqing_kit.errors import Forbidden, IllegalTransition, InvalidInput
from services.petition.domain import events as ev
from services.petition.domain.clocks import PetitionClocks
from services.petition.domain.enums import MatterStatus, Satisfaction
from services.petition.domain.lifecycle import TERMINAL_STATUSES, TRANSITIONS, allowed_actions

from .factories import (
    DEPT,
    HANDLER,
    LEADER,
    OFFICER,
    OTHER_DEPT,
    OTHER_HANDLER,
    PERSON,
    SUPERVISOR,
    T0,
    accepted,
    assigned,
    days,
    register,
    replied,
)

S = MatterStatus


def test_full_path_to_final() -> None:
    m = register()
    m.assign(department=DEPT, mode="transfer", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    m.accept(actor=HANDLER, now=T0 + days(2))
    m.add_note(text="已约谈企业负责人", actor=HANDLER, now=T0 + days(3))
    m.extend(days=30, reason="需第三方审计", approved_by="u-head", actor=HANDLER, now=T0 + days(50))
    m.reply(text="答复意见：已支付工资", actor=HANDLER, now=T0 + days(80))
    m.rate(satisfaction="dissatisfied", actor=PERSON, now=T0 + days(81))
    m.close(actor=OFFICER, now=T0 + days(82))
    m.request_review(reason="金额不对", actor=PERSON, now=T0 + days(90))
    m.decide_review(outcome="upheld", opinion="维持原答复", actor=LEADER, now=T0 + days(100))
    m.request_re_review(reason="仍有异议", actor=PERSON, now=T0 + days(110))
    m.decide_re_review(outcome="changed", opinion="补发差额", actor=LEADER, now=T0 + days(120))

    assert m.status is S.final
    assert [a.action for a in m.audit] == [
        "register", "assign", "accept", "add_note", "extend", "reply", "rate", "close",
        "request_review", "decide_review", "request_re_review", "decide_re_review",
    ]  # fmt: skip
    assert [a.to_state for a in m.audit][-1] is S.final
    assert all(a.at is not None and a.actor.user_id for a in m.audit)
    assert [type(e).__name__ for e in m.events] == [
        "MatterRegistered", "MatterAssigned", "MatterAccepted", "MatterExtended", "MatterReplied",
        "MatterRated", "MatterClosed", "ReviewRequested", "ReviewDecided", "ReviewRequested", "ReviewDecided",
    ]  # fmt: skip
    last = m.events[-1]
    assert isinstance(last, ev.ReviewDecided) and last.final and last.level.value == "re_review"
    assert m.allowed_actions() == frozenset()
    assert m.satisfaction is Satisfaction.dissatisfied and m.notes[0].text == "已约谈企业负责人"


def test_final_and_linked_are_terminal() -> None:
    assert TERMINAL_STATUSES == {S.final, S.linked}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.registered, {"assign", "supervise"}),
        (S.assigned, {"accept", "raise_objection", "supervise"}),
        (S.accepted, {"add_note", "extend", "request_extension", "decide_extension", "reply", "supervise"}),
        (S.replied, {"rate", "close", "request_review"}),
        (S.closed, {"rate", "request_review"}),
        (S.reviewed, {"request_re_review"}),
    ],
)
def test_allowed_actions_per_status(status: MatterStatus, expected: set[str]) -> None:
    assert allowed_actions(status) == expected


def test_illegal_transition_lists_allowed_actions_and_changes_nothing() -> None:
    m = register()
    with pytest.raises(IllegalTransition) as err:
        m.reply(text="答复", actor=HANDLER, now=T0 + days(1))
    assert err.value.status_code == 409
    assert err.value.allowed == ["assign", "supervise"]
    assert err.value.to_dict()["action"] == "reply"
    assert m.status is S.registered and len(m.audit) == 1 and len(m.events) == 1


def test_every_action_is_refused_in_final() -> None:
    m = replied()
    m.request_review(reason="不服", actor=PERSON, now=T0 + days(25))
    m.decide_review(outcome="upheld", opinion="维持", actor=LEADER, now=T0 + days(30))
    m.request_re_review(reason="不服", actor=PERSON, now=T0 + days(35))
    m.decide_re_review(outcome="upheld", opinion="维持", actor=LEADER, now=T0 + days(40))
    for action in TRANSITIONS:
        with pytest.raises(IllegalTransition) as err:
            m._begin(action, OFFICER, T0 + days(41))
        assert err.value.allowed == []
    with pytest.raises(IllegalTransition):
        m.request_review(reason="再次", actor=PERSON, now=T0 + days(41))


def test_cannot_accept_twice_or_close_before_reply() -> None:
    m = accepted()
    with pytest.raises(IllegalTransition):
        m.accept(actor=HANDLER, now=T0 + days(3))
    with pytest.raises(IllegalTransition) as err:
        m.close(actor=OFFICER, now=T0 + days(3))
    assert "reply" in err.value.allowed


def test_roles_are_enforced() -> None:
    m = register()
    with pytest.raises(Forbidden):
        m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=HANDLER, now=T0 + days(1))
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    with pytest.raises(Forbidden) as err:
        m.accept(actor=OTHER_HANDLER, now=T0 + days(2))  # not the assigned department
    assert err.value.rule == "assigned_department_only"
    with pytest.raises(Forbidden):
        m.accept(actor=SUPERVISOR, now=T0 + days(2))


def test_only_the_petitioner_rates_their_own_matter() -> None:
    from services.petition.domain.enums import Role
    from services.petition.domain.lifecycle import Actor

    m = replied()
    with pytest.raises(Forbidden) as err:
        m.rate(
            satisfaction="satisfied",
            actor=Actor("p_zzzzzzzzzzzzzzzzzzzzzzzzzz", Role.petitioner),
            now=T0 + days(21),
        )
    assert err.value.rule == "own_matter_only"
    m.rate(satisfaction="satisfied", actor=PERSON, now=T0 + days(21))
    with pytest.raises(InvalidInput) as err2:
        m.rate(satisfaction="satisfied", actor=PERSON, now=T0 + days(22))
    assert err2.value.rule == "rate_once"


def test_assignment_needs_leader_sign_off_and_records_it() -> None:
    m = register()
    with pytest.raises(InvalidInput) as err:
        m.assign(department=DEPT, mode="assign", signed_by=" ", actor=OFFICER, now=T0 + days(1))
    assert (err.value.field, err.value.rule) == ("signed_by", "leader_sign_off_required")
    with pytest.raises(InvalidInput) as err:
        m.assign(department=DEPT, mode="hand_over", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    assert err.value.field == "mode"
    assert m.status is S.registered
    m.assign(department=DEPT, mode="transfer", signed_by="u-leader", actor=OFFICER, now=T0 + days(1))
    assert (m.department, m.signed_by, m.routing_mode) == (DEPT, "u-leader", "transfer")
    assert "u-leader" in m.audit[-1].detail


def test_objection_returns_the_matter_for_rerouting() -> None:
    m = assigned()
    m.raise_objection(reason="不属于本部门职责", actor=HANDLER, now=T0 + days(3))
    assert m.status is S.registered and m.department is None and m.return_count == 1
    returned = m.events[-1]
    assert isinstance(returned, ev.MatterReturned) and returned.department == DEPT
    assert m.audit[-1].detail == "不属于本部门职责"
    m.assign(department=OTHER_DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=T0 + days(4))
    assert m.department == OTHER_DEPT
    with pytest.raises(Forbidden):
        m.accept(actor=HANDLER, now=T0 + days(5))  # the old department is out


def test_objection_needs_a_reason() -> None:
    m = assigned()
    with pytest.raises(InvalidInput) as err:
        m.raise_objection(reason="", actor=HANDLER, now=T0 + days(2))
    assert err.value.field == "reason" and m.status is S.assigned


def test_actions_may_not_go_back_in_time() -> None:
    m = assigned()
    with pytest.raises(InvalidInput) as err:
        m.accept(actor=HANDLER, now=T0)
    assert err.value.rule == "not_before_previous_action"


# ----- extension (§34) -----------------------------------------------------------------------------
def test_extension_moves_reply_deadline_once() -> None:
    m = accepted()
    before = m.reply_due_at()
    assert before is not None
    m.extend(days=30, reason="案情复杂", approved_by="u-head", actor=HANDLER, now=T0 + days(10))
    assert m.reply_due_at() == before + days(30)
    assert m.extension is not None and m.extension.approved_by == "u-head"
    with pytest.raises(InvalidInput) as err:
        m.extend(days=1, reason="再延", approved_by="u-head", actor=HANDLER, now=T0 + days(11))
    assert err.value.rule == "extend_once"


@pytest.mark.parametrize("n", [0, 31, -5])
def test_extension_limited_to_30_days(n: int) -> None:
    m = accepted()
    with pytest.raises(InvalidInput) as err:
        m.extend(days=n, reason="案情复杂", approved_by="u-head", actor=HANDLER, now=T0 + days(10))
    assert (err.value.field, err.value.rule) == ("days", "max_30_days")
    assert m.extension is None


def test_extension_limit_is_configurable() -> None:
    m = accepted(clocks=PetitionClocks(max_extension_days=20))
    with pytest.raises(InvalidInput) as err:
        m.extend(days=21, reason="案情复杂", approved_by="u-head", actor=HANDLER, now=T0 + days(10))
    assert err.value.rule == "max_20_days"


def test_extension_needs_reason_and_approver() -> None:
    m = accepted()
    with pytest.raises(InvalidInput) as err:
        m.extend(days=10, reason=" ", approved_by="u-head", actor=HANDLER, now=T0 + days(10))
    assert err.value.field == "reason"
    with pytest.raises(InvalidInput) as err:
        m.extend(days=10, reason="案情复杂", approved_by="", actor=HANDLER, now=T0 + days(10))
    assert (err.value.field, err.value.rule) == ("approved_by", "head_approval_required")


def test_extension_after_the_reply_deadline_refused() -> None:
    m = accepted()  # accepted on T0 + 2 days: reply due at the end of day 62
    with pytest.raises(InvalidInput) as err:
        m.extend(days=10, reason="案情复杂", approved_by="u-head", actor=HANDLER, now=T0 + days(63))
    assert err.value.rule == "before_reply_deadline"


# ----- reviews (§35–36) ----------------------------------------------------------------------------
def test_review_request_window_is_30_days_after_reply() -> None:
    m = replied()  # replied at T0 + 20 days (2025-05-26 09:00)
    with pytest.raises(InvalidInput) as err:
        m.request_review(reason="不服", actor=PERSON, now=T0 + days(51))  # 2025-06-26
    assert (err.value.field, err.value.rule) == ("review", "review_request_window")
    m.request_review(reason="不服", actor=PERSON, now=T0 + days(50.6))  # 2025-06-25 23:24
    assert m.status is S.under_review


def test_re_review_window_is_30_days_after_review_decision() -> None:
    m = replied()
    m.request_review(reason="不服", actor=PERSON, now=T0 + days(21))
    m.decide_review(outcome="changed", opinion="部分变更", actor=LEADER, now=T0 + days(30))
    with pytest.raises(InvalidInput) as err:
        m.request_re_review(reason="不服", actor=PERSON, now=T0 + days(61))
    assert err.value.rule == "re_review_request_window"
    assert m.status is S.reviewed
    m.request_re_review(reason="不服", actor=PERSON, now=T0 + days(60))
    assert m.status is S.under_re_review


def test_review_decision_outcome_validated() -> None:
    m = replied()
    m.request_review(reason="不服", actor=PERSON, now=T0 + days(21))
    with pytest.raises(InvalidInput) as err:
        m.decide_review(outcome="maybe", opinion="x", actor=LEADER, now=T0 + days(22))
    assert err.value.field == "outcome"
    with pytest.raises(Forbidden):
        m.decide_review(outcome="upheld", opinion="x", actor=HANDLER, now=T0 + days(22))


def test_rating_window_configurable() -> None:
    m = replied(clocks=PetitionClocks(rating_days=7))
    with pytest.raises(InvalidInput) as err:
        m.rate(satisfaction="satisfied", actor=PERSON, now=T0 + days(28))
    assert err.value.rule == "rating_window"
    m.rate(satisfaction="basically_satisfied", actor=PERSON, now=T0 + days(27))
