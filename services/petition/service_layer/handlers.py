"""Command handlers of the petition service: load under lock, ask the domain, commit.

The kit's one signature, `(cmd, uow, actor, *, <deps bound in bootstrap>)`. The matter row is read
`FOR UPDATE`, the aggregate decides, and `uow.commit()` writes its changes and its mapped events to
the outbox in the same transaction (numbered with the matter's sequence; a deadline alert already
stored is withheld). A refused command raises before `commit()`, so nothing of it is written.
"""

from __future__ import annotations

import hmac
from uuid import UUID, uuid4

from minqing_contract.divisions import County
from minqing_kit.auth import Principal
from minqing_kit.auth import Role as KitRole
from minqing_kit.errors import Forbidden, InvalidInput, NotFound
from minqing_kit.pseudonym import Pseudonymizer

from ..adapters.clock import Clock
from ..adapters.repository import MatterRepository
from ..adapters.unit_of_work import PetitionUnitOfWork
from ..domain.enums import Role
from ..domain.intake import Petitioner, Receipt, generate_lookup_code, normalize_lookup_code
from ..domain.lifecycle import Actor as DomainActor
from ..domain.matter import Matter
from ..domain.receipt_access import CLEAN, ReceiptLocked, after_failure, ensure_unlocked
from ..domain.repeats import RepeatKey, find_repeat
from ..domain.visibility import can_view
from . import commands as cmd
from .commands import Actor

# ----- who acts --------------------------------------------------------------------------------------
_ROLE = {
    KitRole.COUNTY_ADMIN: Role.petition_officer,
    KitRole.COUNTY_SUPERVISOR: Role.county_supervisor,
    KitRole.TOWNSHIP_OPERATOR: Role.township_operator,
    KitRole.DEPARTMENT_HANDLER: Role.department_handler,
}


def actor_for(principal: Principal) -> DomainActor:
    """The platform's token roles as the domain's roles (read-only tokens never act)."""
    role = _ROLE.get(principal.role)
    if role is None:
        raise Forbidden("只读账号不能办理事项 (read-only accounts cannot act)", field="role", rule="read_only")
    township = None if principal.county_wide else principal.township
    return DomainActor(principal.subject, role, department=principal.department, township_code=township)


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
        if county.is_retired(village):  # old matters keep it; a new registration may not name it
            raise InvalidInput(f"村（社区）{village} 已撤并，不再受理新登记 (village {village} is retired)",
                               field="village_code", rule="village_active")


def check_department(county: County, code: str | None, field: str) -> None:
    if code is not None and county.department(code) is None:
        raise InvalidInput(f"未知的部门代码 (unknown department code {code!r})", field=field, rule="known_department")
    if code is not None and county.is_retired(code):
        raise InvalidInput(f"部门 {code} 已撤销 (department {code!r} is retired)", field=field, rule="department_active")


def phone_key(pseudonym: Pseudonymizer, phone: str | None) -> str | None:
    """The keyed hash the repeat hint finds a phone number by (its own namespace: not a person's pseudonym)."""
    return pseudonym(phone, namespace="phone") if phone else None


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


async def register(command: cmd.RegisterMatter, uow: PetitionUnitOfWork, actor: Actor, *, clock: Clock,
                   county: County, pseudonym: Pseudonymizer, group_threshold: int) -> Receipt:
    principal = actor.signed_in()
    domain_actor = actor_for(principal)
    check_township(county, command.township_code, command.village_code)
    principal.ensure_covers(command.township_code)
    check_department(county, command.accused_department, "accused_department")
    people = _petitioners(command.petitioners)
    # One pseudonym per person, from the most stable identifier given (ID number, else phone, else name).
    pseudonyms = [pseudonym(p.id_number or p.phone or p.name) for p in people]
    now = clock()
    async with uow:
        repo = uow.matters
        code = generate_lookup_code()
        code_taken = await repo.lock_people(pseudonyms, lookup_code=code)
        filed = await repo.filed_for_repeat(pseudonyms, command.category, command.subcategory)
        repeat_of = None
        if filed:
            key = RepeatKey(frozenset(pseudonyms), filed[0].key.category, filed[0].key.subcategory,
                            command.township_code, command.village_code)
            repeat_of = find_repeat(key, filed)
        while code_taken:  # 31^10 codes: a clash is rare, never fatal
            code = generate_lookup_code()
            code_taken = await repo.lookup_code_taken(code)
        matter = Matter.register(
            id=uuid4(), channel=command.channel, kind=command.kind, category=command.category,
            subcategory=command.subcategory, township_code=command.township_code, content=command.content,
            petitioners=people, pseudonyms=pseudonyms, headcount=command.headcount, actor=domain_actor, now=now,
            village_code=command.village_code, cadre_id=command.cadre_id,
            accused_department=command.accused_department, repeat_of=repeat_of, clocks=await repo.current_clocks(),
            group_threshold=group_threshold)
        repo.add(matter, lookup_code=code, phone_keys=[phone_key(pseudonym, p.phone) for p in people])
        await uow.commit()
    return matter.receipt(code)  # the only time the code is shown: only its hash is stored


# ----- actions on a matter -------------------------------------------------------------------------
async def load(repo: MatterRepository, matter_id: UUID, *, for_update: bool) -> Matter:
    matter = await repo.get(matter_id, for_update=for_update)
    if matter is None:
        raise NotFound(f"信访事项不存在 (matter {matter_id} not found)", field="matter_id", rule="exists")
    return matter


async def act(command: cmd.Act, uow: PetitionUnitOfWork, actor: Actor, *, clock: Clock, county: County) -> Matter:
    """Run one business action (assign, accept, reply, ...) on a matter, as the signed-in person."""
    principal = actor.signed_in()
    domain_actor = actor_for(principal)
    if command.action not in cmd.ACTIONS:
        raise InvalidInput(f"未知操作 (unknown action {command.action})", field="action", rule="one_of")
    if command.action == "assign":
        check_department(county, command.args.get("department"), "department")
    now = clock()
    async with uow:
        matter = await load(uow.matters, command.matter_id, for_update=True)
        require_view(principal, matter)
        getattr(matter, command.action)(**command.args, actor=domain_actor, now=now)
        await uow.commit()
    return matter


class ReceiptMismatch(NotFound):
    """Wrong lookup code or phone digits (counted against the code, and against the client by the edge)."""


def _mismatch() -> ReceiptMismatch:
    return ReceiptMismatch("查询码或手机号后四位不正确 (lookup code or phone digits do not match)",
                           field="lookup_code", rule="receipt_match")


async def public_act(command: cmd.PublicAct, uow: PetitionUnitOfWork, actor: Actor, *, clock: Clock) -> Matter:
    """The person rates or asks for 复查/复核 with the receipt code and their phone's last 4 digits.

    Wrong answers are counted per matter in PostgreSQL (`domain.receipt_access`): the failure is
    committed before the refusal is raised, and the matter's row lock serialises attempts on one code.
    """
    if command.action not in cmd.PUBLIC_ACTIONS:
        raise InvalidInput(f"未知操作 (unknown action {command.action})", field="action", rule="one_of")
    code = normalize_lookup_code(command.lookup_code)
    now = clock()
    async with uow:
        repo = uow.matters
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
        matter = await load(repo, matter_id, for_update=True)
        getattr(matter, command.action)(**command.args, actor=DomainActor(who, Role.petitioner), now=now)
        await uow.commit()
    return matter


async def hash_clear_lookup_codes(command: cmd.HashClearLookupCodes, uow: PetitionUnitOfWork, actor: Actor) -> int:
    """Start-up step after migration 0002: codes stored in clear by older versions become hashes."""
    async with uow:
        done = await uow.matters.hash_clear_lookup_codes()
        await uow.commit()
    return done


async def flag_deadlines(command: cmd.FlagDeadlines, uow: PetitionUnitOfWork, actor: Actor, *,
                         clock: Clock) -> frozenset[str]:
    """The watcher's step for one matter: announce each newly approaching / overdue deadline once."""
    async with uow:
        matter = await load(uow.matters, command.matter_id, for_update=True)
        matter.flag_deadlines(clock())
        await uow.commit()
    return frozenset(key for e in uow.last_published if (key := getattr(e, "alert_key", None)) is not None)
