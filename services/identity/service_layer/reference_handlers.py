"""Reference data handlers (区划与部门): the county admin adds, renames and retires villages and
departments; each change is recorded as an `identity.*` event (a place's or an office's name, never a
person's), so the audit trail and the other services learn it from the same fact.

Townships come from the division file (read-only). The file's villages and departments are the
baseline, stored at start-up (`SeedReference`, no events: every service reads the same file).
"""

from __future__ import annotations

from dataclasses import replace

from minqing_contract.divisions import County
from minqing_kit.actor import Actor
from minqing_kit.auth import Role
from minqing_kit.clock import Clock
from minqing_kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.identity.adapters.unit_of_work import IdentityUnitOfWork
from services.identity.domain import events as ev
from services.identity.domain.reference import Entry, check_department_code, check_name, check_village_code
from services.identity.service_layer import commands as c
from services.identity.service_layer.handlers import account_id_of

VILLAGE, DEPARTMENT = "village", "department"


def ensure_county_admin(actor: Actor) -> None:
    if actor.principal is not None and actor.principal.role is not Role.COUNTY_ADMIN:
        raise Forbidden("只有县级管理员可以维护参考数据 (only the county admin maintains reference data)",
                        field="role", rule="county_admin")


async def seed_reference(cmd: c.SeedReference, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                         county: County) -> None:
    async with uow:
        await uow.reference.seed(VILLAGE, [Entry(v.code, v.name, v.township_code) for v in county.villages], clock())
        await uow.reference.seed(DEPARTMENT, [Entry(d.code, d.name, None, d.name_en) for d in county.departments],
                                 clock())
        await uow.commit()


async def add_village(cmd: c.AddVillage, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                      county: County) -> Entry:
    ensure_county_admin(actor)
    if county.township(cmd.township_code) is None:
        raise InvalidInput(f"未知的乡镇代码 (unknown township {cmd.township_code} in {county.name})",
                           field="township_code", rule="known_township")
    entry = Entry(check_village_code(cmd.code, cmd.township_code), check_name(cmd.name), cmd.township_code)
    now = clock()
    async with uow:
        if not await uow.reference.add(VILLAGE, entry, now):
            raise Conflict(f"村/社区代码 {entry.code} 已存在 (village code taken)", field="code", rule="unique")
        uow.record(ev.VillageAdded(village_code=entry.code, village_name=entry.name, actor_id=account_id_of(actor.principal),
                                   township_code=cmd.township_code, occurred_at=now))
        await uow.commit()
    return entry


async def update_village(cmd: c.UpdateVillage, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock) -> Entry:
    ensure_county_admin(actor)
    name = check_name(cmd.name) if cmd.name is not None else None
    now = clock()
    async with uow:
        old = await uow.reference.get(VILLAGE, cmd.code, for_update=True)
        if old is None:
            raise NotFound(f"村/社区不存在 (no village {cmd.code})", field="code", rule="exists")
        new = replace(old, name=name if name is not None else old.name,
                      active=cmd.active if cmd.active is not None else old.active)
        if new != old:
            await uow.reference.update(VILLAGE, new, now)
            uow.record(ev.VillageChanged(village_code=new.code, village_name=new.name, active=new.active,
                                         actor_id=account_id_of(actor.principal),
                                         township_code=new.parent_code or "", occurred_at=now))
            await uow.commit()
    return new


async def add_department(cmd: c.AddDepartment, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                         county: County) -> Entry:
    ensure_county_admin(actor)
    entry = Entry(check_department_code(cmd.code), check_name(cmd.name), None, cmd.name_en.strip()[:100])
    now = clock()
    async with uow:
        if not await uow.reference.add(DEPARTMENT, entry, now):
            raise Conflict(f"部门代码 {entry.code} 已存在 (department code taken)", field="code", rule="unique")
        uow.record(ev.DepartmentAdded(department_code=entry.code, department_name=entry.name,
                                      actor_id=account_id_of(actor.principal), township_code=county.code,
                                      occurred_at=now))
        await uow.commit()
    return entry


async def update_department(cmd: c.UpdateDepartment, uow: IdentityUnitOfWork, actor: Actor, *, clock: Clock,
                            county: County) -> Entry:
    ensure_county_admin(actor)
    name = check_name(cmd.name) if cmd.name is not None else None
    now = clock()
    async with uow:
        old = await uow.reference.get(DEPARTMENT, cmd.code, for_update=True)
        if old is None:
            raise NotFound(f"部门不存在 (no department {cmd.code})", field="code", rule="exists")
        new = replace(old, name=name if name is not None else old.name,
                      name_en=cmd.name_en.strip()[:100] if cmd.name_en is not None else old.name_en,
                      active=cmd.active if cmd.active is not None else old.active)
        if new != old:
            await uow.reference.update(DEPARTMENT, new, now)
            uow.record(ev.DepartmentChanged(department_code=new.code, department_name=new.name, active=new.active,
                                            actor_id=account_id_of(actor.principal), township_code=county.code,
                                            occurred_at=now))
            await uow.commit()
    return new
