"""Accidents (生产安全事故): grading by 条例 §3, the 1-hour report rule (§9), and what a death does.

Thresholds ("以上" includes the number, "以下" excludes it): a measure reaching a grade's
threshold puts the accident in that grade, and the highest grade any measure reaches wins.
A fatal accident stops the enterprise's production and collects its permit at once.

Investigation (条例 §19–§33): the government of the accident's level has it investigated (一般事故:
the county); the team reports within 60 days of the accident (§29), the government replies within
15 days (§32, 30 for 特别重大). The county records the report's conclusion here, which closes the
investigation (结案) — what a fatal accident's 复产 waits for (see `resumption.py`). Who may close
it: a county-level principal (§19: the county government investigates 一般事故 and receives the
higher levels' replies); a township station may not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from minqing_kit.errors import Conflict, Forbidden, InvalidInput

from . import events as ev
from ._guards import not_before, parse_enum, require_actor, require_aware, require_count, require_text
from .enterprise import Enterprise
from .enums import AccidentGrade, InvestigationNature, OperatingStatus, SuspensionReason

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
    investigation_closed_at: datetime | None = None
    investigation_nature: InvestigationNature | None = None
    investigation_conclusion: str | None = None
    events: list[ev.DomainEvent] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return self.deaths > 0

    @property
    def investigation_closed(self) -> bool:
        return self.investigation_closed_at is not None

    def close_investigation(
        self,
        enterprise: Enterprise,
        *,
        conclusion: str,
        nature: InvestigationNature | str,
        by_county: bool,
        actor: str,
        now: datetime,
    ) -> None:
        """结案: record the investigation report's conclusion and its nature (责任/非责任事故), once.
        The conclusion text stays in the service (it may name people); the event carries the nature."""
        if not by_county:
            raise Forbidden(
                "事故调查结案须由县级录入 (an accident investigation is closed by the county level)",
                field="role",
                rule="county_level",
            )
        if enterprise.id != self.enterprise_id:
            raise Conflict("事故不属于该企业 (accident of another enterprise)", field="enterprise_id",
                           rule="same_enterprise")
        if self.investigation_closed_at is not None:
            raise Conflict("事故调查已结案 (the investigation is already closed)", field="accident_id", rule="once")
        conclusion = require_text(conclusion, "conclusion", max_len=4000)
        nature = parse_enum(InvestigationNature, nature, "nature")
        require_actor(actor)
        require_aware(now, "now")
        not_before(now, self.reported_at)
        self.investigation_closed_at = now
        self.investigation_nature = nature
        self.investigation_conclusion = conclusion
        self.events.append(
            ev.AccidentInvestigationClosed(
                occurred_at=now,
                township_code=self.township_code,
                enterprise_id=self.enterprise_id,
                industry=enterprise.industry,
                accident_id=self.id,
                grade=self.grade,
                nature=nature,
                closed_at=now,
                days_from_occurrence=(now - self.occurred_at).days,
            )
        )


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
