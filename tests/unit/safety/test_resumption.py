"""After a fatal accident: investigation closed (county) + county 复产验收 passed, never one township
re-inspection. Every branch of `Accident.close_investigation`, `accept_resumption` and the new
refusal in `Enterprise.resume`."""

from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.accident import Accident, report_accident
from services.safety.domain.enterprise import Enterprise
from services.safety.domain.enums import (
    InspectionKind,
    InvestigationNature,
    OperatingStatus,
    PermitStatus,
    SuspensionReason,
)
from services.safety.domain.inspection import Inspection
from services.safety.domain.resumption import accept_resumption, open_investigations

from .factories import at, enterprise, kinds

OS = OperatingStatus
QUARRY_OK = dict.fromkeys(
    ("blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records"), True
)


def fatal(ent: Enterprise, deaths: int = 1, hours: float = 2) -> Accident:
    return report_accident(id=uuid4(), enterprise=ent, occurred_at=at(hours), reported_at=at(hours + 0.5),
                           deaths=deaths, serious_injuries=0, direct_loss_yuan=0, actor="station",
                           now=at(hours + 1))


def close(acc: Accident, ent: Enterprise, days: float = 30, **over) -> None:
    kw = dict(conclusion="违章爆破致边坡坍塌，责任事故；整改措施见报告", nature="liability", by_county=True,
              actor="county-brigade", now=at(days=days))
    kw.update(over)
    acc.close_investigation(ent, **kw)


def accept(ent: Enterprise, accidents: list[Accident], passed: bool = True, days: float = 35, **over):
    kw = dict(id=uuid4(), enterprise=ent, accidents=accidents, passed=passed, checked_at=at(days=days),
              inspectors=["county-insp-1", "county-insp-2"], note="整改到位", by_county=True, actor="county-admin",
              now=at(days=days, hours=2))
    kw.update(over)
    return accept_resumption(**kw)


def reinspection(ent: Enterprise, days: float) -> Inspection:
    return Inspection.record(id=uuid4(), enterprise=ent, kind=InspectionKind.re_inspection, inspectors=["insp"],
                             inspected_at=at(days=days), results=QUARRY_OK, now=at(days=days))


# ----- the finding: one passing township inspection no longer restores the permit ----------------
def test_a_passed_township_reinspection_does_not_resume_after_a_fatal_accident() -> None:
    ent = enterprise()
    fatal(ent)
    before = len(ent.events)
    with pytest.raises(Conflict) as err:
        ent.resume(reinspection(ent, 3), actor="station", now=at(days=3))
    assert (err.value.field, err.value.rule) == ("inspection_id", "county_resumption_acceptance_required")
    assert "县级复产验收" in err.value.message
    assert ent.operating_status is OS.suspended and ent.permit.status is PermitStatus.collected
    assert len(ent.events) == before


def test_fatal_accident_on_top_of_a_township_order_also_needs_the_county() -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.township_order, actor="township", now=at(1))
    fatal(ent, hours=2)
    with pytest.raises(Conflict) as err:
        ent.resume(reinspection(ent, 3), actor="station", now=at(days=3))
    assert err.value.rule == "county_resumption_acceptance_required"


def test_revoked_permit_is_reported_before_the_county_rule() -> None:
    ent = enterprise()
    fatal(ent)
    ent.permit = ent.permit.__class__(ent.permit.number, ent.permit.valid_from, ent.permit.valid_until,
                                      PermitStatus.revoked)
    with pytest.raises(Conflict) as err:
        ent.resume(reinspection(ent, 3), actor="station", now=at(days=3))
    assert err.value.rule == "permit_not_revoked"
    with pytest.raises(Conflict) as err2:
        ent.resume_on_acceptance(uuid4(), actor="county", now=at(days=3))
    assert err2.value.rule == "permit_not_revoked"


# ----- closing the investigation ------------------------------------------------------------------
def test_close_investigation_records_conclusion_and_event_without_the_text() -> None:
    ent = enterprise()
    acc = fatal(ent, deaths=3)
    acc.events.clear()
    close(acc, ent, days=40)
    assert acc.investigation_closed and acc.investigation_closed_at == at(days=40)
    assert acc.investigation_nature is InvestigationNature.liability
    assert acc.investigation_conclusion.startswith("违章爆破")
    (e,) = acc.events
    assert isinstance(e, ev.AccidentInvestigationClosed)
    assert (e.accident_id, e.grade.value, e.nature, e.closed_at) == (acc.id, "larger", "liability", at(days=40))
    assert e.days_from_occurrence == 39  # occurred at(2h), closed at(40 days)
    assert not hasattr(e, "conclusion")


@pytest.mark.parametrize(
    ("over", "error", "field", "rule"),
    [
        ({"by_county": False}, Forbidden, "role", "county_level"),
        ({"conclusion": "  "}, InvalidInput, "conclusion", "required"),
        ({"conclusion": "长" * 4001}, InvalidInput, "conclusion", "max_length_4000"),
        ({"nature": "accidental"}, InvalidInput, "nature", "one_of"),
        ({"now": at(2.4)}, InvalidInput, "now", "not_before_previous_action"),
    ],
)  # fmt: skip
def test_close_investigation_refusals(over, error, field, rule) -> None:
    ent = enterprise()
    acc = fatal(ent)
    with pytest.raises(error) as err:
        close(acc, ent, **over)
    assert (err.value.field, err.value.rule) == (field, rule)
    assert not acc.investigation_closed and kinds(acc.events) == ["AccidentReported"]


def test_close_investigation_once_and_of_its_own_enterprise() -> None:
    ent = enterprise()
    acc = fatal(ent)
    with pytest.raises(Conflict) as other:
        close(acc, enterprise())
    assert other.value.rule == "same_enterprise"
    close(acc, ent)
    with pytest.raises(Conflict) as twice:
        close(acc, ent, days=31)
    assert (twice.value.field, twice.value.rule) == ("accident_id", "once")


# ----- the county 复产验收 --------------------------------------------------------------------------
def test_investigation_closed_then_county_acceptance_passed_resumes_and_returns_the_permit() -> None:
    ent = enterprise()
    acc = fatal(ent)
    close(acc, ent)
    ent.events.clear()
    acceptance = accept(ent, [acc])
    assert acceptance.passed and acceptance.inspectors == ("county-insp-1", "county-insp-2")
    assert ent.operating_status is OS.operating and ent.permit.status is PermitStatus.valid
    assert not ent.suspension_reasons and ent.audit[-1].note == f"acceptance={acceptance.id}"
    assert kinds(acceptance.events) == ["ResumptionAcceptanceRecorded"]
    assert kinds(ent.events) == ["EnterpriseResumed", "PermitStatusChanged"]
    rec = acceptance.events[0]
    assert (rec.acceptance_id, rec.passed, rec.checked_at) == (acceptance.id, True, at(days=35))


def test_failed_acceptance_is_recorded_and_the_enterprise_stays_stopped() -> None:
    ent = enterprise()
    acc = fatal(ent)  # investigation still open: a failed acceptance may still be recorded
    ent.events.clear()
    acceptance = accept(ent, [acc], passed=False)
    assert acceptance.events[0].passed is False and not ent.events
    assert ent.operating_status is OS.suspended and ent.permit.status is PermitStatus.collected


def test_passed_acceptance_refused_while_any_fatal_investigation_is_open() -> None:
    ent = enterprise()
    first, second = fatal(ent, hours=2), fatal(ent, hours=5)
    close(first, ent)
    with pytest.raises(Conflict) as err:
        accept(ent, [first, second])
    assert (err.value.field, err.value.rule) == ("accident_id", "investigation_closed_required")
    assert str(second.id) in err.value.message
    assert ent.operating_status is OS.suspended
    assert open_investigations(ent, [first, second]) == [second]


def test_open_investigations_ignores_non_fatal_and_other_enterprises() -> None:
    ent, other = enterprise(), enterprise()
    injured = report_accident(id=uuid4(), enterprise=ent, occurred_at=at(1), reported_at=at(1.5), deaths=0,
                              serious_injuries=2, direct_loss_yuan=0, actor="s", now=at(2))
    assert open_investigations(ent, [injured, fatal(other)]) == []


def test_acceptance_before_the_investigation_closed_does_not_count() -> None:
    ent = enterprise()
    acc = fatal(ent)
    close(acc, ent, days=30)
    with pytest.raises(InvalidInput) as err:
        accept(ent, [acc], days=29, now=at(days=31))
    assert (err.value.field, err.value.rule) == ("checked_at", "after_investigation_closed")


def test_county_acceptance_also_lifts_a_stop_without_an_accident() -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.major_hazard, actor="station", now=at(1))
    accept(ent, [])
    assert ent.operating_status is OS.operating and ent.permit.status is PermitStatus.valid


@pytest.mark.parametrize(
    ("over", "error", "field", "rule"),
    [
        ({"by_county": False}, Forbidden, "role", "county_level"),
        ({"passed": "yes"}, InvalidInput, "passed", "bool"),
        ({"checked_at": at(days=36)}, InvalidInput, "checked_at", "not_future"),
        ({"checked_at": at(0.5)}, InvalidInput, "checked_at", "after_suspension"),
        ({"inspectors": []}, InvalidInput, "inspectors", "min_1"),
        ({"note": "字" * 2001}, InvalidInput, "note", "max_length_2000"),
        ({"actor": " "}, InvalidInput, "actor", None),
    ],
)  # fmt: skip
def test_acceptance_refusals_change_nothing(over, error, field, rule) -> None:
    ent = enterprise()
    acc = fatal(ent)
    close(acc, ent)
    before = len(ent.events)
    with pytest.raises(error) as err:
        accept(ent, [acc], **over)
    assert err.value.field == field and (rule is None or err.value.rule == rule)
    assert ent.operating_status is OS.suspended and len(ent.events) == before


def test_acceptance_of_an_operating_or_closed_enterprise_is_refused() -> None:
    ent = enterprise()
    with pytest.raises(Conflict) as err:
        accept(ent, [])
    assert (err.value.field, err.value.rule) == ("enterprise_id", "enterprise_suspended")
    ent.close(actor="county", now=at(1))
    with pytest.raises(Conflict):
        accept(ent, [])


def test_resume_on_acceptance_of_an_operating_enterprise_is_illegal() -> None:
    with pytest.raises(IllegalTransition):
        enterprise().resume_on_acceptance(uuid4(), actor="county", now=at(1))
