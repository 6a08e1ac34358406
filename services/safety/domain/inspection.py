"""Inspections: who checked which enterprise when, item by item, and what they found.

Every item of the industry's checklist must be answered; an item that fails needs at least one
finding naming it. A finding may raise a hazard (`HazardSpec`): the service layer turns each into
a `Hazard` with `Hazard.find`. A re-inspection with every item passed and no finding is what lets
a suspended enterprise resume.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import InvalidInput

from . import events as ev
from ._guards import parse_enum, require_actor, require_aware, require_text
from .checklist import checklist_for
from .enterprise import Enterprise
from .enums import HazardLevel, InspectionKind


@dataclass(frozen=True)
class HazardSpec:
    """What a finding asks of the enterprise: level, rectification requirement, deadline."""

    level: HazardLevel
    requirement: str
    deadline: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", parse_enum(HazardLevel, self.level, "hazard.level"))
        object.__setattr__(self, "requirement", require_text(self.requirement, "hazard.requirement", max_len=1000))
        require_aware(self.deadline, "hazard.deadline")


@dataclass(frozen=True)
class Finding:
    description: str
    item: str | None = None  # checklist item code, None for something off the list
    hazard: HazardSpec | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", require_text(self.description, "finding.description", max_len=1000))


@dataclass(eq=False)
class Inspection:
    id: UUID
    enterprise_id: UUID
    township_code: str
    kind: InspectionKind
    inspectors: tuple[str, ...]  # operator ids
    inspected_at: datetime
    results: Mapping[str, bool]  # item code → passed
    findings: tuple[Finding, ...]
    events: list[ev.DomainEvent] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(self.results.values()) and not self.findings

    @property
    def hazard_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.hazard is not None)

    @classmethod
    def record(
        cls,
        *,
        id: UUID,
        enterprise: Enterprise,
        kind: InspectionKind | str,
        inspectors: Iterable[str],
        inspected_at: datetime,
        results: Mapping[str, bool],
        findings: Iterable[Finding] = (),
        now: datetime,
    ) -> Inspection:
        kind = parse_enum(InspectionKind, kind, "kind")
        require_aware(inspected_at, "inspected_at")
        require_aware(now, "now")
        if inspected_at > now:
            raise InvalidInput(
                "检查时间不能晚于当前时间 (inspected_at is in the future)", field="inspected_at", rule="not_future"
            )
        people = tuple(dict.fromkeys(require_actor(p) for p in inspectors))
        if not people:
            raise InvalidInput("须填写检查人员 (at least one inspector)", field="inspectors", rule="min_1")
        findings = tuple(findings)
        checklist = {i.code for i in checklist_for(enterprise.industry)}
        _check_results(checklist, results)
        _check_findings(checklist, results, findings, inspected_at)
        insp = cls(
            id=id,
            enterprise_id=enterprise.id,
            township_code=enterprise.township_code,
            kind=kind,
            inspectors=people,
            inspected_at=inspected_at,
            results=dict(results),
            findings=findings,
        )
        insp.events.append(
            ev.InspectionRecorded(
                occurred_at=now,
                township_code=enterprise.township_code,
                enterprise_id=enterprise.id,
                industry=enterprise.industry,
                inspection_id=id,
                inspection_kind=kind,
                inspected_at=inspected_at,
                items_checked=len(results),
                findings=len(findings),
            )
        )
        return insp


def _check_results(checklist: set[str], results: Mapping[str, bool]) -> None:
    unknown = sorted(set(results) - checklist)
    if unknown:
        raise InvalidInput(
            f"检查项不属于该行业清单: {', '.join(unknown)} (items not on this industry's checklist)",
            field=f"results.{unknown[0]}",
            rule="checklist_item",
        )
    missing = [c for c in sorted(checklist) if c not in results]
    if missing:
        raise InvalidInput(
            f"检查项未填写: {', '.join(missing)} (every checklist item needs a result)",
            field=f"results.{missing[0]}",
            rule="checklist_complete",
        )
    for code, ok in results.items():
        if not isinstance(ok, bool):
            raise InvalidInput("检查结果须为是/否 (result must be true/false)", field=f"results.{code}", rule="bool")


def _check_findings(
    checklist: set[str], results: Mapping[str, bool], findings: tuple[Finding, ...], inspected_at: datetime
) -> None:
    for i, f in enumerate(findings):
        if f.item is not None and f.item not in checklist:
            raise InvalidInput(
                f"问题所属检查项无效: {f.item} (finding names an item not on the checklist)",
                field=f"findings[{i}].item",
                rule="checklist_item",
            )
        if f.hazard is not None and f.hazard.deadline <= inspected_at:
            raise InvalidInput(
                "整改期限须晚于检查时间 (the rectification deadline must be after the inspection)",
                field=f"findings[{i}].hazard.deadline",
                rule="deadline_after_inspection",
            )
    named = {f.item for f in findings}
    unexplained = sorted(c for c, ok in results.items() if not ok and c not in named)
    if unexplained:
        raise InvalidInput(
            f"不合格检查项须记录问题: {', '.join(unexplained)} (a failed item needs a finding)",
            field=f"results.{unexplained[0]}",
            rule="failed_item_needs_finding",
        )
