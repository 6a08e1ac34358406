"""公开查询 public: progress by receipt code, and the person's rating and 复查/复核 requests (code + phone digits)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from minqing_kit.http import ErrorBody

from ...service_layer import commands as cmd
from ...service_layer import queries
from ...service_layer.handlers import ReceiptMismatch
from .. import schemas as s
from ..deps import Service, ServiceDep
from ..ratelimit import RateLimiter, client_address


async def public_limit(request: Request) -> None:
    request.app.state.limiter.check(client_address(request))


router = APIRouter(prefix="/public", tags=["public 公开查询"], dependencies=[Depends(public_limit)],
                   responses={429: {"model": ErrorBody, "description": "查询过于频繁 (too many requests)"}})


# ----- public lookup ---------------------------------------------------------------------------------
@router.get("/matters/{lookup_code}", summary="凭查询码查询进度 / Progress by receipt code (no personal data)")
async def public_lookup(lookup_code: str, d: ServiceDep) -> dict[str, Any]:
    return s.public_view(await queries.lookup(d.uow(), lookup_code))


async def _public_act(request: Request, d: Service, code: str, tail: str, action: str, **args: Any) -> dict[str, Any]:
    failures: RateLimiter = request.app.state.receipt_failures
    client = client_address(request)
    failures.ensure_allowed(client)
    try:
        matter = await d.bus.handle(cmd.PublicAct(code, tail, action, args), cmd.PUBLIC)
    except ReceiptMismatch:
        failures.hit(client)
        raise
    return s.public_view(matter)


@router.post("/matters/{lookup_code}/rating", summary="信访人评价 / The person rates the handling")
async def public_rate(lookup_code: str, body: s.PublicRateIn, request: Request, d: ServiceDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "rate",
                             satisfaction=body.satisfaction.value)


@router.post("/matters/{lookup_code}/review", summary="信访人申请复查 / The person requests a review")
async def public_review(lookup_code: str, body: s.PublicReasonIn, request: Request, d: ServiceDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "request_review", reason=body.reason)


@router.post("/matters/{lookup_code}/re-review", summary="信访人申请复核 / The person requests a re-review")
async def public_re_review(lookup_code: str, body: s.PublicReasonIn, request: Request,
                           d: ServiceDep) -> dict[str, Any]:
    return await _public_act(request, d, lookup_code, body.phone_tail, "request_re_review", reason=body.reason)
