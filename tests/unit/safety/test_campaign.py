from __future__ import annotations

from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from services.safety.domain.campaign import (
    FollowUpCampaign,
    ReinspectionResult,
    due_for_reinspection,
    record_follow_up,
)
from services.safety.domain.enums import HazardStatus, Industry

from .factories import OTHER_TOWNSHIP, TOWNSHIP, at, enterprise, hazard

CAMPAIGN = FollowUpCampaign(uuid4(), TOWNSHIP, at(days=30), at(days=40))


def setup():
    ent = enterprise()
    overdue = hazard(ent, deadline=at(days=10))  # long overdue: due
    in_period = hazard(ent, deadline=at(days=35))  # deadline within the period: due
    after = hazard(ent, deadline=at(days=50))  # deadline after the period: not due
    reported = hazard(ent, deadline=at(days=60))
    reported.report_rectification(["done"], actor="ent", now=at(days=20))  # waiting: due
    closed = hazard(ent, deadline=at(days=10))
    closed.reinspect(True, actor="i", now=at(days=5))
    elsewhere = hazard(enterprise(Industry.foundry, OTHER_TOWNSHIP), deadline=at(days=10))
    later = hazard(ent, found=at(days=41), deadline=at(days=45))  # found after the campaign
    return [overdue, in_period, after, reported, closed, elsewhere, later]


def test_selection() -> None:
    hs = setup()
    overdue, in_period, _after, reported, *_ = hs
    assert due_for_reinspection(hs, CAMPAIGN) == [overdue, in_period, reported]


def test_bulk_results_close_and_fail() -> None:
    hs = setup()
    overdue, in_period, _, reported, *_ = hs
    out = record_follow_up(
        CAMPAIGN, hs,
        [ReinspectionResult(overdue.id, False, at(days=31)), ReinspectionResult(reported.id, True, at(days=31)),
         ReinspectionResult(in_period.id, True, at(days=32))],
        actor="brigade", now=at(days=33),
    )  # fmt: skip
    assert out.failed == (overdue.id,) and set(out.closed) == {reported.id, in_period.id}
    assert overdue.status is HazardStatus.reinspection_failed and overdue.reinspected_at == at(days=31)
    assert reported.status is HazardStatus.closed


@pytest.mark.parametrize("problem", ["not_due", "duplicate", "outside", "early_fail"])
def test_one_bad_line_refuses_the_whole_batch(problem: str) -> None:
    hs = setup()
    overdue, in_period, after, *_ = hs
    good = ReinspectionResult(overdue.id, True, at(days=31))
    bad = {
        "not_due": ReinspectionResult(after.id, True, at(days=31)),
        "duplicate": ReinspectionResult(overdue.id, False, at(days=31)),
        "outside": ReinspectionResult(in_period.id, True, at(days=29)),
        "early_fail": ReinspectionResult(in_period.id, False, at(days=34)),  # deadline day 35, unreported
    }[problem]
    expected = Conflict if problem == "early_fail" else InvalidInput
    with pytest.raises(expected):
        record_follow_up(CAMPAIGN, hs, [good, bad], actor="brigade", now=at(days=36))
    assert overdue.status is HazardStatus.found and len(overdue.events) == 1


def test_period_must_be_forward_and_township_level() -> None:
    with pytest.raises(InvalidInput):
        FollowUpCampaign(uuid4(), TOWNSHIP, at(days=2), at(days=1))
    with pytest.raises(InvalidInput) as err:
        FollowUpCampaign(uuid4(), "350124000000", at(days=1), at(days=2))
    assert err.value.rule == "township_code"


def test_hazard_awaiting_penalty_is_listed_but_cannot_be_reinspected() -> None:
    hs = setup()
    overdue = hs[0]
    overdue.reinspect(False, actor="i", now=at(days=30))  # now awaiting a penalty, not re-inspection
    assert overdue in due_for_reinspection(hs, CAMPAIGN)
    with pytest.raises(IllegalTransition):
        record_follow_up(CAMPAIGN, hs, [ReinspectionResult(overdue.id, True, at(days=31))], actor="b",
                         now=at(days=32))
    assert overdue.status is HazardStatus.reinspection_failed
