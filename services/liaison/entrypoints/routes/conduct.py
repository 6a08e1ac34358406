"""五不准 misconduct reports and their follow-up (township scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.liaison.adapters import views
from services.liaison.bootstrap import Deps
from services.liaison.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, TownshipQ, Writer
from services.liaison.entrypoints.schemas import FollowUpIn, MisconductIn
from services.liaison.service_layer import commands as c
from services.liaison.service_layer.stationing_handlers import cadre_ref

router = APIRouter(prefix="/misconduct", tags=["五不准 misconduct"])


def _out(row: Any, deps: Deps, actor: c.Actor) -> dict[str, Any]:
    principal = actor.signed_in()
    # The report's text may name who reported: never shown to the cadre it is about (like 检举控告
    # material, 《信访工作条例》§30), nor to roles without access to personal data.
    accused = cadre_ref(deps.pseudonym, principal.subject) == row["cadre_ref"]
    shown = principal.sees_personal_data and not accused
    return {"id": row["id"], "stationing_id": row["stationing_id"], "township_code": row["township_code"],
            "village_code": row["village_code"], "prohibition": row["prohibition"], "status": row["status"],
            "reported_at": row["reported_at"], "text_withheld": not shown,
            "description": deps.cipher.decrypt(row["description_enc"]) if shown else None,
            "follow_ups": [{"at": f["at"], "status": f["status"], **({"by": f["by"],
                            "note": deps.cipher.decrypt(f["note_enc"])} if shown else {})}
                           for f in row["follow_ups"]]}


@router.post("", status_code=201, summary="登记五不准问题 Report a 五不准 breach")
async def report(body: MisconductIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    r = await bus.handle(c.ReportMisconduct(UUID(body.stationing_id), body.prohibition, body.description), actor)
    return {"id": r.id, "status": r.status.value, "prohibition": r.prohibition.value}


@router.post("/{report_id}/follow-ups", status_code=201, summary="跟进 Follow up a report")
async def follow_up(report_id: UUID, body: FollowUpIn, bus: Bus, actor: Writer) -> dict[str, Any]:
    f = await bus.handle(c.FollowUpMisconduct(report_id, body.status, body.note), actor)
    return {"status": f.status.value, "at": f.at, "note": f.note}


@router.get("", summary="五不准问题台账 Reports (township scope)")
async def list_reports(deps: DepsDep, actor: Reader, township_code: TownshipQ = None, page: Page = 1,
                       page_size: PageSize = 20) -> dict[str, Any]:
    scope = actor.list_scope(township_code)
    async with deps.read() as uow:
        total, rows = await views.list_misconduct(uow.conn, scope, limit=page_size, offset=(page - 1) * page_size)
    return {"items": [_out(r, deps, actor) for r in rows], "total": total, "page": page, "page_size": page_size}
