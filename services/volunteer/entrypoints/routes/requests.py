"""微心愿 requests: 点单 → 审单 → 派单 → 接单 → 服务 → 结单 → 评单, with list, detail and audit trail."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from minqing_contract.bounds import AwareInstant
from minqing_kit.crypto import mask_name, mask_phone
from minqing_kit.errors import Forbidden, NotFound
from services.volunteer.adapters import views
from services.volunteer.bootstrap import Deps
from services.volunteer.domain.enums import RequestStatus, Specialty
from services.volunteer.domain.lifecycle import allowed_actions
from services.volunteer.domain.request import Request
from services.volunteer.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, Writer
from services.volunteer.entrypoints.schemas import (
    CompleteIn,
    DispatchIn,
    RateIn,
    ReasonIn,
    RedispatchIn,
    RequestIn,
    TeamIdIn,
    TeamReasonIn,
)
from services.volunteer.service_layer import commands as c

router = APIRouter(prefix="/requests", tags=["微心愿 requests"])


def _out(req: Request) -> dict[str, Any]:
    return {
        "id": req.id, "status": req.status.value, "status_label": req.status.label, "category": req.category.value,
        "village_code": req.village_code, "township_code": req.township_code, "team_id": req.team_id,
        "team_level": req.team_level.value if req.team_level else None, "attempts": req.attempts,
        "grabbed": req.grabbed, "submitted_at": req.submitted_at, "approved_at": req.approved_at,
        "dispatched_at": req.dispatched_at, "accepted_at": req.accepted_at, "started_at": req.started_at,
        "completed_at": req.completed_at, "rated_at": req.rated_at, "closed_at": req.closed_at,
        "allowed_actions": sorted(req.allowed_actions()),
    }


def _row_out(row: Any, deps: Deps, actor: c.Actor) -> dict[str, Any]:
    out = {k: row[k] for k in row.keys() if not k.endswith("_enc")}
    out["status_label"] = RequestStatus(row["status"]).label
    out["allowed_actions"] = sorted(allowed_actions(RequestStatus(row["status"])))
    name = deps.cipher.decrypt(row["requester_name_enc"]) or ""
    phone = deps.cipher.decrypt(row["requester_phone_enc"]) or ""
    personal = actor.principal is not None and actor.principal.sees_personal_data
    out["requester_name"] = name if personal else mask_name(name)
    out["requester_phone"] = phone if personal else (mask_phone(phone) if phone else "")
    return out


@router.post("", status_code=201, summary="点单 Submit a request (微心愿)")
async def submit(body: RequestIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    req = await bus.handle(c.SubmitRequest(
        category=body.category, village_code=body.village_code, description=body.description, urgency=body.urgency,
        requester_name=body.requester_name, requester_phone=body.requester_phone,
        preferred_start=body.preferred_start, preferred_end=body.preferred_end), actor)
    return _out(req)


@router.get("", summary="微心愿列表 List requests (filters, pagination, township scope)")
async def list_requests(
        deps: DepsDep, actor: Reader, page: Page = 1, page_size: PageSize = 20,
        township_code: str | None = Query(default=None, pattern=r"^\d{12}$", description="乡镇 township"),
        village_code: str | None = Query(default=None, pattern=r"^\d{12}$", description="村 village"),
        status: Annotated[RequestStatus | None, Query(description="状态 status")] = None,
        category: Annotated[Specialty | None, Query(description="服务领域 specialty")] = None,
        team_id: UUID | None = None,
        submitted_from: Annotated[AwareInstant | None, Query()] = None,
        submitted_to: Annotated[AwareInstant | None, Query()] = None) -> dict[str, Any]:
    township_code = actor.list_scope(township_code)
    if village_code is not None:
        actor.ensure_covers(village_code)
    f = views.RequestFilter(township_code=township_code, village_code=village_code,
                            status=status.value if status else None,
                            category=category.value if category else None, team_id=team_id,
                            submitted_from=submitted_from, submitted_to=submitted_to)
    async with deps.read() as uow:
        total, rows = await views.list_requests(uow.conn, f, limit=page_size, offset=(page - 1) * page_size)
    return {"items": [_row_out(r, deps, actor) for r in rows], "total": total, "page": page, "page_size": page_size}


@router.get("/{request_id}", summary="微心愿详情与审计轨迹 Request detail with audit trail")
async def detail(request_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    async with deps.read() as uow:
        row, audit, rating, hours = await views.request_detail(uow.conn, request_id)
    if row is None:
        raise NotFound(f"微心愿不存在 (no request {request_id})", field="request_id", rule="exists")
    if actor.principal is not None and not actor.principal.covers(row["village_code"]):
        raise Forbidden("无权查看该乡镇的微心愿 (request outside your scope)", field="township", rule="scope")
    out = _row_out(row, deps, actor)
    out["audit"] = [dict(a) for a in audit]
    out["rating"] = dict(rating) if rating else None
    out["hours"] = [dict(x) for x in hours]
    return out


@router.post("/{request_id}/approve", summary="审单通过 Approve")
async def approve(request_id: UUID, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.RequestAction(request_id, "approve"), actor))


@router.post("/{request_id}/reject", summary="审单驳回 Reject with a reason")
async def reject(request_id: UUID, body: ReasonIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.WithReason(request_id, "reject", body.reason), actor))


@router.post("/{request_id}/dispatch", summary="派单 Dispatch (to a team, or automatically)")
async def dispatch(request_id: UUID, body: DispatchIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.TeamAction(request_id, "dispatch", body.team_id), actor))


@router.post("/{request_id}/grab", summary="抢单 A team grabs an open request")
async def grab(request_id: UUID, body: TeamIdIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.TeamAction(request_id, "grab", body.team_id), actor))


@router.post("/{request_id}/accept", summary="接单 The dispatched team accepts")
async def accept(request_id: UUID, body: TeamIdIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.TeamAction(request_id, "accept", body.team_id), actor))


@router.post("/{request_id}/decline", summary="拒单 The dispatched team declines with a reason")
async def decline(request_id: UUID, body: TeamReasonIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.WithReason(request_id, "decline", body.reason, body.team_id), actor))


@router.post("/{request_id}/start", summary="开始服务 Start serving")
async def start(request_id: UUID, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.RequestAction(request_id, "start"), actor))


@router.post("/{request_id}/complete", summary="结单 Complete with the close-out report (volunteer spans)")
async def complete(request_id: UUID, body: CompleteIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    spans = tuple(c.SpanInput(s.volunteer_id, s.start, s.end) for s in body.spans)
    return _out(await bus.handle(c.CompleteService(request_id, spans), actor))


@router.post("/{request_id}/rate", summary="评单 Rate 1–5 stars")
async def rate(request_id: UUID, body: RateIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.RateService(request_id, body.stars, body.comment), actor))


@router.post("/{request_id}/cancel", summary="取消 Cancel with a reason")
async def cancel(request_id: UUID, body: ReasonIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.WithReason(request_id, "cancel", body.reason), actor))


@router.post("/{request_id}/redispatch", summary="改派 Re-dispatch with a reason (to a team, or back to the pool)")
async def redispatch(request_id: UUID, body: RedispatchIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    return _out(await bus.handle(c.WithReason(request_id, "redispatch", body.reason, body.team_id), actor))
