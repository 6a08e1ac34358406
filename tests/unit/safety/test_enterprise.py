from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from services.safety.domain.enterprise import Enterprise, SafetyPermit, suspend_for_self_inspection
from services.safety.domain.enums import (
    EnterpriseSize,
    Industry,
    InspectionKind,
    OperatingStatus,
    PermitStatus,
    SuspensionReason,
)
from services.safety.domain.inspection import Finding, Inspection

from .factories import CODE, OTHER_TOWNSHIP, TOWNSHIP, at, enterprise, kinds, permit

OS = OperatingStatus
QUARRY_OK = dict.fromkeys(
    ("blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records"), True
)


def register(**over):
    kw = dict(
        id=uuid4(), name="闽清某铸造厂", credit_code=CODE, township_code=TOWNSHIP, industry="foundry",
        size="small", permit=None, actor="op", now=at(),
    )  # fmt: skip
    kw.update(over)
    return Enterprise.register(**kw)


def test_register_records_event_with_the_public_name_but_not_the_credit_code() -> None:
    ent = register()
    assert ent.industry is Industry.foundry and ent.size is EnterpriseSize.small
    (e,) = ent.events
    assert kinds(ent.events) == ["EnterpriseRegistered"]
    assert (e.township_code, e.operating_status, e.permit_status) == (TOWNSHIP, OS.operating, PermitStatus.valid)
    # Issue 18: the registered name travels (a company's public name, for the county dashboard's lists);
    # the unified social credit code does not.
    assert CODE not in repr(e) and e.enterprise_name == "闽清某铸造厂"
    assert Industry.open_pit_quarry.label == "露天矿山" and Industry.hazardous_chemicals.label == "危险化学品"


@pytest.mark.parametrize(
    ("over", "field", "rule"),
    [
        ({"credit_code": "914403001922038217"}, "credit_code", "check_character"),
        ({"township_code": "350124000000"}, "township_code", "township_code"),  # a county code
        ({"township_code": "350124100201"}, "township_code", "township_code"),  # a village code
        ({"township_code": "35012410"}, "township_code", "division_code_12_digits"),
        ({"industry": "mining"}, "industry", "one_of"),
        ({"size": "huge"}, "size", "one_of"),
        ({"name": "  "}, "name", "required"),
    ],
)
def test_register_refuses_bad_input(over: dict, field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as err:
        register(**over)
    assert (err.value.field, err.value.rule) == (field, rule)


def test_permit_validity() -> None:
    p = permit()
    assert p.in_force(date(2026, 12, 31)) and not p.in_force(date(2027, 1, 1))
    with pytest.raises(InvalidInput) as err:
        SafetyPermit("X-1", date(2025, 1, 2), date(2025, 1, 1))
    assert err.value.field == "permit.valid_until"


def reinspection(ent, when, results=None, findings=()):
    return Inspection.record(
        id=uuid4(), enterprise=ent, kind=InspectionKind.re_inspection, inspectors=["inspector-1"],
        inspected_at=when, results=results or QUARRY_OK, findings=findings, now=when,
    )  # fmt: skip


def test_township_order_stops_only_that_industry_there_and_resumes_one_by_one() -> None:
    q1, q2 = enterprise(), enterprise()
    foundry = enterprise(Industry.foundry)
    far_quarry = enterprise(township=OTHER_TOWNSHIP)
    hit = suspend_for_self_inspection(
        [q1, q2, foundry, far_quarry], township_code=TOWNSHIP, industry="open_pit_quarry", actor="township",
        now=at(2),
    )  # fmt: skip
    assert hit == [q1, q2]
    assert all(q.operating_status is OS.suspended and q.permit.status is PermitStatus.collected for q in hit)
    assert foundry.operating_status is OS.operating and far_quarry.operating_status is OS.operating
    assert kinds(q1.events) == ["EnterpriseRegistered", "EnterpriseSuspended", "PermitStatusChanged"]

    q1.resume(reinspection(q1, at(5)), actor="station", now=at(6))
    assert q1.operating_status is OS.operating and q1.permit.status is PermitStatus.valid
    assert kinds(q1.events)[-2:] == ["EnterpriseResumed", "PermitStatusChanged"]
    resumed = q1.events[-2]
    assert (resumed.resumed_at, resumed.suspended_at) == (at(6), at(2))
    assert q2.operating_status is OS.suspended


@pytest.mark.parametrize("problem", ["failed", "before_suspension", "other_enterprise"])
def test_resume_needs_a_passed_reinspection_after_the_suspension(problem: str) -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.township_order, actor="township", now=at(2))
    insp = {
        "failed": lambda: reinspection(
            ent, at(5), {**QUARRY_OK, "slopes": False}, [Finding("边坡有浮石", item="slopes")]
        ),
        "before_suspension": lambda: reinspection(ent, at(1)),
        "other_enterprise": lambda: reinspection(enterprise(), at(5)),
    }[problem]()
    events_before = len(ent.events)
    with pytest.raises(Conflict) as err:
        ent.resume(insp, actor="station", now=at(6))
    assert err.value.rule == "passed_reinspection_required"
    assert ent.operating_status is OS.suspended and len(ent.events) == events_before


def test_resume_an_operating_enterprise_is_illegal() -> None:
    ent = enterprise()
    with pytest.raises(IllegalTransition) as err:
        ent.resume(reinspection(ent, at(1)), actor="s", now=at(2))
    assert err.value.allowed == ["close", "suspend"]


def test_closed_enterprise_cannot_be_suspended_and_its_permit_is_revoked() -> None:
    ent = enterprise()
    ent.close(actor="county", now=at(1))
    assert ent.permit.status is PermitStatus.revoked
    with pytest.raises(IllegalTransition):
        ent.suspend(SuspensionReason.major_hazard, actor="s", now=at(2))


def test_permit_never_lowered_by_a_milder_suspension() -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.fatal_accident, actor="s", now=at(1))
    ent.suspend(SuspensionReason.major_hazard, actor="s", now=at(2))
    assert ent.permit.status is PermitStatus.collected
    assert kinds(ent.events).count("PermitStatusChanged") == 1


def test_enterprise_without_permit_suspends_without_permit_events() -> None:
    ent = enterprise(Industry.foundry, with_permit=False)
    ent.suspend(SuspensionReason.fatal_accident, actor="s", now=at(1))
    assert kinds(ent.events) == ["EnterpriseRegistered", "EnterpriseSuspended"]
