"""Command handlers of the petition service: load under lock, ask the domain, save, publish, commit.

Every handler runs in one unit of work: the matter row is read `FOR UPDATE`, the aggregate decides,
the repository writes its changes and the mapped contract events go to the outbox in the same
transaction. A refused command raises before `commit()`, so nothing of it is written.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit.auth import Principal
from minqing_kit.auth import Role as KitRole
from minqing_kit.errors import Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer
from minqing_kit.uow import UnitOfWork

from ..adapters.calendar_store import CalendarCache
from ..adapters.clock import Clock
from ..adapters.contract_mapping import to_pending
from ..adapters.repository import MatterRepository
from ..domain import clocks as ck
from ..domain.enums import Role
from ..domain.intake import Petitioner, Receipt, generate_lookup_code, normalize_lookup_code
from ..domain.lifecycle import Actor
from ..domain.matter import Matter
from ..domain.receipt_access import CLEAN, ReceiptLocked, after_failure, ensure_unlocked
from ..domain.repeats import RepeatKey, find_repeat
from ..domain.visibility import can_view
from . import commands as cmd


@dataclass
class Deps:
    """What handlers need, wired once by `bootstrap`."""

    uow: Callable[[], UnitOfWork]
    repo: Callable[[Any], MatterRepository]  # connection → repository
    pseudonym: Pseudonymizer
    clock: Clock
    clocks: ck.PetitionClocks
    county: County
    group_threshold: int = 5
    calendar: CalendarCache | None = None  # the county's holiday calendar (None: the clocks' own)


# ----- who acts --------------------------------------------------------------------------------------
_ROLE = {
    KitRole.COUNTY_ADMIN: Role.petition_officer,
    KitRole.COUNTY_SUPERVISOR: Role.county_supervisor,
    KitRole.TOWNSHIP_OPERATOR: Role.township_operator,
    KitRole.DEPARTMENT_HANDLER: Role.department_handler,
}


def actor_for(principal: Principal) -> Actor:
    """The platform's token roles as the domain's roles (read-only tokens never act)."""
    role = _ROLE.get(principal.role)
    if role is None:
        raise Forbidden("只读账号不能办理事项 (read-only accounts cannot act)", field="role", rule="read_only")
    township = None if principal.county_wide else principal.township
    return Actor(principal.subject, role, department=principal.department, township_code=township)


def may_view(principal: Principal, matter: Matter) -> bool:
    if not principal.covers(matter.township_code):
        return False
    if principal.role is KitRole.READ_ONLY:
        # Read-only dashboards see their scope, but accusations stay with the bureau (§30).
        return matter.accused_department is None
    actor = actor_for(principal)
    return can_view(matter, actor.role, actor.department, actor.township_code)


def require_view(principal: Principal, matter: Matter) -> None:
    principal.ensure_covers(matter.township_code)
    if not may_view(principal, matter):
        raise Forbidden("无权查看该信访事项 (you may not view this matter)", field="matter", rule="view_scope")


# ----- reference data ------------------------------------------------------------------------------
def check_township(county: County, township: str, village: str | None) -> None:
    if county.township(township) is None:
        raise InvalidInput(f"未知的乡镇区划代码 (unknown township code {township})", field="township_code",
                           rule="known_township")
    if village is not None:
        found = county.village(village)
        if found is None or found.township_code != township:
            raise InvalidInput(f"村（社区）{village} 不属于乡镇 {township} (unknown village in this township)",
                               field="village_code", rule="known_village")


def check_department(county: County, code: str | None, field: str) -> None:
    if code is not None and county.department(code) is None:
        raise InvalidInput(f"未知的部门代码 (unknown department code {code!r})", field=field, rule="known_department")


# ----- registration --------------------------------------------------------------------------------
def _petitioners(items: list[cmd.PetitionerInput]) -> list[Petitioner]:
    people = []
    for i, p in enumerate(items):
        try:
            people.append(Petitioner.of(p.name, p.phone, p.id_number, p.is_representative))
        except InvalidInput as exc:  # name the person in the list, e.g. petitioners.2.id_number
            field = (exc.field or "petitioners").replace("petitioners.", f"petitioners.{i}.", 1)
            raise InvalidInput(exc.message, field=field, rule=exc.rule) from None
    return people


async def register(deps: Deps, command: cmd.RegisterMatter, principal: Principal) -> Receipt:
    actor = actor_for(principal)
    check_township(deps.county, command.township_code, command.village_code)
    principal.ensure_covers(command.township_code)
    check_department(deps.county, command.accused_department, "accused_department")
    people = _petitioners(command.petitioners)
    # One pseudonym per person, from the most stable identifier given (ID number, else phone, else name).
    pseudonyms = [deps.pseudonym(p.id_number or p.phone or p.name) for p in people]
    now = deps.clock()
    async with deps.uow() as uow:
        repo = deps.repo(uow.conn)
        await repo.lock_people(pseudonyms)
        filed = await repo.filed_for_repeat(pseudonyms, command.category, command.subcategory)
        repeat_of = None
        if filed:
            key = RepeatKey(frozenset(pseudonyms), filed[0].key.category, filed[0].key.subcategory,
                            command.township_code, command.village_code)
            repeat_of = find_repeat(key, filed)
        code = generate_lookup_code()
        while await repo.lookup_code_taken(code):  # 31^10 codes: a clash is rare, never fatal
            code = generate_lookup_code()
        matter = Matter.register(
            id=uuid4(), channel=command.channel, kind=command.kind, category=command.category,
            subcategory=command.subcategory, township_code=command.township_code, content=command.content,
            petitioners=people, pseudonyms=pseudonyms, headcount=command.headcount, actor=actor, now=now,
            village_code=command.village_code, cadre_id=command.cadre_id,
            accused_department=command.accused_department, repeat_of=repeat_of, clocks=await repo.current_clocks(),
            group_threshold=deps.group_threshold)
        await repo.add(matter, now, lookup_code=code)
        uow.publish(*(to_pending(e, i) for i, e in enumerate(matter.events, start=1)))
        await uow.commit()
    return matter.receipt(code)  # the only time the code is shown: only its hash is stored


# ----- actions on a matter -------------------------------------------------------------------------
async def _load(repo: MatterRepository, matter_id: UUID, *, for_update: bool) -> Matter:
    matter = await repo.get(matter_id, for_update=for_update)
    if matter is None:
        raise NotFound(f"信访事项不存在 (matter {matter_id} not found)", field="matter_id", rule="exists")
    return matter


async def _save_and_publish(uow: UnitOfWork, repo: MatterRepository, matter: Matter, now: Any) -> frozenset[str]:
    first = repo.version_before_save(matter) + 1
    fresh = await repo.save(matter, now)
    for i, event in enumerate(matter.events, start=first):
        key = getattr(event, "alert_key", None)
        if key is not None and key not in fresh:
            continue  # announced before (unique key in deadline_alerts): never twice
        uow.publish(to_pending(event, i))
    await uow.commit()
    return fresh


async def act(deps: Deps, command: cmd.Act, principal: Principal) -> Matter:
    """Run one business action (assign, accept, reply, ...) on a matter, as `principal`."""
    actor = actor_for(principal)
    if command.action not in cmd.ACTIONS:
        raise InvalidInput(f"未知操作 (unknown action {command.action})", field="action", rule="one_of")
    if command.action == "assign":
        check_department(deps.county, command.args.get("department"), "department")
    now = deps.clock()
    async with deps.uow() as uow:
        repo = deps.repo(uow.conn)
        matter = await _load(repo, command.matter_id, for_update=True)
        require_view(principal, matter)
        getattr(matter, command.action)(**command.args, actor=actor, now=now)
        await _save_and_publish(uow, repo, matter, now)
    return matter


class ReceiptMismatch(NotFound):
    """Wrong lookup code or phone digits (counted against the code, and against the client by the edge)."""


def _mismatch() -> ReceiptMismatch:
    return ReceiptMismatch("查询码或手机号后四位不正确 (lookup code or phone digits do not match)",
                           field="lookup_code", rule="receipt_match")


async def public_act(deps: Deps, command: cmd.PublicAct) -> Matter:
    """The person rates or asks for 复查/复核 with the receipt code and their phone's last 4 digits.

    Wrong answers are counted per matter in PostgreSQL (`domain.receipt_access`): the failure is
    committed before the refusal is raised, and the matter's row lock serialises attempts on one code.
    """
    if command.action not in cmd.PUBLIC_ACTIONS:
        raise InvalidInput(f"未知操作 (unknown action {command.action})", field="action", rule="one_of")
    code = normalize_lookup_code(command.lookup_code)
    now = deps.clock()
    async with deps.uow() as uow:
        repo = deps.repo(uow.conn)
        matter_id = await repo.id_for_lookup_code(code, for_update=True)
        if matter_id is None:
            raise _mismatch()
        attempts = await repo.receipt_attempts(matter_id)
        ensure_unlocked(attempts, now)
        tails = await repo.phone_tails(matter_id)
        who = next((p for p, tail in tails.items() if hmac.compare_digest(tail, command.phone_tail)), None)
        if who is None:
            counted = after_failure(attempts, now)
            await repo.save_receipt_attempts(matter_id, counted)
            await uow.commit()
            if counted.locked_until is not None and counted.locked_at(now):
                raise ReceiptLocked(counted.locked_until, now)
            raise _mismatch()
        if attempts != CLEAN:
            await repo.save_receipt_attempts(matter_id, CLEAN)
        matter = await _load(repo, matter_id, for_update=True)
        getattr(matter, command.action)(**command.args, actor=Actor(who, Role.petitioner), now=now)
        await _save_and_publish(uow, repo, matter, now)
    return matter


async def hash_clear_lookup_codes(deps: Deps) -> int:
    """Start-up step after migration 0002: codes stored in clear by older versions become hashes."""
    async with deps.uow() as uow:
        done = await deps.repo(uow.conn).hash_clear_lookup_codes()
        await uow.commit()
    return done


async def flag_deadlines(deps: Deps, matter_id: UUID) -> frozenset[str]:
    """The watcher's step for one matter: announce each newly approaching / overdue deadline once."""
    now = deps.clock()
    async with deps.uow() as uow:
        repo = deps.repo(uow.conn)
        matter = await _load(repo, matter_id, for_update=True)
        matter.flag_deadlines(now)
        return await _save_and_publish(uow, repo, matter, now)


# ----- queries ----------------------------------------------------------------------------------
async def get_matter(deps: Deps, matter_id: UUID, principal: Principal) -> Matter:
    async with deps.uow() as uow:
        matter = await _load(deps.repo(uow.conn), matter_id, for_update=False)
    require_view(principal, matter)
    return matter


async def lookup(deps: Deps, lookup_code: str) -> Matter:
    code = normalize_lookup_code(lookup_code)
    async with deps.uow() as uow:
        repo = deps.repo(uow.conn)
        matter_id = await repo.id_for_lookup_code(code)
        if matter_id is None:
            raise NotFound("查询码不存在 (no matter with this lookup code)", field="lookup_code", rule="exists")
        return await _load(repo, matter_id, for_update=False)
