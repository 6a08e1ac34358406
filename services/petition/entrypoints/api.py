"""HTTP API of the petition service (信访 / 民情诉求): thin routes over `service_layer.handlers`.

Run: `uvicorn services.petition.entrypoints.api:app --port 8101` (or `python -m devstack service
petition api`). Resources (pool, relay, tokens) open in the lifespan, never at import time.
Errors are mapped by the kit: DomainError → 4xx naming field and rule, IllegalTransition → 409 with
the allowed actions. The public lookup (`/public/...`) needs no token: it shows the dated public
timeline only, and acting on it (rating, 复查/复核 requests) needs the code plus the phone's last 4 digits.
The code is shown once, in the registration response (the receipt); no staff view returns it. Wrong
answers are limited per code (PostgreSQL, 423 when locked) and per client address (429); both refusals
carry `Retry-After`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from minqing_contract.bounds import Offset
from minqing_kit.auth import Role
from minqing_kit.http import CurrentPrincipal, ErrorBody, create_app
from minqing_kit.runtime import ServiceRuntime

from ..adapters.clock import Clock
from ..adapters.repository import ListFilter
from ..bootstrap import MIGRATIONS, bootstrap
from ..domain.categories import Category
from ..domain.clocks import provisional_note
from ..domain.enums import Kind, MatterStatus
from ..service_layer import calendar as workday_calendar
from ..service_layer import commands as cmd
from ..service_layer import handlers
from ..service_layer.handlers import Deps
from ..settings import PetitionSettings
from . import calendar_routes
from . import schemas as s
from .ratelimit import RateLimiter, client_address

TAG = "petition 信访"


def deps(request: Request) -> Deps:
    return request.app.state.deps  # type: ignore[no-any-return]


DepsDep = Annotated[Deps, Depends(deps)]


def public_limit(request: Request) -> None:
    request.app.state.limiter.check(client_address(request))


router = APIRouter(tags=[TAG])
public = APIRouter(prefix="/public", tags=["public 公开查询"], dependencies=[Depends(public_limit)],
                   responses={429: {"model": ErrorBody, "description": "查询过于频繁 (too many requests)"}})


async def _act(d: Deps, principal: Any, matter_id: UUID, action: str, **args: Any) -> dict[str, Any]:
    matter = await handlers.act(d, cmd.Act(matter_id, action, args), principal)
    return s.matter_view(matter, principal, d.clock())


# ----- intake and reading ---------------------------------------------------------------------------
@router.post("/matters", status_code=201, response_model=s.ReceiptOut,
             summary="登记信访事项，返回受理凭证 / Register a matter (any channel); returns the receipt")
async def register(body: s.RegisterIn, principal: CurrentPrincipal, d: DepsDep) -> s.ReceiptOut:
    command = cmd.RegisterMatter(
        channel=body.channel.value, kind=body.kind.value, category=body.category, subcategory=body.subcategory,
        township_code=body.township_code, village_code=body.village_code, content=body.content,
        petitioners=[cmd.PetitionerInput(p.name, p.phone, p.id_number, p.is_representative)
                     for p in body.petitioners],
        headcount=body.headcount, cadre_id=body.cadre_id, accused_department=body.accused_department)
    return s.ReceiptOut.of(await handlers.register(d, command, principal))


@router.get("/matters", summary="事项列表（筛选、分页、辖区） / List matters with filters and pagination")
async def list_matters(
    principal: CurrentPrincipal, d: DepsDep,
    township: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: MatterStatus | None = None, kind: Kind | None = None, category: Category | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20, offset: Annotated[Offset, Query()] = 0,
) -> dict[str, Any]:
    township = principal.list_scope(township)
    department = principal.department if principal.role is Role.DEPARTMENT_HANDLER else None
    if principal.role is Role.DEPARTMENT_HANDLER and not department:
        department = "\x00"  # a handler token without a department sees nothing
    f = ListFilter(townships=township, department=department, status=status.value if status else None,
                   kind=kind.value if kind else None, category=category.value if category else None,
                   overdue_at=d.clock() if overdue else None, limit=limit, offset=offset,
                   hide_accusations=principal.role is Role.READ_ONLY)
    async with d.uow() as uow:
        rows, total = await d.repo(uow.conn).search(f)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [{**dict(r), "id": str(r["id"]), "repeat_of": str(r["repeat_of"]) if r["repeat_of"] else None,
                       "status_zh": MatterStatus(r["status"]).label_zh,
                       "open_due_provisional": bool(r["open_due_pending_years"]),
                       "open_due_note": provisional_note(tuple(r["open_due_pending_years"]))
                       if r["open_due_pending_years"] else None} for r in rows]}


@router.get("/matters/{matter_id}", summary="事项详情 / Matter detail (personal data only for roles that need it)")
async def detail(matter_id: UUID, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return s.matter_view(await handlers.get_matter(d, matter_id, principal), principal, d.clock())


@router.get("/matters/{matter_id}/audit", summary="操作留痕 / Audit trail: who did what, when")
async def audit(matter_id: UUID, principal: CurrentPrincipal, d: DepsDep) -> list[dict[str, Any]]:
    matter = await handlers.get_matter(d, matter_id, principal)
    return [{"action": e.action, "actor": e.actor.user_id, "role": e.actor.role.value, "at": e.at,
             "from": e.from_state.value, "to": e.to_state.value, "detail": e.detail} for e in matter.audit]


@router.get("/labels", summary="枚举中文名称 / Chinese labels of every enum")
async def labels() -> dict[str, dict[str, str]]:
    return s.labels()


# ----- handling -------------------------------------------------------------------------------------
@router.post("/matters/{matter_id}/assign", summary="转送/交办（领导签阅） / Transfer or assign to a department")
async def assign(matter_id: UUID, body: s.AssignIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "assign", department=body.department, mode=body.mode.value,
                      signed_by=body.signed_by)


@router.post("/matters/{matter_id}/accept", summary="受理 / The department accepts the matter")
async def accept(matter_id: UUID, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "accept")


@router.post("/matters/{matter_id}/objection",
             summary="异议退回（5个工作日内） / Object: outside the remit, back for re-routing")
async def objection(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "raise_objection", reason=body.reason)


@router.post("/matters/{matter_id}/notes", summary="办理情况 / Add a handling note")
async def note(matter_id: UUID, body: s.TextIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "add_note", text=body.text)


@router.post("/matters/{matter_id}/extension", summary="延期（至多30日） / Extend the reply deadline")
async def extend(matter_id: UUID, body: s.ExtendIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "extend", days=body.days, reason=body.reason,
                      approved_by=body.approved_by)


@router.post("/matters/{matter_id}/reply", summary="答复意见 / Issue the written reply")
async def reply(matter_id: UUID, body: s.TextIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "reply", text=body.text)


@router.post("/matters/{matter_id}/rating", summary="满意度评价（代录） / Record the person's rating")
async def rate(matter_id: UUID, body: s.RateIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "rate", satisfaction=body.satisfaction.value)


@router.post("/matters/{matter_id}/close", summary="办结 / Close the matter")
async def close(matter_id: UUID, body: s.NoteIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "close", note=body.note)


@router.post("/matters/{matter_id}/review", summary="申请复查（代录） / Record a review (复查) request")
async def request_review(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal,
                         d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "request_review", reason=body.reason)


@router.post("/matters/{matter_id}/review/decision", summary="复查决定 / Decide the review")
async def decide_review(matter_id: UUID, body: s.DecisionIn, principal: CurrentPrincipal,
                        d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "decide_review", outcome=body.outcome.value, opinion=body.opinion)


@router.post("/matters/{matter_id}/re-review", summary="申请复核（代录） / Record a re-review (复核) request")
async def request_re_review(matter_id: UUID, body: s.ReasonIn, principal: CurrentPrincipal,
                            d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "request_re_review", reason=body.reason)


@router.post("/matters/{matter_id}/re-review/decision", summary="复核决定（终结） / Decide the re-review (final)")
async def decide_re_review(matter_id: UUID, body: s.DecisionIn, principal: CurrentPrincipal,
                           d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "decide_re_review", outcome=body.outcome.value,
                      opinion=body.opinion)


@router.post("/matters/{matter_id}/supervision", summary="督办（县级督查，限超期事项） / Supervise an overdue matter")
async def supervise(matter_id: UUID, body: s.NoteIn, principal: CurrentPrincipal, d: DepsDep) -> dict[str, Any]:
    return await _act(d, principal, matter_id, "supervise", note=body.note)


# ----- public lookup ---------------------------------------------------------------------------------
@public.get("/matters/{lookup_code}", summary="凭查询码查询进度 / Progress by receipt code (no personal data)")
async def public_lookup(lookup_code: str, d: DepsDep) -> dict[str, Any]:
    return s.public_view(await handlers.lookup(d, lookup_code))


async def _public_act(request: Request, d: Deps, code: str, tail: str, action: str, **args: Any) -> dict[str, Any]:
    failures: RateLimiter = request.app.state.receipt_failures
    client = client_address(request)
    failures.ensure_allowed(client)
    try:
        matter = await handlers.public_act(d, cmd.PublicAct(code, tail, action, args))
    except handlers.ReceiptMismatch:
        failures.hit(client)
        raise
    return s.public_view(matter)


@public.post("/matters/{lookup_code}/rating", summary="信访人评价 / The person rates the handling")
async def public_rate(lookup_code: str, body: s.PublicRateIn, request: Request, d: DepsDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "rate",
                             satisfaction=body.satisfaction.value)


@public.post("/matters/{lookup_code}/review", summary="信访人申请复查 / The person requests a review")
async def public_review(lookup_code: str, body: s.PublicReasonIn, request: Request, d: DepsDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "request_review", reason=body.reason)


@public.post("/matters/{lookup_code}/re-review", summary="信访人申请复核 / The person requests a re-review")
async def public_re_review(lookup_code: str, body: s.PublicReasonIn, request: Request,
                           d: DepsDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "request_re_review", reason=body.reason)


def create_petition_app(settings: PetitionSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; settings are read (from env) when the lifespan starts, unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = settings or PetitionSettings()
        async with ServiceRuntime.open(conf, migrations=[("petition", MIGRATIONS)]) as rt:
            app.state.runtime = rt
            app.state.tokens = rt.tokens
            app.state.ready_checks = rt.ready_checks()
            app.state.deps = deps = bootstrap(rt, conf, clock)
            await handlers.hash_clear_lookup_codes(deps)
            await workday_calendar.seed(deps)
            app.state.limiter = RateLimiter(conf.public_lookups_per_minute, 60.0)
            app.state.receipt_failures = RateLimiter(
                conf.public_failures_per_hour, 3600.0, rule="failed_attempts",
                message="验证失败次数过多，请稍后再试 (too many failed receipt checks from this address; try later)")
            yield

    app = create_app(service="petition", title="Minqing 信访 / Petition service", tokens=None, lifespan=lifespan,
                     description="信访事项登记、转送交办、受理、答复、评价、复查复核、督办与公开查询。"
                                 " Petition intake, routing, handling, reviews, supervision and public lookup.")
    app.include_router(router)
    app.include_router(public)
    app.include_router(calendar_routes.router)
    return app


app = create_petition_app()
