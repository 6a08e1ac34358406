"""信访事项 matters: registration, lists, detail, audit trail, labels, and every handling action."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from minqing_contract.bounds import Offset
from minqing_kit.actor import Actor
from minqing_kit.auth import Principal, Role
from minqing_kit.http import CurrentPrincipal

from ...adapters.repository import ListFilter
from ...domain.categories import Category
from ...domain.clocks import provisional_note
from ...domain.enums import Kind, ListSort, MatterStatus, WorkQueue
from ...service_layer import commands as cmd
from ...service_layer import queries
from .. import schemas as s
from ..deps import Service, ServiceDep

router = APIRouter(tags=["petition 信访"])


async def _act(d: Service, principal: Principal, matter_id: UUID, action: str, **args: Any) -> dict[str, Any]:
    matter = await d.bus.handle(cmd.Act(matter_id, action, args), Actor.person(principal))
    return s.matter_view(matter, principal, d.deps.clock())


# ----- intake and reading ---------------------------------------------------------------------------
@router.post("/matters", status_code=201, response_model=s.ReceiptOut,
             summary="登记信访事项，返回受理凭证 / Register a matter (any channel); returns the receipt")
async def register(body: s.RegisterIn, principal: CurrentPrincipal, d: ServiceDep) -> s.ReceiptOut:
    command = cmd.RegisterMatter(
        channel=body.channel.value, kind=body.kind.value, category=body.category, subcategory=body.subcategory,
        township_code=body.township_code, village_code=body.village_code, content=body.content,
        petitioners=[cmd.PetitionerInput(p.name, p.phone, p.id_number, p.is_representative)
                     for p in body.petitioners],
        headcount=body.headcount, cadre_id=body.cadre_id, accused_department=body.accused_department)
    return s.ReceiptOut.of(await d.bus.handle(command, Actor.person(principal)))


@router.get("/matters", summary="事项列表（筛选、分页、辖区） / List matters with filters and pagination")
async def list_matters(
    principal: CurrentPrincipal, d: ServiceDep,
    township: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: MatterStatus | None = None, kind: Kind | None = None, category: Category | None = None,
    overdue: bool = False,
    queue: Annotated[WorkQueue | None, Query(description="待办队列 (what waits for a leader/supervisor)")] = None,
    sort: Annotated[ListSort, Query(description="排序 (due_asc: earliest deadline first)")] = ListSort.registered_desc,
    limit: Annotated[int, Query(ge=1, le=200)] = 20, offset: Annotated[Offset, Query()] = 0,
) -> dict[str, Any]:
    township = principal.list_scope(township)
    department = principal.department if principal.role is Role.DEPARTMENT_HANDLER else None
    if principal.role is Role.DEPARTMENT_HANDLER and not department:
        department = "\x00"  # a handler token without a department sees nothing
    f = ListFilter(townships=township, department=department, status=status.value if status else None,
                   kind=kind.value if kind else None, category=category.value if category else None,
                   overdue_at=d.deps.clock() if overdue else None, limit=limit, offset=offset,
                   hide_accusations=principal.role is Role.READ_ONLY,
                   queue=queue.value if queue else None, sort=sort.value, now=d.deps.clock())
    async with d.deps.read() as uow:
        rows, total = await d.deps.views(uow.conn).search(f)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [{**dict(r), "id": str(r["id"]), "repeat_of": str(r["repeat_of"]) if r["repeat_of"] else None,
                       "status_zh": MatterStatus(r["status"]).label_zh,
                       "open_due_provisional": bool(r["open_due_pending_years"]),
                       "open_due_note": provisional_note(tuple(r["open_due_pending_years"]))
                       if r["open_due_pending_years"] else None} for r in rows]}


@router.get("/matters/{matter_id}", summary="事项详情 / Matter detail (personal data only for roles that need it)")
async def detail(matter_id: UUID, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return s.matter_view(await queries.get_matter(d.uow(), matter_id, Actor.person(principal)), principal, d.deps.clock())


@router.get("/matters/{matter_id}/audit", summary="操作留痕 / Audit trail: who did what, when")
async def audit(matter_id: UUID, principal: CurrentPrincipal, d: ServiceDep) -> list[dict[str, Any]]:
    matter = await queries.get_matter(d.uow(), matter_id, Actor.person(principal))
    return [{"action": e.action, "actor": e.actor.user_id, "role": e.actor.role.value, "at": e.at,
             "from": e.from_state.value, "to": e.to_state.value, "detail": e.detail} for e in matter.audit]


@router.get("/labels", summary="枚举中文名称 / Chinese labels of every enum")
async def labels() -> dict[str, dict[str, str]]:
    return s.labels()


# ----- handling -------------------------------------------------------------------------------------
@router.post("/matters/{matter_id}/assign", summary="转送/交办（领导签阅） / Transfer or assign to a department")
async def assign(matter_id: UUID, body: s.AssignIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "assign", department=body.department, mode=body.mode.value,
                      signed_by=body.signed_by)


@router.post("/matters/{matter_id}/accept", summary="受理 / The department accepts the matter")
async def accept(matter_id: UUID, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "accept")


@router.post("/matters/{matter_id}/objection",
             summary="异议退回（5个工作日内） / Object: outside the remit, back for re-routing")
async def objection(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "raise_objection", reason=body.reason)


@router.post("/matters/{matter_id}/notes", summary="办理情况 / Add a handling note")
async def note(matter_id: UUID, body: s.TextIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "add_note", text=body.text)


@router.post("/matters/{matter_id}/extension", summary="延期（至多30日） / Extend the reply deadline")
async def extend(matter_id: UUID, body: s.ExtendIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "extend", days=body.days, reason=body.reason,
                      approved_by=body.approved_by)


@router.post("/matters/{matter_id}/extension-request",
             summary="申请延期（至多30日，待县领导审批） / Request an extension for a leader's decision")
async def request_extension(matter_id: UUID, body: s.ExtensionRequestIn, principal: CurrentPrincipal,
                            d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "request_extension", days=body.days, reason=body.reason)


@router.post("/matters/{matter_id}/extension-request/decision",
             summary="延期审批（县领导/督查） / Approve or refuse the pending extension request")
async def decide_extension(matter_id: UUID, body: s.ExtensionDecisionIn, principal: CurrentPrincipal,
                           d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "decide_extension", approve=body.approve, note=body.note)


@router.post("/matters/{matter_id}/reply", summary="答复意见 / Issue the written reply")
async def reply(matter_id: UUID, body: s.TextIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "reply", text=body.text)


@router.post("/matters/{matter_id}/rating", summary="满意度评价（代录） / Record the person's rating")
async def rate(matter_id: UUID, body: s.RateIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "rate", satisfaction=body.satisfaction.value)


@router.post("/matters/{matter_id}/close", summary="办结 / Close the matter")
async def close(matter_id: UUID, body: s.NoteIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "close", note=body.note)


@router.post("/matters/{matter_id}/review", summary="申请复查（代录） / Record a review (复查) request")
async def request_review(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal,
                         d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "request_review", reason=body.reason)


@router.post("/matters/{matter_id}/review/decision", summary="复查决定 / Decide the review")
async def decide_review(matter_id: UUID, body: s.DecisionIn, principal: CurrentPrincipal,
                        d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "decide_review", outcome=body.outcome.value, opinion=body.opinion)


@router.post("/matters/{matter_id}/re-review", summary="申请复核（代录） / Record a re-review (复核) request")
async def request_re_review(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal,
                            d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "request_re_review", reason=body.reason)


@router.post("/matters/{matter_id}/re-review/decision", summary="复核决定（终结） / Decide the re-review (final)")
async def decide_re_review(matter_id: UUID, body: s.DecisionIn, principal: CurrentPrincipal,
                           d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "decide_re_review", outcome=body.outcome.value,
                      opinion=body.opinion)


@router.post("/matters/{matter_id}/supervision", summary="督办（县级督查，限超期事项） / Supervise an overdue matter")
async def supervise(matter_id: UUID, body: s.NoteIn, principal: CurrentPrincipal, d: ServiceDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "supervise", note=body.note)
