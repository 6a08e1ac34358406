"""Domain events line up with the contract payloads the adapters will map them to."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from minqing_contract.events import safety as contract
from services.safety.domain import enums
from services.safety.domain import events as ev

DOMAIN_EVENTS = {
    name: cls
    for name, cls in inspect.getmembers(ev, inspect.isclass)
    if issubclass(cls, ev.DomainEvent) and cls not in (ev.DomainEvent, ev.HazardEvent)
}
PERSONAL = {"name", "credit_code", "actor", "inspectors", "inspector", "person", "phone", "evidence"}


def test_every_contract_event_has_a_domain_event_of_the_same_name() -> None:
    assert {c.__name__ for c in contract.EVENTS} == set(DOMAIN_EVENTS)


@pytest.mark.parametrize("payload", contract.EVENTS, ids=lambda c: c.__name__)
def test_domain_event_carries_every_contract_field(payload) -> None:
    fields = {f.name for f in dataclasses.fields(DOMAIN_EVENTS[payload.__name__])}
    assert set(payload.model_fields) <= fields
    assert not fields & PERSONAL


@pytest.mark.parametrize(
    ("domain", "wire"),
    [(enums.Industry, contract.Industry), (enums.HazardLevel, contract.HazardLevel),
     (enums.AccidentGrade, contract.AccidentGrade), (enums.PermitStatus, contract.PermitStatus)],
)  # fmt: skip
def test_enum_values_match_the_contract(domain, wire) -> None:
    assert [m.value for m in domain] == [m.value for m in wire]
    assert all(m.label for m in domain)


def test_string_fields_fit_the_contract_patterns() -> None:
    assert {s.value for s in enums.SuspensionReason} == {
        "penalty_refusal", "fatal_accident", "township_order", "major_hazard",
    }  # fmt: skip
    assert {s.value for s in enums.InspectionKind} == {"routine", "re_inspection", "follow_up"}
    assert {s.value for s in enums.OperatingStatus} == {"operating", "suspended", "closed"}
    assert {t.value for t in enums.PenaltyTarget} == {"unit", "responsible_person"}


def test_events_from_a_whole_story_validate_as_contract_payloads() -> None:
    from uuid import uuid4

    from services.safety.domain.accident import report_accident
    from services.safety.domain.closure import check_closure
    from services.safety.domain.enums import HazardLevel
    from services.safety.domain.inspection import Inspection
    from services.safety.domain.penalty import impose_penalty
    from services.safety.domain.plan import RectificationPlan
    from services.safety.domain.resumption import accept_resumption

    from .factories import CALENDAR, PLAN_TEXT, at, enterprise, hazard

    ent = enterprise()
    insp = Inspection.record(
        id=uuid4(), enterprise=ent, kind="routine", inspectors=["i"], inspected_at=at(1),
        results=dict.fromkeys(("blasting_method_and_benches", "slopes", "special_operations_staff",
                               "staff_roster", "meeting_records"), True), now=at(1),
    )  # fmt: skip
    story: list[ev.DomainEvent] = list(insp.events)
    penalties = []
    for n in range(3):
        hz = hazard(ent, HazardLevel.major, found=at(days=n * 10 + 1), deadline=at(days=n * 10 + 3))
        hz.submit_plan(RectificationPlan.from_parts(PLAN_TEXT), actor="e", now=at(days=n * 10 + 2))
        hz.report_rectification(["done"], actor="e", now=at(days=n * 10 + 2, hours=1))
        hz.reinspect(False, actor="i", now=at(days=n * 10 + 4))
        hz.mark_overdue(at(days=n * 10 + 4))
        p = impose_penalty(id=uuid4(), enterprise=ent, hazard=hz, rule="art102_unit", amount_yuan=40_000,
                           decided_at=at(days=n * 10 + 5), actor="b", now=at(days=n * 10 + 5), calendar=CALENDAR)
        penalties.append(p)
        hz.report_rectification(["redone"], actor="e", now=at(days=n * 10 + 6))
        hz.reinspect(True, actor="i", now=at(days=n * 10 + 7))
        story += hz.events + p.events
    check_closure(ent, penalties, now=at(days=26))
    acc = report_accident(id=uuid4(), enterprise=ent, occurred_at=at(days=27), reported_at=at(days=27, hours=2),
                          deaths=3, serious_injuries=0, direct_loss_yuan=0, actor="s", now=at(days=27, hours=3))
    acc.close_investigation(ent, conclusion="违章爆破", nature="liability", by_county=True, actor="c",
                            now=at(days=40))
    failed = accept_resumption(id=uuid4(), enterprise=ent, accidents=[acc], passed=False, checked_at=at(days=41),
                               inspectors=["c1"], by_county=True, actor="c", now=at(days=41))
    passed = accept_resumption(id=uuid4(), enterprise=ent, accidents=[acc], passed=True, checked_at=at(days=42),
                               inspectors=["c1"], by_county=True, actor="c", now=at(days=42))
    penalties[0].mark_published(ent, now=at(days=43))
    ent.decide_closure(approve=True, reason="县政府决定", by_county=True, actor="c", now=at(days=44))
    story += acc.events + failed.events + passed.events + penalties[0].events + ent.events
    assert {type(e).__name__ for e in story} == set(DOMAIN_EVENTS)
    by_name = {c.__name__: c for c in contract.EVENTS}
    for e in story:
        model = by_name[type(e).__name__]
        data = {k: v for k, v in dataclasses.asdict(e).items() if k in model.model_fields}
        payload = model.model_validate(data)
        assert payload.township_code == e.township_code
