"""The six-part rectification plan (治理方案) a major hazard needs (16号令).

目标任务, 方法措施, 经费物资, 机构人员, 时限要求, 安全措施和应急预案: a missing or blank part is an
`InvalidInput` naming that part, in Chinese and English. Parts may be keyed by code or Chinese name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from minqing_kit.errors import InvalidInput

MAX_PART = 4000


class PlanPart(StrEnum):
    objectives = "objectives"
    methods = "methods"
    funding_and_materials = "funding_and_materials"
    organisation_and_staff = "organisation_and_staff"
    time_limits = "time_limits"
    safety_and_emergency = "safety_and_emergency"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PlanPart.objectives: "目标任务",
    PlanPart.methods: "方法措施",
    PlanPart.funding_and_materials: "经费物资",
    PlanPart.organisation_and_staff: "机构人员",
    PlanPart.time_limits: "时限要求",
    PlanPart.safety_and_emergency: "安全措施和应急预案",
}
_BY_LABEL = {label: part for part, label in _LABELS.items()}


@dataclass(frozen=True)
class RectificationPlan:
    parts: Mapping[PlanPart, str]

    @classmethod
    def from_parts(cls, parts: Mapping[str, str]) -> RectificationPlan:
        given: dict[PlanPart, str] = {}
        for key, text in parts.items():
            part = _BY_LABEL.get(key) or (PlanPart(key) if key in PlanPart.__members__ else None)
            if part is None:
                raise InvalidInput(
                    f"治理方案没有「{key}」这一部分 (unknown plan part {key!r})", field=f"plan.{key}", rule="plan_part"
                )
            given[part] = (text or "").strip() if isinstance(text, str) else ""
        for part in PlanPart:
            if not given.get(part):
                raise InvalidInput(
                    f"重大隐患治理方案缺少「{part.label}」 (the plan lacks its '{part.value}' part)",
                    field=f"plan.{part.value}",
                    rule="plan_six_parts",
                )
            if len(given[part]) > MAX_PART:
                raise InvalidInput(
                    f"「{part.label}」不能超过 {MAX_PART} 字 (part too long)",
                    field=f"plan.{part.value}",
                    rule=f"max_length_{MAX_PART}",
                )
        return cls(parts={p: given[p] for p in PlanPart})
