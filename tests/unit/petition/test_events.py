"""Domain events carry no personal data and map onto the contract payloads field by field."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from minqing_contract.events import petition as contract
from minqing_contract.events.base import EventPayload
from minqing_kit.workdays import DayKind, SpecialDay
from services.petition.adapters.contract_mapping import CONTRACT, to_contract
from services.petition.domain import events as ev
from services.petition.domain.matter import Matter

from .factories import (
    DEPT,
    HANDLER,
    ID_X,
    LEADER,
    MOBILE,
    NAME,
    OFFICER,
    PERSON,
    SUPERVISOR,
    petitioner,
    register,
    sh,
)

CONTENT = "工地拖欠三个月工资，老板电话13900001111"
SECRETS = (NAME, MOBILE, ID_X, "13900001111", "老板", "金额不对", "不属于本部门", "需第三方审计", "已支付")
PII_FIELDS = {
    "name",
    "phone",
    "mobile",
    "id_number",
    "address",
    "content",
    "reason",
    "text",
    "note",
    "opinion",
}
PSEUDONYM = re.compile(r"^p_[a-z2-7]{26}$")

#: The two domain events whose contract payload has another name; every other takes its own name.
RENAMED: dict[type[ev.DomainEvent], type[EventPayload]] = {
    ev.RepeatLinked: contract.MatterRepeatLinked,
    ev.DeadlineOverdue: contract.MatterOverdue,
}


def every_event() -> list[ev.DomainEvent]:
    group = [petitioner(NAME, rep=True, phone=MOBILE, id_number=ID_X), petitioner("李四", rep=True)]
    m = register(now=sh(2025, 5, 6), petitioners=group, headcount=6, content=CONTENT)
    m.flag_deadlines(sh(2025, 5, 19))
    m.flag_deadlines(sh(2025, 5, 23))
    m.supervise(actor=SUPERVISOR, now=sh(2025, 5, 23, 10), note="请尽快转送")
    m.assign(
        department="county_housing", mode="transfer", signed_by="u-leader", actor=OFFICER, now=sh(2025, 5, 24)
    )
    from .factories import OTHER_HANDLER

    m.raise_objection(reason="不属于本部门职责", actor=OTHER_HANDLER, now=sh(2025, 5, 26))
    m.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=sh(2025, 5, 27))
    m.accept(actor=HANDLER, now=sh(2025, 5, 28))
    m.add_note(text=f"约谈{NAME}", actor=HANDLER, now=sh(2025, 5, 29))
    m.extend(days=30, reason="需第三方审计", approved_by="u-head", actor=HANDLER, now=sh(2025, 6, 1))
    m.reply(text="已支付工资", actor=HANDLER, now=sh(2025, 7, 1))
    m.rate(satisfaction="dissatisfied", actor=PERSON, now=sh(2025, 7, 2))
    m.close(actor=OFFICER, now=sh(2025, 7, 3))
    m.request_review(reason="金额不对", actor=PERSON, now=sh(2025, 7, 4))
    m.decide_review(outcome="upheld", opinion=f"{NAME}所述不实", actor=LEADER, now=sh(2025, 7, 5))
    m.request_re_review(reason="金额不对", actor=PERSON, now=sh(2025, 7, 6))
    m.decide_re_review(outcome="upheld", opinion="维持", actor=LEADER, now=sh(2025, 7, 7))
    linked = register(now=sh(2025, 5, 7), petitioners=group, headcount=6, repeat_of=m.id)
    # Assigned at the year's end, before the next year's schedule: entering it moves the objection window.
    late = register(now=sh(2026, 12, 28), petitioners=group, headcount=6)
    late.assign(department=DEPT, mode="assign", signed_by="u-leader", actor=OFFICER, now=sh(2026, 12, 30))
    schedule = {date(2027, 1, d): SpecialDay(DayKind.rest, "元旦") for d in (1, 4, 5, 6)}
    late.apply_calendar(late.clocks.calendar.with_year(2027, schedule), sh(2026, 12, 31))
    return [*m.events, *linked.events, *late.events]


EVENTS = every_event()


def test_every_event_type_is_produced_and_mapped_to_its_namesake() -> None:
    produced = {type(e) for e in EVENTS}
    assert produced == set(CONTRACT)
    for event_type in produced:
        expected = RENAMED.get(event_type) or getattr(contract, event_type.__name__)
        assert CONTRACT[event_type] is expected, event_type.__name__


@pytest.mark.parametrize("event_type", list(CONTRACT), ids=lambda t: t.__name__)
def test_no_personal_data_fields(event_type: type) -> None:
    names = {f.name for f in dataclasses.fields(event_type)}
    assert not names & PII_FIELDS


def test_no_personal_data_in_values() -> None:
    for e in EVENTS:
        text = repr(e)
        for secret in SECRETS:
            assert secret not in text, (type(e).__name__, secret)
        for value in getattr(e, "petitioners", ()):
            assert PSEUDONYM.match(value)


def test_domain_events_fill_the_contract_payloads() -> None:
    for e in EVENTS:
        payload = to_contract(e)
        assert isinstance(payload, CONTRACT[type(e)])
        assert payload.subject() == str(e.matter_id)  # type: ignore[attr-defined]  # every petition event has it
        assert payload.occurred_at == e.occurred_at
    registered = to_contract(EVENTS[0])
    assert isinstance(registered, contract.MatterRegistered)
    assert registered.headcount == 6 and registered.is_group_visit is True
    assert registered.category == "dispute" and registered.subcategory == "wage_arrears"


def test_events_carry_reporting_dimensions() -> None:
    assigned = next(e for e in EVENTS if isinstance(e, ev.MatterAssigned) and e.department == DEPT)
    assert assigned.mode.value == "assign" and assigned.signed_by == "u-leader"
    accepted = next(e for e in EVENTS if isinstance(e, ev.MatterAccepted))
    assert accepted.department == DEPT and accepted.reply_due_at == sh(2025, 7, 28, 0)
    extended = next(e for e in EVENTS if isinstance(e, ev.MatterExtended))
    assert extended.reply_due_at == sh(2025, 8, 27, 0) and extended.approved_by == "u-head"
    overdue = next(e for e in EVENTS if isinstance(e, ev.DeadlineOverdue))
    assert overdue.alert_key == "route:overdue:2025-05-22T00:00:00+08:00"


def test_matter_is_the_aggregate_type() -> None:
    assert isinstance(register(), Matter)
