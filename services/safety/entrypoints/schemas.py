"""Request bodies of the safety API. Shapes only: business rules (credit code, checklist, plan parts,
fine ranges) are the domain's, so their errors name the field and the rule the same way."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PermitBody(_Body):
    number: str = Field(description="安全生产许可证编号 (permit number)")
    valid_from: date
    valid_until: date


class RegisterEnterpriseBody(_Body):
    name: str = Field(description="企业名称 (enterprise name)")
    credit_code: str = Field(description="统一社会信用代码, 18 位 (unified social credit code)")
    township_code: str = Field(description="所在乡镇区划代码 (12-digit township code)")
    industry: str = Field(description="行业: foundry, open_pit_quarry, hazardous_chemicals, ...")
    size: str = Field(description="规模: large, medium, small, micro")
    permit: PermitBody | None = None
    legal_representative: str | None = Field(default=None, max_length=50,
                                             description="法定代表人 (stored encrypted)")
    legal_representative_phone: str | None = Field(default=None, max_length=20)


class HazardBody(_Body):
    level: str = Field(description="general (一般) or major (重大)")
    requirement: str = Field(description="整改要求 (rectification requirement)")
    deadline: AwareDatetime


class FindingBody(_Body):
    description: str
    item: str | None = Field(default=None, description="检查项代码 (checklist item code)")
    hazard: HazardBody | None = None


class InspectionBody(_Body):
    kind: str = Field(default="routine", description="routine, re_inspection, follow_up")
    inspectors: list[str] = Field(min_length=1, max_length=20, description="检查人员账号 (inspector ids)")
    inspected_at: AwareDatetime
    results: dict[str, bool] = Field(description="检查项代码 → 是否合格 (item code → passed)")
    findings: list[FindingBody] = Field(default_factory=list, max_length=100)


class PlanBody(_Body):
    plan: dict[str, str] = Field(description="治理方案六部分: objectives, methods, funding_and_materials, "
                                             "organisation_and_staff, time_limits, safety_and_emergency "
                                             "(或中文名 目标任务 …)")


class RectificationBody(_Body):
    evidence: list[str] = Field(min_length=1, max_length=50, description="整改佐证说明 (evidence notes)")


class ReinspectionBody(_Body):
    passed: bool
    note: str = Field(default="", max_length=1000)


class PenaltyBody(_Body):
    enterprise_id: UUID
    article: str = Field(description="处罚依据: art102_unit, art102_person, art101_5_unit, art101_5_unfixed")
    amount_yuan: int = Field(description="罚款金额 (元)")
    decided_at: AwareDatetime
    hazard_id: UUID | None = None


class AccidentBody(_Body):
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    deaths: int = Field(ge=0)
    serious_injuries: int = Field(ge=0)
    direct_loss_yuan: int = Field(ge=0, description="直接经济损失 (元)")


class ResumeBody(_Body):
    inspection_id: UUID = Field(description="停产后复查合格的检查记录 (a passed re-inspection after the stop)")


class TownshipSuspensionBody(_Body):
    township_code: str
    industry: str


class FollowUpLineBody(_Body):
    hazard_id: UUID
    passed: bool
    inspected_at: AwareDatetime
    note: str = Field(default="", max_length=1000)


class FollowUpBody(_Body):
    township_code: str
    start: AwareDatetime
    end: AwareDatetime
    results: list[FollowUpLineBody] = Field(min_length=1, max_length=500)
