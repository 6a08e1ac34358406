"""Request bodies of the safety API. Shapes only: business rules (credit code, checklist, plan parts,
fine ranges) are the domain's, so their errors name the field and the rule the same way.

Every value is bounded (`minqing_contract.bounds`): strings without control characters and of a
bounded length, instants and days within 2000–2100, counts and yuan under their ceilings — what
PostgreSQL or date arithmetic would refuse is a 422 here, never a 500.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import AwareInstant, Count, FreeText, IsoDay, Line, Yuan

Code = Annotated[str, Field(pattern=r"^\d{12}$", description="12 位区划代码 (12-digit division code)")]
Short = Annotated[Line, Field(max_length=100)]
Text = Annotated[FreeText, Field(max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PermitBody(_Body):
    number: Short = Field(description="安全生产许可证编号 (permit number)")
    valid_from: IsoDay
    valid_until: IsoDay


class RegisterEnterpriseBody(_Body):
    name: Line = Field(max_length=200, description="企业名称 (enterprise name)")
    credit_code: Line = Field(max_length=18, description="统一社会信用代码, 18 位 (unified social credit code)")
    township_code: Code = Field(description="所在乡镇区划代码 (12-digit township code)")
    industry: Short = Field(description="行业: foundry, open_pit_quarry, hazardous_chemicals, ...")
    size: Short = Field(description="规模: large, medium, small, micro")
    permit: PermitBody | None = None
    legal_representative: Line | None = Field(default=None, max_length=50,
                                              description="法定代表人 (stored encrypted)")
    legal_representative_phone: Line | None = Field(default=None, max_length=20)


class HazardBody(_Body):
    level: Short = Field(description="general (一般) or major (重大)")
    requirement: Text = Field(description="整改要求 (rectification requirement)")
    deadline: AwareInstant


class FindingBody(_Body):
    description: Text
    item: Short | None = Field(default=None, description="检查项代码 (checklist item code)")
    hazard: HazardBody | None = None


class InspectionBody(_Body):
    kind: Short = Field(default="routine", description="routine, re_inspection, follow_up")
    inspectors: list[Short] = Field(min_length=1, max_length=20, description="检查人员账号 (inspector ids)")
    inspected_at: AwareInstant
    results: dict[Short, bool] = Field(max_length=200, description="检查项代码 → 是否合格 (item code → passed)")
    findings: list[FindingBody] = Field(default_factory=list, max_length=100)


class PlanBody(_Body):
    plan: dict[Short, Text] = Field(max_length=20,
                                    description="治理方案六部分: objectives, methods, funding_and_materials, "
                                                "organisation_and_staff, time_limits, safety_and_emergency "
                                                "(或中文名 目标任务 …)")


class RectificationBody(_Body):
    evidence: list[Text] = Field(min_length=1, max_length=50, description="整改佐证说明 (evidence notes)")


class ReinspectionBody(_Body):
    passed: bool
    note: FreeText = Field(default="", max_length=1000)


class PenaltyBody(_Body):
    enterprise_id: UUID
    article: Short = Field(description="处罚依据: art102_unit, art102_person, art101_5_unit, art101_5_unfixed")
    amount_yuan: Yuan = Field(description="罚款金额 (元)")
    decided_at: AwareInstant
    hazard_id: UUID | None = None


class AccidentBody(_Body):
    occurred_at: AwareInstant
    reported_at: AwareInstant
    deaths: Count
    serious_injuries: Count
    direct_loss_yuan: Yuan = Field(description="直接经济损失 (元)")


class ResumeBody(_Body):
    inspection_id: UUID = Field(description="停产后复查合格的检查记录 (a passed re-inspection after the stop)")


class TownshipSuspensionBody(_Body):
    township_code: Code
    industry: Short


class FollowUpLineBody(_Body):
    hazard_id: UUID
    passed: bool
    inspected_at: AwareInstant
    note: FreeText = Field(default="", max_length=1000)


class FollowUpBody(_Body):
    township_code: Code
    start: AwareInstant
    end: AwareInstant
    results: list[FollowUpLineBody] = Field(min_length=1, max_length=500)
