"""Volunteers: registration (personal data encrypted, masked for roles without access), records, certificates."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from minqing_contract.bounds import AwareInstant, Line
from minqing_kit.crypto import mask_id_number, mask_name, mask_phone
from minqing_kit.errors import Forbidden, NotFound
from minqing_kit.http import json_error_responses
from services.volunteer.adapters import views
from services.volunteer.adapters.certificate_html import render
from services.volunteer.adapters.certificate_pdf import render_pdf_async
from services.volunteer.bootstrap import Deps, Service
from services.volunteer.domain.hours import Period, hours_display
from services.volunteer.domain.record import Certificate
from services.volunteer.entrypoints.deps import Bus, DepsDep, Page, PageSize, Reader, ServiceDep, Writer
from services.volunteer.entrypoints.schemas import RecordEntryIn, VolunteerIn
from services.volunteer.service_layer import commands as c
from services.volunteer.service_layer import queries

router = APIRouter(prefix="/volunteers", tags=["志愿者 volunteers"])
StartQ = Annotated[AwareInstant, Query(description="起 (period start)")]
EndQ = Annotated[AwareInstant, Query(description="止 (period end)")]
IssuerQ = Annotated[Line | None, Query(max_length=100, description="出具单位 (issuer)")]


def _personal(actor: c.Actor) -> bool:
    return actor.principal is not None and actor.principal.sees_personal_data


def _out(row: Any, deps: Deps, actor: c.Actor) -> dict[str, Any]:
    name = deps.cipher.decrypt(row["name_enc"]) or ""
    phone = deps.cipher.decrypt(row["phone_enc"]) or ""
    id_number = deps.cipher.decrypt(row["id_number_enc"]) or ""
    personal = _personal(actor)
    return {
        "id": row["id"], "township_code": row["township_code"], "skills": list(row["skills"]),
        "available_time": row["available_time"], "team_ids": list(row["team_ids"]),
        "total_minutes": row["total_minutes"], "total_hours": str(hours_display(row["total_minutes"])),
        "name": name if personal else mask_name(name), "phone": phone if personal else mask_phone(phone),
        "id_number": id_number if personal else mask_id_number(id_number), "personal_data_masked": not personal,
    }


async def _row(deps: Deps, volunteer_id: UUID, actor: c.Actor) -> Any:
    async with deps.read() as uow:
        row = await views.get_volunteer(uow.conn, volunteer_id)
    if row is None:
        raise NotFound(f"志愿者不存在 (no volunteer {volunteer_id})", field="volunteer_id", rule="exists")
    actor.ensure_covers(row["township_code"])
    return row


@router.post("", status_code=201, summary="志愿者注册 Register a volunteer (personal data encrypted)")
async def register(body: VolunteerIn, deps: DepsDep, bus: Bus, actor: Writer) -> dict[str, Any]:
    volunteer_id = await bus.handle(c.RegisterVolunteer(
        name=body.name, phone=body.phone, id_number=body.id_number, township_code=body.township_code,
        skills=tuple(body.skills), available_time=tuple(c.Slot(s.weekday, s.start, s.end) for s in body.available_time),
        team_ids=tuple(body.team_ids)), actor)
    return _out(await _row(deps, volunteer_id, actor), deps, actor)


VolunteerSort = Literal["registered", "-registered", "hours", "-hours"]


@router.get("", summary="志愿者列表 List volunteers (township scope, sorted by registration or hours)")
async def list_volunteers(deps: DepsDep, actor: Reader, page: Page = 1, page_size: PageSize = 20,
                          township_code: str | None = Query(default=None, pattern=r"^\d{12}$"),
                          sort: Annotated[VolunteerSort, Query(
                              description="排序：registered 注册时间 / hours 服务时长，前缀 - 为倒序 (sort key)")
                          ] = "registered") -> dict[str, Any]:
    township_code = actor.list_scope(township_code)
    async with deps.read() as uow:
        total, rows = await views.list_volunteers(uow.conn, township_code, limit=page_size,
                                                  offset=(page - 1) * page_size, sort=sort)
    return {"items": [_out(r, deps, actor) for r in rows], "total": total, "page": page, "page_size": page_size}


@router.get("/{volunteer_id}", summary="志愿者详情 Volunteer detail")
async def detail(volunteer_id: UUID, deps: DepsDep, actor: Reader) -> dict[str, Any]:
    return _out(await _row(deps, volunteer_id, actor), deps, actor)


@router.get("/{volunteer_id}/record", summary="志愿服务记录 Record: service, training, awards, evaluations")
async def record(volunteer_id: UUID, service: ServiceDep, actor: Reader) -> dict[str, Any]:
    rec = await queries.load_record(service.uow(), volunteer_id, actor)
    return {
        "volunteer_id": volunteer_id, "total_minutes": rec.total_minutes(), "total_hours": str(rec.total_hours()),
        "services": [{"source": e.source.value, "source_id": e.source_id, "team_id": e.team_id,
                      "start": e.span.start, "end": e.span.end, "minutes": e.minutes, "recorded_by": e.recorded_by}
                     for e in rec.entries_in()],
        "trainings": [{"at": t.at, "title": t.title, "minutes": t.minutes, "recorded_by": t.recorded_by}
                      for t in rec.trainings],
        "awards": [{"at": a.at, "title": a.title, "awarded_by": a.awarded_by} for a in rec.awards],
        "evaluations": [{"at": e.at, "result": e.result, "evaluated_by": e.evaluated_by} for e in rec.evaluations],
    }


@router.post("/{volunteer_id}/record-entries", status_code=201,
             summary="登记培训/表彰/评价 Add a training, award or evaluation to the record")
async def add_entry(volunteer_id: UUID, body: RecordEntryIn, bus: Bus, actor: Writer) -> dict[str, str]:
    await bus.handle(c.AddRecordEntry(volunteer_id, body.kind, body.at, body.title, body.recorded_by, body.minutes),
                     actor)
    return {"status": "recorded"}


async def _certificates(service: Service, volunteer_id: UUID, actor: c.Actor, start: AwareInstant,
                        end: AwareInstant, issued_by: str | None) -> list[Certificate]:
    rec = await queries.load_record(service.uow(), volunteer_id, actor)
    period, now = Period(start, end), service.deps.clock()
    if issued_by:
        return [rec.certificate(period, issued_by=issued_by, now=now)]
    return rec.certificates(period, now=now)


def _cert_out(cert: Certificate) -> dict[str, Any]:
    return {"volunteer_id": cert.volunteer_id, "period_start": cert.period.start, "period_end": cert.period.end,
            "issued_by": cert.issued_by, "issued_at": cert.issued_at, "total_minutes": cert.total_minutes,
            "total_hours": str(cert.total_hours),
            "entries": [{"source": e.source.value, "source_id": e.source_id, "start": e.span.start, "end": e.span.end,
                         "minutes": e.minutes} for e in cert.entries],
            "trainings": [{"at": t.at, "title": t.title, "minutes": t.minutes} for t in cert.trainings]}


@router.get("/{volunteer_id}/certificate", summary="志愿服务记录证明 Certificate of hours (JSON)")
async def certificate(volunteer_id: UUID, service: ServiceDep, actor: Reader, start: StartQ, end: EndQ,
                      issued_by: IssuerQ = None) -> dict[str, Any]:
    certs = await _certificates(service, volunteer_id, actor, start, end, issued_by)
    return {"certificates": [_cert_out(x) for x in certs]}


@router.get("/{volunteer_id}/certificate.html", response_class=HTMLResponse, responses=json_error_responses(),
            summary="志愿服务记录证明（打印版）Certificate of hours, printable HTML")
async def certificate_html(volunteer_id: UUID, service: ServiceDep, actor: Reader, start: StartQ,
                           end: EndQ, issued_by: IssuerQ = None) -> HTMLResponse:
    certs, name = await _printable(service, volunteer_id, actor, start, end, issued_by)
    return HTMLResponse(render(certs, name))


@router.get("/{volunteer_id}/certificate.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "志愿服务记录证明 PDF"},
                       **json_error_responses()},
            summary="志愿服务记录证明（PDF）Certificate of hours as PDF")
async def certificate_pdf(volunteer_id: UUID, service: ServiceDep, actor: Reader, start: StartQ,
                          end: EndQ, issued_by: IssuerQ = None) -> Response:
    certs, name = await _printable(service, volunteer_id, actor, start, end, issued_by)
    filename = f"volunteer-certificate-{volunteer_id}.pdf"
    return Response(await render_pdf_async(certs, name), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


async def _printable(service: Service, volunteer_id: UUID, actor: c.Actor, start: AwareInstant, end: AwareInstant,
                     issued_by: str | None) -> tuple[list[Certificate], str]:
    """The certificates of a period and the volunteer's real name, for a role that sees personal data."""
    deps = service.deps
    row = await _row(deps, volunteer_id, actor)
    if not _personal(actor):
        raise Forbidden("出具证明需可查看个人信息的角色 (certificates need a role that sees personal data)",
                        field="role", rule="personal_data")
    certs = await _certificates(service, volunteer_id, actor, start, end, issued_by)
    if not certs:
        raise NotFound("该期间没有服务记录 (no service recorded in the period)", field="period", rule="has_service")
    return certs, deps.cipher.decrypt(row["name_enc"]) or ""
