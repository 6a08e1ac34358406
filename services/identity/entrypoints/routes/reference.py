"""Reference data (参考数据): the county's townships, villages and departments.

`GET /reference` is public (names of places and offices, the same shape as the volunteer service's
`/public/reference`): the forms of the workbench and the citizens' pages list villages from it. The
rest is the county admin's: lists paged and sorted in SQL, add, rename, retire (停用) and restore.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.identity.domain.reference import Entry
from services.identity.entrypoints.deps import Bus, CountyAdmin, DepsDep, Page, PageSize, ServiceDep
from services.identity.service_layer import commands as c
from services.identity.service_layer import queries
from services.identity.service_layer.reference_handlers import DEPARTMENT, VILLAGE

router = APIRouter(prefix="/reference", tags=["参考数据 reference data"])

Order = Literal["asc", "desc"]


class VillageOut(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str | None
    active: bool


class DepartmentOut(BaseModel):
    code: str
    name: str
    name_en: str
    active: bool


class VillageIn(BaseModel):
    township_code: str = Field(pattern=r"^\d{12}$", description="所属乡镇代码 (township code)")
    code: str = Field(description="村/社区代码，12 位 (12-digit village code under the township)")
    name: str = Field(description="名称 (2-50 characters)")


class VillagePatch(BaseModel):
    name: str | None = None
    active: bool | None = Field(default=None, description="false: 撤并/停用 (retired: no longer offered in forms)")


class DepartmentIn(BaseModel):
    code: str = Field(description="部门代码 (2-20 lower-case letters, digits or _)")
    name: str
    name_en: str = Field(default="", max_length=100)


class DepartmentPatch(BaseModel):
    name: str | None = None
    name_en: str | None = Field(default=None, max_length=100)
    active: bool | None = None


def _village(deps: Any, e: Entry) -> VillageOut:
    township = deps.county.township(e.parent_code or "")
    return VillageOut(code=e.code, name=e.name, township_code=e.parent_code or "",
                      township_name=township.name if township else None, active=e.active)


def _department(e: Entry) -> DepartmentOut:
    return DepartmentOut(code=e.code, name=e.name, name_en=e.name_en, active=e.active)


@router.get("", summary="参考数据 The county's townships with their villages, and its departments (active ones)")
async def reference(service: ServiceDep, with_retired: bool = Query(
        default=False, description="也列出已撤并/撤销的条目 (active=false)：供其他服务校验代码 "
                                   "(also list retired entries, flagged active=false: for the services' code checks)")
                    ) -> dict[str, Any]:
    county = service.deps.county
    villages, departments = await queries.active_reference(service.uow(), with_retired=with_retired)

    def item(e: Entry) -> dict[str, Any]:
        return {"code": e.code, "name": e.name, "active": e.active} if with_retired else {"code": e.code, "name": e.name}

    by_township: dict[str, list[dict[str, Any]]] = {}
    for v in villages:
        by_township.setdefault(v.parent_code or "", []).append(item(v))
    return {"county": {"code": county.code, "name": county.name},
            "townships": [{"code": t.code, "name": t.name, "villages": by_township.get(t.code, [])}
                          for t in county.townships],
            "departments": [item(d) for d in departments]}


@router.get("/townships", summary="乡镇列表 Townships (from the division file, read-only) with village counts")
async def townships(service: ServiceDep, actor: CountyAdmin) -> dict[str, Any]:
    villages, _ = await queries.active_reference(service.uow())
    county = service.deps.county
    return {"items": [{"code": t.code, "name": t.name, "population": t.population,
                       "villages": sum(1 for v in villages if v.parent_code == t.code)} for t in county.townships],
            "total": len(county.townships)}


@router.get("/villages", summary="村/社区列表 Villages, paged and sorted (county admin)")
async def list_villages(service: ServiceDep, actor: CountyAdmin, page: Page = 1, page_size: PageSize = 20,
                        township: str | None = Query(default=None, pattern=r"^\d{12}$"),
                        q: str | None = Query(default=None, max_length=50, description="名称或代码包含 (name or code contains)"),
                        active: bool | None = None,
                        sort: str = Query(default="code", description="code | name | township_code"),
                        order: Order = "asc") -> dict[str, Any]:
    total, items = await queries.reference_page(service.uow(), actor, VILLAGE, parent_code=township, text=q,
                                                active=active, sort=sort, descending=order == "desc",
                                                limit=page_size, offset=(page - 1) * page_size)
    return {"items": [_village(service.deps, e) for e in items], "total": total, "page": page, "page_size": page_size}


@router.post("/villages", status_code=201, summary="新增村/社区 Add a village (published as identity.village_added)")
async def add_village(body: VillageIn, bus: Bus, deps: DepsDep, actor: CountyAdmin) -> VillageOut:
    return _village(deps, await bus.handle(c.AddVillage(body.township_code, body.code, body.name), actor))


@router.patch("/villages/{code}", summary="修改村/社区 Rename, retire or restore a village")
async def update_village(code: str, body: VillagePatch, bus: Bus, deps: DepsDep, actor: CountyAdmin) -> VillageOut:
    return _village(deps, await bus.handle(c.UpdateVillage(code, body.name, body.active), actor))


@router.get("/departments", summary="部门列表 Departments, paged and sorted (county admin)")
async def list_departments(service: ServiceDep, actor: CountyAdmin, page: Page = 1, page_size: PageSize = 20,
                           q: str | None = Query(default=None, max_length=50), active: bool | None = None,
                           sort: str = Query(default="code", description="code | name"),
                           order: Order = "asc") -> dict[str, Any]:
    total, items = await queries.reference_page(service.uow(), actor, DEPARTMENT, parent_code=None, text=q,
                                                active=active, sort=sort, descending=order == "desc",
                                                limit=page_size, offset=(page - 1) * page_size)
    return {"items": [_department(e) for e in items], "total": total, "page": page, "page_size": page_size}


@router.post("/departments", status_code=201, summary="新增部门 Add a department (identity.department_added)")
async def add_department(body: DepartmentIn, bus: Bus, actor: CountyAdmin) -> DepartmentOut:
    return _department(await bus.handle(c.AddDepartment(body.code, body.name, body.name_en), actor))


@router.patch("/departments/{code}", summary="修改部门 Rename, retire or restore a department")
async def update_department(code: str, body: DepartmentPatch, bus: Bus, actor: CountyAdmin) -> DepartmentOut:
    return _department(await bus.handle(c.UpdateDepartment(code, body.name, body.name_en, body.active), actor))
