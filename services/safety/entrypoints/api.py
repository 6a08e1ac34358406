"""HTTP API of the safety service (安监): enterprises, inspections, hazards, 回头看, penalties, accidents.

Run: `uvicorn services.safety.entrypoints.api:app --port 8102` (or `python -m devstack service safety
api`). Resources (pool, relay, tokens) open in the lifespan, never at import time. Routes only
translate JSON into commands; rules, scope and state checks live in the handlers and the domain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from minqing_contract.bounds import AwareInstant, PageNumber
from minqing_kit.auth import Principal, Role
from minqing_kit.http import CurrentPrincipal, create_app, require_roles
from minqing_kit.runtime import ServiceRuntime
from services.safety.adapters.clock import Clock
from services.safety.bootstrap import MIGRATIONS, Deps, bootstrap
from services.safety.domain.checklist import checklist_for
from services.safety.domain.enums import HazardLevel, HazardStatus, Industry, OperatingStatus
from services.safety.domain.penalty import RULES
from services.safety.entrypoints import rulings as rulings_routes
from services.safety.entrypoints import schemas as s
from services.safety.service_layer import commands as cmd
from services.safety.service_layer import handlers, queries
from services.safety.settings import SafetySettings

WRITERS = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OPERATOR)


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


DepsDep = Annotated[Deps, Depends(_deps)]
Writer = Annotated[Principal, Depends(require_roles(*WRITERS))]
Reader = CurrentPrincipal
Page = Annotated[PageNumber, Query(description="页码 (page, from 1)")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数 (page size)")]
TownshipQ = Annotated[str | None, Query(pattern=r"^\d{12}$", description="乡镇区划代码 (township code)")]

router = APIRouter()


# ----- enterprises ------------------------------------------------------------------------------
@router.post("/enterprises", status_code=201, tags=["enterprises"],
             summary="登记企业 (Register an enterprise)")
async def register_enterprise(body: s.RegisterEnterpriseBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    permit = cmd.PermitInput(**body.permit.model_dump()) if body.permit else None
    eid = await handlers.register_enterprise(
        cmd.RegisterEnterprise(**body.model_dump(exclude={"permit"}), permit=permit), deps, who)
    return await queries.enterprise_detail(deps, who, eid)


@router.get("/enterprises", tags=["enterprises"], summary="企业台账列表 (List enterprises: filter, paginate)")
async def list_enterprises(deps: DepsDep, who: Reader, township_code: TownshipQ = None,
                           industry: Industry | None = None,
                           status: OperatingStatus | None = None,
                           page: Page = 1, page_size: PageSize = 20) -> dict[str, Any]:
    return await queries.list_enterprises(deps, who, township_code=township_code,
                                          industry=industry.value if industry else None, status=status.value if status else None, page=page,
                                          page_size=page_size)


@router.get("/enterprises/{enterprise_id}", tags=["enterprises"],
            summary="企业详情与历史 (Enterprise detail with history)")
async def enterprise_detail(enterprise_id: UUID, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return await queries.enterprise_detail(deps, who, enterprise_id)


@router.post("/enterprises/{enterprise_id}/resume", tags=["enterprises"],
             summary="复产（须停产后复查合格） (Resume production after a passed re-inspection)")
async def resume(enterprise_id: UUID, body: s.ResumeBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    await handlers.resume_enterprise(cmd.ResumeEnterprise(enterprise_id, body.inspection_id), deps, who)
    return await queries.enterprise_detail(deps, who, enterprise_id)


@router.post("/township-suspensions", tags=["enterprises"],
             summary="乡镇停产自查令 (Suspend an industry in a township for self-inspection)")
async def township_suspension(body: s.TownshipSuspensionBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    ids = await handlers.suspend_township_industry(cmd.TownshipSuspension(body.township_code, body.industry),
                                                   deps, who)
    return {"suspended": ids}


@router.get("/closure-proposals", tags=["enterprises"],
            summary="§113 关闭建议 (Closure proposals under §113)")
async def closure_proposals(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.closure_proposals(deps, who, township_code)


@router.get("/checklists/{industry}", tags=["inspections"],
            summary="行业检查清单 (Inspection checklist of an industry)")
async def checklist(industry: Industry, who: Reader) -> dict[str, Any]:
    return {"industry": industry.value, "label": industry.label,
            "items": [{"code": i.code, "label": i.label} for i in checklist_for(industry)]}


# ----- inspections and hazards ------------------------------------------------------------------
@router.post("/enterprises/{enterprise_id}/inspections", status_code=201, tags=["inspections"],
             summary="记录检查（清单结果与问题，问题可形成隐患） (Record an inspection; findings may raise hazards)")
async def record_inspection(enterprise_id: UUID, body: s.InspectionBody, deps: DepsDep,
                            who: Writer) -> dict[str, Any]:
    findings = tuple(
        cmd.FindingInput(f.description, f.item,
                         cmd.HazardInput(f.hazard.level, f.hazard.requirement, f.hazard.deadline) if f.hazard else None)
        for f in body.findings)
    out = await handlers.record_inspection(
        cmd.RecordInspection(enterprise_id, body.kind, tuple(body.inspectors), body.inspected_at, body.results,
                             findings), deps, who)
    return {"inspection_id": out.inspection_id, "passed": out.passed, "hazard_ids": list(out.hazard_ids)}


@router.get("/hazards", tags=["hazards"], summary="隐患列表 (List hazards: filter, paginate)")
async def list_hazards(deps: DepsDep, who: Reader, township_code: TownshipQ = None,
                       level: HazardLevel | None = None, status: HazardStatus | None = None, enterprise_id: UUID | None = None,
                       overdue: Annotated[bool, Query(description="只看已逾期 (only overdue)")] = False,
                       page: Page = 1, page_size: PageSize = 20) -> dict[str, Any]:
    return await queries.list_hazards(deps, who, township_code=township_code, level=level.value if level else None,
                                      status=status.value if status else None,
                                      enterprise_id=enterprise_id, overdue=overdue, page=page, page_size=page_size)


@router.get("/hazards/{hazard_id}", tags=["hazards"], summary="隐患详情与历史 (Hazard detail with history)")
async def hazard_detail(hazard_id: UUID, deps: DepsDep, who: Reader) -> dict[str, Any]:
    return await queries.hazard_detail(deps, who, hazard_id)


@router.post("/hazards/{hazard_id}/plan", tags=["hazards"],
             summary="提交重大隐患治理方案（六部分） (Submit a major hazard's six-part plan)")
async def submit_plan(hazard_id: UUID, body: s.PlanBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    hz = await handlers.submit_plan(cmd.SubmitPlan(hazard_id, body.plan), deps, who)
    return queries.hazard_summary(hz, deps.clock())


@router.post("/hazards/{hazard_id}/rectification", tags=["hazards"],
             summary="企业报告整改完成 (Enterprise reports the hazard rectified)")
async def report_rectification(hazard_id: UUID, body: s.RectificationBody, deps: DepsDep,
                               who: Writer) -> dict[str, Any]:
    hz = await handlers.report_rectification(cmd.ReportRectification(hazard_id, tuple(body.evidence)), deps, who)
    return queries.hazard_summary(hz, deps.clock())


@router.post("/hazards/{hazard_id}/reinspection", tags=["hazards"],
             summary="复查（合格销号 / 不合格） (Re-inspect: passed closes, failed opens a penalty)")
async def reinspect(hazard_id: UUID, body: s.ReinspectionBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    hz = await handlers.reinspect(cmd.Reinspect(hazard_id, body.passed, body.note), deps, who)
    return queries.hazard_summary(hz, deps.clock())


# ----- 回头看 ------------------------------------------------------------------------------------
@router.get("/follow-ups/due", tags=["follow-up"],
            summary="回头看待复查隐患 (Hazards due for re-inspection in a township and period)")
async def follow_up_due(deps: DepsDep, who: Reader, township_code: Annotated[str, Query(pattern=r"^\d{12}$")],
                        start: Annotated[AwareInstant, Query()], end: Annotated[AwareInstant, Query()]) -> list[dict[str, Any]]:
    due = await handlers.due_for_follow_up(township_code, start, end, deps, who)
    now = deps.clock()
    return [queries.hazard_summary(h, now) for h in due]


@router.post("/follow-ups", tags=["follow-up"],
             summary="回头看批量记录复查结果（全部或全不） (Record 回头看 re-inspections in bulk, all or nothing)")
async def follow_up(body: s.FollowUpBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    lines = tuple(cmd.FollowUpLine(r.hazard_id, r.passed, r.inspected_at, r.note) for r in body.results)
    out = await handlers.record_follow_up_batch(
        cmd.RecordFollowUp(body.township_code, body.start, body.end, lines), deps, who)
    return {"campaign_id": out.campaign_id, "closed": list(out.closed), "failed": list(out.failed)}


# ----- penalties --------------------------------------------------------------------------------
@router.get("/penalty-rules", tags=["penalties"], summary="处罚依据与金额范围 (Legal bases and fine ranges)")
async def penalty_rules(who: Reader) -> list[dict[str, Any]]:
    return [{"code": r.code, "article": r.article, "target": r.target.value, "min_yuan": r.min_yuan,
             "max_yuan": r.max_yuan, "needs_hazard": r.needs_hazard} for r in RULES.values()]


@router.post("/penalties", status_code=201, tags=["penalties"],
             summary="处罚决定（§113 关闭规则自动检查） (Penalty decision; checks the §113 closure rule)")
async def impose_penalty(body: s.PenaltyBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    out = await handlers.impose_penalty(
        cmd.ImposePenalty(body.enterprise_id, body.article, body.amount_yuan, body.decided_at, body.hazard_id),
        deps, who)
    return {"penalty_id": out.penalty_id, "publish_due_on": out.publish_due_on,
            "closure_proposed": out.closure_proposed}


@router.post("/penalties/{penalty_id}/refusal", tags=["penalties"],
             summary="拒不执行 → 停产停业整顿 (Refusal recorded → production suspended)")
async def refusal(penalty_id: UUID, deps: DepsDep, who: Writer) -> dict[str, Any]:
    ent = await handlers.record_refusal(cmd.RecordRefusal(penalty_id), deps, who)
    return {"enterprise_id": ent.id, "operating_status": ent.operating_status.value,
            "permit_status": ent.permit.status.value if ent.permit else None}


@router.post("/penalties/{penalty_id}/publication", tags=["penalties"],
             summary="处罚决定已公开 (Penalty decision published)")
async def published(penalty_id: UUID, deps: DepsDep, who: Writer) -> dict[str, Any]:
    p = await handlers.mark_published(cmd.MarkPublished(penalty_id), deps, who)
    return {"penalty_id": penalty_id, "published": True, "published_at": p.published_at,
            "on_time": p.published_on_time}


@router.get("/penalties/publication-due", tags=["penalties"],
            summary="待公开的处罚决定（7个工作日内） (Decisions awaiting publication within 7 working days)")
async def publication_due(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.publication_due(deps, who, township_code)


# ----- accidents --------------------------------------------------------------------------------
@router.post("/enterprises/{enterprise_id}/accidents", status_code=201, tags=["accidents"],
             summary="事故报告（自动定级、迟报标记） (Report an accident: graded, late flag)")
async def report_accident(enterprise_id: UUID, body: s.AccidentBody, deps: DepsDep, who: Writer) -> dict[str, Any]:
    out = await handlers.report_accident(cmd.ReportAccident(enterprise_id, **body.model_dump()), deps, who)
    return {"accident_id": out.accident_id, "grade": out.grade, "late_report": out.late_report,
            "operating_status": out.operating_status, "permit_status": out.permit_status}


@router.get("/accidents", tags=["accidents"], summary="事故列表 (List accidents)")
async def list_accidents(deps: DepsDep, who: Reader, township_code: TownshipQ = None) -> list[dict[str, Any]]:
    return await queries.list_accidents(deps, who, township_code)


def create_safety_app(*, settings: SafetySettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The safety app; `clock` lets tests move time (default: the system clock)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = settings or SafetySettings()
        async with ServiceRuntime.open(conf, migrations=[("safety", MIGRATIONS)]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = bootstrap(rt, conf, clock)
            yield

    app = create_app(service="safety", title="民情 安监服务 (Minqing work-safety service)", tokens=None,
                     lifespan=lifespan,
                     description="企业台账、检查、隐患整改、回头看、处罚与停产、事故报告。"
                                 " Enterprise register, inspections, hazards, follow-ups, penalties, accidents.")
    app.include_router(router)
    app.include_router(rulings_routes.router)
    return app


app = create_safety_app()
