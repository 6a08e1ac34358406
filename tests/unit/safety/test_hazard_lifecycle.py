from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.enums import HazardLevel, HazardStatus
from services.safety.domain.hazard import Hazard
from services.safety.domain.hazard_rules import TRANSITIONS
from services.safety.domain.plan import PlanPart, RectificationPlan

from .factories import PLAN_TEXT, TOWNSHIP, at, enterprise, hazard, kinds, plan

H = HazardStatus


def test_general_hazard_found_reported_and_closed_on_time() -> None:
    hz = hazard()
    hz.report_rectification(["已削坡，照片 3 张"], actor="ent-safety-officer", now=at(days=5))
    hz.reinspect(True, actor="inspector-1", now=at(days=6))
    assert hz.status is H.closed and hz.closed_at == at(days=6)
    assert kinds(hz.events) == ["HazardFound", "RectificationReported", "HazardRectified"]
    found, done = hz.events[0], hz.events[-1]
    assert isinstance(found, ev.HazardFound) and found.listed_supervision is False
    assert isinstance(done, ev.HazardRectified) and done.on_time is True
    assert (done.township_code, done.level, done.deadline) == (TOWNSHIP, HazardLevel.general, hz.deadline)
    assert [a.action for a in hz.audit] == ["find", "report_rectification", "reinspect"]


def test_report_after_the_deadline_is_not_on_time() -> None:
    hz = hazard(deadline=at(days=3))
    hz.report_rectification(["done"], actor="ent", now=at(days=4))
    hz.reinspect(True, actor="inspector-1", now=at(days=5))
    assert hz.events[-1].on_time is False


def test_major_hazard_needs_plan_then_goes_the_whole_way() -> None:
    ent = enterprise()
    hz = hazard(ent, HazardLevel.major)
    assert hz.listed_supervision and hz.events[0].listed_supervision is True
    with pytest.raises(Conflict) as err:
        hz.report_rectification(["done"], actor="ent", now=at(days=2))
    assert err.value.rule == "major_hazard_plan_required"
    assert hz.status is H.found and kinds(hz.events) == ["HazardFound"]
    hz.submit_plan(plan(), actor="ent", now=at(days=2))
    hz.report_rectification(["done"], actor="ent", now=at(days=10))
    hz.reinspect(True, actor="inspector-1", now=at(days=11))
    assert kinds(hz.events) == ["HazardFound", "RectificationPlanSubmitted", "RectificationReported", "HazardRectified"]


def test_general_hazard_takes_no_plan() -> None:
    hz = hazard()
    with pytest.raises(Conflict) as err:
        hz.submit_plan(plan(), actor="ent", now=at(days=1))
    assert err.value.rule == "major_hazard_only"


def test_failed_reinspection_then_report_again_then_pass() -> None:
    hz = hazard()
    hz.report_rectification(["done"], actor="ent", now=at(days=5))
    hz.reinspect(False, actor="inspector-1", now=at(days=6), note="台阶仍超高")
    assert hz.status is H.reinspection_failed
    assert isinstance(hz.events[-1], ev.ReinspectionFailed) and hz.events[-1].reinspected_at == at(days=6)
    hz.report_rectification(["redone"], actor="ent", now=at(days=8))
    hz.reinspect(True, actor="inspector-1", now=at(days=9))
    assert hz.status is H.closed


@pytest.mark.parametrize("action", ["report_rectification", "reinspect", "submit_plan", "penalise"])
def test_closed_hazard_refuses_everything(action: str) -> None:
    hz = hazard(level=HazardLevel.major)
    hz.submit_plan(plan(), actor="ent", now=at(days=1))
    hz.report_rectification(["done"], actor="ent", now=at(days=2))
    hz.reinspect(True, actor="inspector-1", now=at(days=3))
    before = (hz.status, len(hz.events), len(hz.audit))
    call = {
        "report_rectification": lambda: hz.report_rectification(["again"], actor="ent", now=at(days=4)),
        "reinspect": lambda: hz.reinspect(True, actor="i", now=at(days=4)),
        "submit_plan": lambda: hz.submit_plan(plan(), actor="ent", now=at(days=4)),
        "penalise": lambda: hz.record_penalty(uuid4(), actor="i", now=at(days=4)),
    }[action]
    with pytest.raises(IllegalTransition) as err:
        call()
    assert err.value.state == "closed" and err.value.allowed == []
    assert (hz.status, len(hz.events), len(hz.audit)) == before


def test_illegal_transition_lists_allowed_actions() -> None:
    hz = hazard()
    with pytest.raises(IllegalTransition) as err:
        hz.record_penalty(uuid4(), actor="i", now=at(days=2))
    assert err.value.allowed == ["reinspect", "report_rectification", "submit_plan"]
    hz.report_rectification(["done"], actor="ent", now=at(days=2))
    with pytest.raises(IllegalTransition):
        hz.report_rectification(["twice"], actor="ent", now=at(days=3))


def test_closed_is_the_only_terminal_status() -> None:
    reachable_from = {s for moves in TRANSITIONS.values() for s in moves}
    assert set(HazardStatus) - reachable_from == {H.closed}


def test_failing_an_unreported_hazard_before_its_deadline_is_refused() -> None:
    hz = hazard(deadline=at(days=10))
    with pytest.raises(Conflict) as err:
        hz.reinspect(False, actor="i", now=at(days=10))  # the deadline instant itself: still in time
    assert err.value.rule == "deadline_not_reached"
    hz.reinspect(False, actor="i", now=at(days=10, hours=1))
    assert hz.status is H.reinspection_failed


def test_passing_an_unreported_hazard_early_closes_it() -> None:
    hz = hazard()
    hz.reinspect(True, actor="i", now=at(days=2))
    assert hz.status is H.closed and hz.events[-1].on_time is True


def test_report_needs_evidence_and_ordered_clock() -> None:
    hz = hazard()
    with pytest.raises(InvalidInput) as err:
        hz.report_rectification([], actor="ent", now=at(days=2))
    assert (err.value.field, err.value.rule) == ("evidence", "min_1")
    with pytest.raises(InvalidInput) as err:
        hz.report_rectification(["done"], actor="ent", now=at(0))  # before the finding
    assert err.value.rule == "not_before_previous_action"
    assert hz.status is H.found


def test_deadline_must_follow_the_finding() -> None:
    with pytest.raises(InvalidInput) as err:
        hazard(found=at(1), deadline=at(1))
    assert err.value.rule == "deadline_after_found"


def test_find_refuses_unknown_level() -> None:
    with pytest.raises(InvalidInput) as err:
        Hazard.find(
            id=uuid4(), enterprise=enterprise(), level="huge", description="d", requirement="r",
            deadline=at(days=3), actor="i", now=at(1),
        )  # fmt: skip
    assert (err.value.field, err.value.rule) == ("level", "one_of")


# ----- six-part plan ------------------------------------------------------------------------------
def test_plan_keyed_by_codes_is_accepted() -> None:
    by_code = {p.value: "x" for p in PlanPart}
    assert set(RectificationPlan.from_parts(by_code).parts) == set(PlanPart)


@pytest.mark.parametrize("missing", list(PLAN_TEXT))
def test_plan_missing_a_part_names_it(missing: str) -> None:
    parts = {k: v for k, v in PLAN_TEXT.items() if k != missing}
    with pytest.raises(InvalidInput) as err:
        RectificationPlan.from_parts(parts)
    assert missing in err.value.message and err.value.rule == "plan_six_parts"
    part = next(p for p in PlanPart if p.label == missing)
    assert err.value.field == f"plan.{part.value}"


def test_plan_blank_part_counts_as_missing() -> None:
    with pytest.raises(InvalidInput) as err:
        RectificationPlan.from_parts({**PLAN_TEXT, "经费物资": "   "})
    assert err.value.field == "plan.funding_and_materials"


def test_plan_unknown_part_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        RectificationPlan.from_parts({**PLAN_TEXT, "备注": "x"})
    assert err.value.rule == "plan_part"


def test_events_follow_the_hazard_timestamps() -> None:
    hz = hazard(found=at(2), deadline=at(2) + timedelta(days=7))
    assert all(e.found_at == at(2) and e.deadline == at(2) + timedelta(days=7) for e in hz.events)
