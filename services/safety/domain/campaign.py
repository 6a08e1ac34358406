"""Follow-up campaign (回头看): re-inspect a township's open hazards, recorded in bulk.

Due in a campaign: open hazards of the township found before the campaign ends whose deadline
falls by its end (overdue ones from earlier included: they are what 回头看 chases), and those
reported rectified and waiting for their re-inspection. Results are checked all together first,
so one bad line refuses the batch and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import InvalidInput

from ._guards import require_aware, require_township
from .enums import HazardStatus
from .hazard import Hazard


@dataclass(frozen=True)
class FollowUpCampaign:
    id: UUID
    township_code: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_township(self.township_code)
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.end <= self.start:
            raise InvalidInput("回头看结束须晚于开始 (period must end after it starts)", field="end",
                               rule="end_after_start")

    def covers(self, at: datetime) -> bool:
        return self.start <= at <= self.end


@dataclass(frozen=True)
class ReinspectionResult:
    hazard_id: UUID
    passed: bool
    inspected_at: datetime
    note: str = ""


@dataclass(frozen=True)
class FollowUpOutcome:
    closed: tuple[UUID, ...]
    failed: tuple[UUID, ...]  # candidates for a penalty


def due_for_reinspection(hazards: Iterable[Hazard], campaign: FollowUpCampaign) -> list[Hazard]:
    due = [
        h
        for h in hazards
        if h.township_code == campaign.township_code
        and h.is_open
        and h.found_at < campaign.end
        and (h.deadline <= campaign.end or h.status is HazardStatus.rectification_reported)
    ]
    return sorted(due, key=lambda h: (h.deadline, str(h.id)))


def record_follow_up(
    campaign: FollowUpCampaign,
    hazards: Iterable[Hazard],
    results: Iterable[ReinspectionResult],
    *,
    actor: str,
    now: datetime,
) -> FollowUpOutcome:
    require_aware(now, "now")
    due = {h.id: h for h in due_for_reinspection(hazards, campaign)}
    results = tuple(results)
    seen: set[UUID] = set()
    for i, r in enumerate(results):
        where = f"results[{i}]"
        if r.hazard_id not in due:
            raise InvalidInput(
                f"隐患不在本次回头看范围 (hazard {r.hazard_id} is not due in this campaign)",
                field=f"{where}.hazard_id",
                rule="in_campaign",
            )
        if r.hazard_id in seen:
            raise InvalidInput("同一隐患重复填报 (hazard listed twice)", field=f"{where}.hazard_id", rule="unique")
        seen.add(r.hazard_id)
        require_aware(r.inspected_at, f"{where}.inspected_at")
        if not campaign.covers(r.inspected_at) or r.inspected_at > now:
            raise InvalidInput(
                "复查时间须在回头看期间且不晚于当前 (inspected_at outside the campaign period or in the future)",
                field=f"{where}.inspected_at",
                rule="within_campaign",
            )
        due[r.hazard_id].check_reinspect(r.passed, actor=actor, now=r.inspected_at)
    closed: list[UUID] = []
    failed: list[UUID] = []
    for r in results:
        due[r.hazard_id].reinspect(r.passed, actor=actor, now=r.inspected_at, note=r.note)
        (closed if r.passed else failed).append(r.hazard_id)
    return FollowUpOutcome(tuple(closed), tuple(failed))
