"""Accidents (生产安全事故): grading by 条例 §3, the 1-hour report rule (§9), and what a death does.

Thresholds ("以上" includes the number, "以下" excludes it): a measure reaching a grade's
threshold puts the accident in that grade, and the highest grade any measure reaches wins.
A fatal accident stops the enterprise's production and collects its permit at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from minqing_kit.errors import InvalidInput

from . import events as ev
from ._guards import require_actor, require_aware, require_count
from .enterprise import Enterprise
from .enums import AccidentGrade, OperatingStatus, SuspensionReason

G = AccidentGrade

#: grade → (deaths, serious injuries, direct loss in yuan) from which the grade starts.
THRESHOLDS: Mapping[AccidentGrade, tuple[int, int, int]] = {
    G.especially_major: (30, 100, 100_000_000),
    G.major: (10, 50, 50_000_000),
    G.larger: (3, 10, 10_000_000),
}
MEASURES = ("deaths", "serious_injuries", "direct_loss_yuan")
REPORT_WITHIN = timedelta(hours=1)


def grade_by_measure(deaths: int, serious_injuries: int, direct_loss_yuan: int) -> dict[str, AccidentGrade]:
    values = (
        require_count(deaths, "deaths"),
        require_count(serious_injuries, "serious_injuries"),
        require_count(direct_loss_yuan, "direct_loss_yuan"),
    )
    out: dict[str, AccidentGrade] = {}
    for i, measure in enumerate(MEASURES):
        out[measure] = next((g for g, t in THRESHOLDS.items() if values[i] >= t[i]), G.ordinary)
    return out


def grade_accident(deaths: int, serious_injuries: int, direct_loss_yuan: int) -> AccidentGrade:
    return max(grade_by_measure(deaths, serious_injuries, direct_loss_yuan).values(), key=lambda g: g.rank)


def is_late(occurred_at: datetime, reported_at: datetime) -> bool:
    """Late when reported more than one hour after it happened (exactly one hour is in time)."""
    return reported_at - occurred_at > REPORT_WITHIN


@dataclass(eq=False)
class Accident:
    id: UUID
    enterprise_id: UUID
    township_code: str
    occurred_at: datetime
    reported_at: datetime
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int
    grade: AccidentGrade
    late_report: bool
    events: list[ev.DomainEvent] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return self.deaths > 0


def report_accident(
    *,
    id: UUID,
    enterprise: Enterprise,
    occurred_at: datetime,
    reported_at: datetime,
    deaths: int,
    serious_injuries: int,
    direct_loss_yuan: int,
    actor: str,
    now: datetime,
) -> Accident:
    """Grade and record the accident; a fatal one suspends the enterprise and collects its permit
    (its events follow AccidentReported on `enterprise.events`)."""
    require_actor(actor)
    require_aware(occurred_at, "occurred_at")
    require_aware(reported_at, "reported_at")
    require_aware(now, "now")
    if reported_at < occurred_at:
        raise InvalidInput(
            "报告时间不能早于事故发生时间 (reported before it happened)", field="reported_at", rule="after_occurrence"
        )
    if reported_at > now:
        raise InvalidInput("报告时间不能在将来 (reported_at is in the future)", field="reported_at", rule="not_future")
    grade = grade_accident(deaths, serious_injuries, direct_loss_yuan)
    late = is_late(occurred_at, reported_at)
    acc = Accident(
        id=id,
        enterprise_id=enterprise.id,
        township_code=enterprise.township_code,
        occurred_at=occurred_at,
        reported_at=reported_at,
        deaths=deaths,
        serious_injuries=serious_injuries,
        direct_loss_yuan=direct_loss_yuan,
        grade=grade,
        late_report=late,
    )
    acc.events.append(
        ev.AccidentReported(
            occurred_at=now,
            township_code=enterprise.township_code,
            enterprise_id=enterprise.id,
            industry=enterprise.industry,
            accident_id=id,
            accident_occurred_at=occurred_at,
            reported_at=reported_at,
            deaths=deaths,
            serious_injuries=serious_injuries,
            direct_loss_yuan=direct_loss_yuan,
            grade=grade,
            late_report=late,
        )
    )
    # A closed enterprise has nothing left to stop; the accident is still recorded and graded.
    if acc.fatal and enterprise.operating_status is not OperatingStatus.closed:
        enterprise.suspend(SuspensionReason.fatal_accident, actor=actor, now=now)
    return acc
