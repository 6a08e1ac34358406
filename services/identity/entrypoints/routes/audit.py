"""The audit trail (审计日志): append-only, for county admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.identity.entrypoints.deps import CountyAdmin, Page, PageSize, ServiceDep
from services.identity.service_layer import queries

router = APIRouter(prefix="/audit", tags=["审计 audit"])


@router.get("", summary="审计日志 Sign-ins, failures, lockouts, password and account changes (newest first)")
async def audit(service: ServiceDep, actor: CountyAdmin, page: Page = 1, page_size: PageSize = 50,
                event_type: str | None = Query(default=None, pattern=r"^identity\.[a-z_]+$"),
                account_id: UUID | None = None, since: datetime | None = None,
                until: datetime | None = None) -> dict[str, Any]:
    total, rows = await queries.audit_page(service.uow(), event_type=event_type, account_id=account_id, since=since,
                                           until=until, limit=page_size, offset=(page - 1) * page_size)
    return {"items": rows, "total": total, "page": page, "page_size": page_size}
