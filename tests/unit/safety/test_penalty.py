from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput
from services.safety.domain import events as ev
from services.safety.domain.enums import (
    HazardLevel,
    HazardStatus,
    OperatingStatus,
    PenaltyTarget,
    PermitStatus,
    SuspensionReason,
)
from services.safety.domain.penalty import CHINA_TZ, RULES, Penalty, impose_penalty

from .factories import CALENDAR, at, enterprise, hazard, kinds


def failed(ent=None, level=HazardLevel.general):
    ent = ent or enterprise()
    hz = hazard(ent, level, deadline=at(days=3))
    hz.reinspect(False, actor="i", now=at(days=4))
    return ent, hz


def impose(ent, hz, rule: str = "art102_unit", amount: int = 20_000, decided=None, now=None) -> Penalty:
    return impose_penalty(
        id=uuid4(), enterprise=ent, hazard=hz, rule=rule, amount_yuan=amount,
        decided_at=decided or at(days=5), actor="brigade", now=now or at(days=5), calendar=CALENDAR,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "ok", "bad"),
    [
        ("art102_unit", (1, 50_000), (0, 50_001)),
        ("art102_person", (50_000, 100_000), (49_999, 100_001)),
        ("art101_5_unit", (1, 100_000), (0, 100_001)),
        ("art101_5_unfixed", (100_000, 200_000), (99_999, 200_001)),
    ],
)
def test_amount_boundaries(rule: str, ok: tuple[int, int], bad: tuple[int, int]) -> None:
    for amount in ok:
        ent, hz = failed()
        assert impose(ent, hz, rule, amount).amount_yuan == amount
    for amount in bad:
        ent, hz = failed()
        with pytest.raises(InvalidInput) as err:
            impose(ent, hz, rule, amount)
        assert err.value.field == "amount_yuan" and err.value.rule.startswith("range_")
        assert hz.status is HazardStatus.reinspection_failed  # nothing changed


def test_rule_table_matches_the_reference() -> None:
    ranges = {c: (r.min_yuan, r.max_yuan, r.target) for c, r in RULES.items()}
    assert ranges == {
        "art102_unit": (1, 50_000, PenaltyTarget.unit),
        "art102_person": (50_000, 100_000, PenaltyTarget.responsible_person),
        "art101_5_unit": (1, 100_000, PenaltyTarget.unit),
        "art101_5_unfixed": (100_000, 200_000, PenaltyTarget.unit),
    }


def test_unit_penalty_moves_the_hazard_and_records_the_event() -> None:
    ent, hz = failed(level=HazardLevel.major)
    p = impose(ent, hz, amount=30_000)
    assert hz.status is HazardStatus.penalised and hz.penalty_ids == [p.id]
    (e,) = p.events
    assert isinstance(e, ev.PenaltyImposed)
    assert (e.hazard_id, e.hazard_level, e.article, e.target) == (
        hz.id, HazardLevel.major, "安全生产法第102条", PenaltyTarget.unit,
    )  # fmt: skip
    assert e.publish_due_at == p.publish_due_at and e.amount_yuan == 30_000
    assert p.counts_for_closure


def test_penalty_needs_a_failed_reinspection() -> None:
    ent = enterprise()
    hz = hazard(ent)
    with pytest.raises(IllegalTransition):
        impose(ent, hz)
    with pytest.raises(InvalidInput) as err:
        impose(ent, None)
    assert (err.value.field, err.value.rule) == ("hazard_id", "required")


def test_unknown_article_and_other_enterprise_are_refused() -> None:
    ent, hz = failed()
    with pytest.raises(InvalidInput) as err:
        impose(ent, hz, rule="art999")
    assert err.value.field == "article"
    with pytest.raises(Conflict):
        impose(enterprise(), hz)
    with pytest.raises(InvalidInput):
        impose(ent, hz, decided=at(days=6), now=at(days=5))
    assert hz.status is HazardStatus.reinspection_failed


def test_person_penalty_leaves_hazard_alone_and_101_implies_major() -> None:
    ent, hz = failed()
    impose(ent, hz)
    person = impose(ent, hz, "art102_person", 60_000)
    assert hz.status is HazardStatus.penalised and not person.counts_for_closure
    unreported = impose(ent, None, "art101_5_unit", 80_000)
    assert unreported.hazard_level is HazardLevel.major and unreported.counts_for_closure


def test_publication_due_within_seven_working_days_across_national_day() -> None:
    # Friday 26 Sep 2025 (Beijing): Sun 28 Sep and Sat 11 Oct are make-up working days, 1–8 Oct off.
    ent, hz = failed()
    p = impose(ent, hz, decided=datetime(2025, 9, 26, 10, tzinfo=CHINA_TZ), now=datetime(2025, 9, 26, 11, tzinfo=UTC))
    assert p.publish_due_on == date(2025, 10, 13)
    assert p.publish_due_at == datetime(2025, 10, 13, 23, 59, 59, 999999, tzinfo=CHINA_TZ)
    assert not p.publication_overdue(datetime(2025, 10, 13, 15, 59, tzinfo=UTC))  # 23:59 Beijing
    assert p.publication_overdue(datetime(2025, 10, 13, 16, 0, tzinfo=UTC))  # 00:00 on the 14th
    p.mark_published(ent, now=datetime(2025, 10, 10, tzinfo=UTC))
    assert not p.publication_overdue(datetime(2025, 11, 1, tzinfo=UTC))
    with pytest.raises(Conflict):
        p.mark_published(ent, now=datetime(2025, 10, 11, tzinfo=UTC))


def _published(ent, hz, at_: datetime) -> ev.PenaltyPublished:
    p = impose(ent, hz, decided=datetime(2025, 9, 26, 10, tzinfo=CHINA_TZ), now=datetime(2025, 9, 26, 11, tzinfo=UTC))
    p.events.clear()
    p.mark_published(ent, now=at_)
    (e,) = p.events
    assert isinstance(e, ev.PenaltyPublished) and e.published_at == at_ == p.published_at
    assert e.publish_due_at == p.publish_due_at and e.enterprise_id == ent.id and e.penalty_id == p.id
    return e


def test_publication_event_on_time_up_to_the_last_minute_of_the_seventh_working_day() -> None:
    # Due 13 Oct 2025 (Beijing): 23:59 Beijing is on time, 00:00 on the 14th is late.
    assert _published(*failed(), datetime(2025, 10, 13, 15, 59, tzinfo=UTC)).on_time is True
    assert _published(*failed(), datetime(2025, 10, 13, 16, 0, tzinfo=UTC)).on_time is False
    assert _published(*failed(), datetime(2025, 9, 26, 12, tzinfo=UTC)).on_time is True


def test_publication_refused_for_another_enterprise_or_before_the_decision() -> None:
    ent, hz = failed()
    p = impose(ent, hz)
    with pytest.raises(Conflict) as err:
        p.mark_published(enterprise(), now=at(days=6))
    assert (err.value.field, err.value.rule) == ("enterprise_id", "same_enterprise")
    with pytest.raises(InvalidInput) as bad:
        p.mark_published(ent, now=at(days=4))
    assert (bad.value.field, bad.value.rule) == ("now", "not_before_decision")
    assert p.published_at is None and not p.published_on_time


def test_decision_date_is_the_beijing_date() -> None:
    ent, hz = failed()
    # 2025-05-15 17:00 UTC is already Friday 16 May in Beijing: 7 working days later is 27 May.
    p = impose(ent, hz, decided=datetime(2025, 5, 15, 17, tzinfo=UTC), now=datetime(2025, 5, 16, tzinfo=UTC))
    assert p.publish_due_on == date(2025, 5, 27)


def test_refusal_suspends_production_and_the_permit() -> None:
    ent, hz = failed()
    p = impose(ent, hz)
    p.record_refusal(ent, actor="brigade", now=at(days=8))
    assert ent.operating_status is OperatingStatus.suspended
    assert ent.permit is not None and ent.permit.status is PermitStatus.suspended
    assert kinds(ent.events)[-2:] == ["EnterpriseSuspended", "PermitStatusChanged"]
    assert ent.events[-2].reason is SuspensionReason.penalty_refusal
    with pytest.raises(Conflict):
        p.record_refusal(ent, actor="brigade", now=at(days=9))
