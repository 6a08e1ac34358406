from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from minqing_kit.errors import InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.accident import grade_accident, grade_by_measure, is_late, report_accident
from services.safety.domain.enums import AccidentGrade, OperatingStatus, PermitStatus, SuspensionReason

from .factories import at, enterprise, kinds

G = AccidentGrade


@pytest.mark.parametrize(
    ("deaths", "grade"),
    [(0, G.ordinary), (2, G.ordinary), (3, G.larger), (9, G.larger), (10, G.major), (29, G.major),
     (30, G.especially_major)],
)  # fmt: skip
def test_deaths_boundaries(deaths: int, grade: AccidentGrade) -> None:
    assert grade_accident(deaths, 0, 0) is grade


@pytest.mark.parametrize(
    ("injuries", "grade"),
    [(9, G.ordinary), (10, G.larger), (49, G.larger), (50, G.major), (99, G.major), (100, G.especially_major)],
)
def test_serious_injury_boundaries(injuries: int, grade: AccidentGrade) -> None:
    assert grade_accident(0, injuries, 0) is grade


@pytest.mark.parametrize(
    ("loss", "grade"),
    [(9_999_999, G.ordinary), (10_000_000, G.larger), (49_999_999, G.larger), (50_000_000, G.major),
     (99_999_999, G.major), (100_000_000, G.especially_major)],
)  # fmt: skip
def test_direct_loss_boundaries(loss: int, grade: AccidentGrade) -> None:
    assert grade_accident(0, 0, loss) is grade


@pytest.mark.parametrize(
    ("measures", "grade"),
    [
        ((2, 10, 0), G.larger),  # injuries lift an ordinary death count
        ((3, 0, 50_000_000), G.major),  # loss beats deaths
        ((10, 100, 0), G.especially_major),  # injuries beat deaths
        ((30, 0, 0), G.especially_major),
        ((0, 9, 99_999_999), G.major),
    ],
)
def test_highest_grade_any_measure_reaches_wins(measures: tuple[int, int, int], grade: AccidentGrade) -> None:
    assert grade_accident(*measures) is grade


def test_grade_by_measure_explains_each() -> None:
    assert grade_by_measure(1, 10, 50_000_000) == {
        "deaths": G.ordinary, "serious_injuries": G.larger, "direct_loss_yuan": G.major,
    }  # fmt: skip


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_counts_must_be_whole_non_negative(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        grade_accident(bad, 0, 0)  # type: ignore[arg-type]
    assert err.value.field == "deaths"


def test_late_report_flag_at_exactly_one_hour_vs_just_after() -> None:
    assert not is_late(at(0), at(1))
    assert is_late(at(0), at(1) + timedelta(microseconds=1))
    assert not is_late(at(0), at(0))


def report(ent, deaths=0, injuries=0, loss=0, occurred=None, reported=None):
    return report_accident(
        id=uuid4(), enterprise=ent, occurred_at=occurred or at(2), reported_at=reported or at(2.5),
        deaths=deaths, serious_injuries=injuries, direct_loss_yuan=loss, actor="station-op", now=at(4),
    )  # fmt: skip


def test_fatal_accident_suspends_and_collects_permit_at_once() -> None:
    ent = enterprise()
    acc = report(ent, deaths=1, reported=at(3.5))
    assert acc.grade is G.ordinary and acc.late_report is True
    assert ent.operating_status is OperatingStatus.suspended and ent.suspended_at == at(4)
    assert ent.permit is not None and ent.permit.status is PermitStatus.collected
    assert kinds(acc.events) == ["AccidentReported"]
    assert kinds(ent.events) == ["EnterpriseRegistered", "EnterpriseSuspended", "PermitStatusChanged"]
    susp, permit = ent.events[1], ent.events[2]
    assert isinstance(susp, ev.EnterpriseSuspended) and susp.reason is SuspensionReason.fatal_accident
    assert (permit.from_status, permit.to_status) == (PermitStatus.valid, PermitStatus.collected)
    e = acc.events[0]
    assert (e.deaths, e.grade, e.late_report, e.accident_occurred_at) == (1, G.ordinary, True, at(2))


def test_non_fatal_accident_leaves_production_alone() -> None:
    ent = enterprise()
    acc = report(ent, injuries=12, loss=1_000)
    assert acc.grade is G.larger and not acc.late_report
    assert ent.operating_status is OperatingStatus.operating
    assert kinds(ent.events) == ["EnterpriseRegistered"]


def test_fatal_accident_at_an_already_suspended_enterprise_still_collects_the_permit() -> None:
    ent = enterprise()
    ent.suspend(SuspensionReason.penalty_refusal, actor="b", now=at(1))
    report(ent, deaths=2)
    assert ent.permit is not None and ent.permit.status is PermitStatus.collected
    assert kinds(ent.events).count("EnterpriseSuspended") == 1
    assert ent.suspension_reasons == {SuspensionReason.penalty_refusal, SuspensionReason.fatal_accident}


def test_report_before_occurrence_or_in_future_is_refused() -> None:
    ent = enterprise()
    with pytest.raises(InvalidInput) as err:
        report(ent, deaths=1, occurred=at(2), reported=at(1))
    assert err.value.rule == "after_occurrence"
    with pytest.raises(InvalidInput):
        report(ent, reported=at(5))
    assert ent.operating_status is OperatingStatus.operating
