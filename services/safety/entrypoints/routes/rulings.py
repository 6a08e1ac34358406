"""Routes of the county's rulings (issue 18): close an accident investigation, record a 复产验收
(a passed one resumes the unit), decide a §113 closure proposal.

Included from `api.py`. Writers may call them; the domain then refuses (403, rule named) anyone
below the county level, so a township station learns why rather than just "forbidden".
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import FreeText, Instant, Line
from services.safety.entrypoints.deps import Bus, DepsDep, Writer
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import queries

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvestigationBody(_Body):
    conclusion: FreeText = Field(min_length=1, max_length=4000,
                                 description="调查报告结论（原因、性质、责任、整改措施） (the report's conclusion)")
    nature: str = Field(pattern="^(liability|non_liability)$", description="事故性质: liability (责任事故) or"
                                                                          " non_liability (非责任事故)")


class AcceptanceBody(_Body):
    passed: bool = Field(description="验收是否合格 (passed)")
    checked_at: Instant = Field(description="现场验收时间 (when the county checked on site)")
    inspectors: list[Annotated[Line, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=20, description="验收人员 (inspector ids)")
    note: FreeText = Field(default="", max_length=2000, description="验收意见 (remarks)")


class ClosureDecisionBody(_Body):
    approve: bool = Field(description="是否批准关闭 (approve the closure)")
    reason: FreeText = Field(min_length=1, max_length=1000, description="决定理由/文号 (reason, decision number)")


@router.post("/accidents/{accident_id}/investigation", tags=["accidents"],
             summary="事故调查结案（录入调查报告结论，县级） (Close the accident investigation: county level)")
async def close_investigation(accident_id: UUID, body: InvestigationBody, deps: DepsDep, bus: Bus,
                              who: Writer) -> dict[str, Any]:
    eid = await bus.handle(cmd.CloseInvestigation(accident_id, body.conclusion, body.nature), who)
    view = await queries.enterprise_detail(deps, who, eid)
    return next(a for a in view["accidents"] if a["id"] == accident_id)


@router.post("/enterprises/{enterprise_id}/resumption-acceptances", status_code=201, tags=["enterprises"],
             summary="复产验收（县级；合格即复产，亡人事故须调查结案） "
                     "(County resumption acceptance; passed resumes, a fatal accident's investigation closed first)")
async def resumption_acceptance(enterprise_id: UUID, body: AcceptanceBody, bus: Bus,
                                who: Writer) -> dict[str, Any]:
    out = await bus.handle(
        cmd.AcceptResumption(enterprise_id, body.passed, body.checked_at, tuple(body.inspectors), body.note), who)
    return {"acceptance_id": out.acceptance_id, "passed": out.passed, "operating_status": out.operating_status,
            "permit_status": out.permit_status}


@router.post("/closure-proposals/{enterprise_id}/decision", tags=["enterprises"],
             summary="§113 关闭建议的决定（县政府；批准即关闭并吊销许可证） "
                     "(Decide a §113 closure proposal: approved closes the enterprise and revokes its permit)")
async def closure_decision(enterprise_id: UUID, body: ClosureDecisionBody, deps: DepsDep, bus: Bus,
                           who: Writer) -> dict[str, Any]:
    await bus.handle(cmd.DecideClosure(enterprise_id, body.approve, body.reason), who)
    return await queries.enterprise_detail(deps, who, enterprise_id)
