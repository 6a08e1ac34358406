"""All SQL of the safety service: load aggregates (FOR UPDATE), save them, and the read-side queries.

`SafetyRepository` is what handlers may ask (the in-memory one is in `tests/unit/safety/fakes.py`);
`PgSafetyRepository` is bound to one connection (the unit of work's). Aggregates it loads or is given
(`add`) are tracked (the kit's `Repository.seen`): the unit of work saves them and publishes their
events at commit. It remembers how many audit entries each aggregate had when loaded, so saving
appends only the new ones. The read-side queries (lists, details) are here too, untracked.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import InvalidInput, NotFound
from minqing_kit.uow import Repository, Tracked
from services.safety.domain import events as ev
from services.safety.domain._guards import AuditEntry
from services.safety.domain.accident import Accident
from services.safety.domain.enterprise import Enterprise, SafetyPermit
from services.safety.domain.enums import (
    AccidentGrade,
    EnterpriseSize,
    HazardLevel,
    HazardStatus,
    Industry,
    InspectionKind,
    InvestigationNature,
    OperatingStatus,
    PermitStatus,
    SuspensionReason,
)
from services.safety.domain.hazard import Hazard
from services.safety.domain.inspection import Finding, Inspection
from services.safety.domain.overdue import overdue_key
from services.safety.domain.penalty import RULES, Penalty
from services.safety.domain.plan import PlanPart, RectificationPlan
from services.safety.domain.resumption import ResumptionAcceptance


def _audit(rows: Sequence[asyncpg.Record]) -> list[AuditEntry]:
    return [AuditEntry(r["at"], r["actor"], r["action"], r["from_status"], r["to_status"], r["note"]) for r in rows]


class SafetyRepository(Repository[Any], abc.ABC):
    """Enterprises, inspections, hazards, penalties, accidents and acceptances: the write side.

    `get_*` track what they return; `add(aggregate, **extra)` tracks a new one with what its insert
    needs (`actor`, `legal_rep_name`/`legal_rep_phone`, `hazard_ids`, `township_code`).
    """

    def add(self, aggregate: Any, **extra: Any) -> Any:
        return self._added(aggregate, **extra)

    @abc.abstractmethod
    async def credit_code_taken(self, credit_code: str) -> bool: ...

    @abc.abstractmethod
    async def get_enterprise(self, enterprise_id: UUID, *, for_update: bool = True) -> Enterprise: ...

    @abc.abstractmethod
    async def enterprises_for_order(self, township_code: str, industry: str) -> list[Enterprise]: ...

    @abc.abstractmethod
    async def get_inspection(self, inspection_id: UUID) -> Inspection:
        """A plain read (inspections never change once recorded)."""

    @abc.abstractmethod
    async def get_hazard(self, hazard_id: UUID, *, for_update: bool = True) -> Hazard: ...

    @abc.abstractmethod
    async def open_hazards_found_before(self, township_code: str, before: datetime, *,
                                        for_update: bool = True) -> list[Hazard]:
        """Hazards of the township not closed and found before `before` (回头看); tracked when locked."""

    @abc.abstractmethod
    async def overdue_candidates(self, at: datetime, limit: int = 500) -> list[Hazard]: ...

    @abc.abstractmethod
    async def claim_overdue(self, hazard_id: UUID, at: datetime) -> bool: ...

    @abc.abstractmethod
    async def get_penalty(self, penalty_id: UUID, *, for_update: bool = True) -> Penalty: ...

    @abc.abstractmethod
    async def penalties_of(self, enterprise_id: UUID) -> list[Penalty]:
        """A plain read."""

    @abc.abstractmethod
    async def get_accident(self, accident_id: UUID, *, for_update: bool = True) -> Accident: ...

    @abc.abstractmethod
    async def accidents_of(self, enterprise_id: UUID) -> list[Accident]:
        """A plain read."""


class PgSafetyRepository(SafetyRepository):
    def __init__(self, conn: asyncpg.Connection, cipher: PiiCipher | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.conn = conn
        self.cipher = cipher
        self.clock = clock
        self._audit_seen: dict[UUID, int] = {}

    async def save(self, tracked: Tracked[Any]) -> None:
        """Insert a new aggregate or write a changed one (`updated_at` is the clock's now)."""
        agg, x = tracked.aggregate, tracked.extra
        now = self.clock() if self.clock is not None else datetime.now(UTC)
        if isinstance(agg, Enterprise):
            if tracked.new:
                await self.add_enterprise(agg, legal_rep_name=x.get("legal_rep_name"),
                                          legal_rep_phone=x.get("legal_rep_phone"))
            else:
                await self.save_enterprise(agg, now=now)
        elif isinstance(agg, Inspection):
            if not tracked.new:
                raise ValueError("an inspection is recorded once and never changed")
            await self.add_inspection(agg, x.get("hazard_ids", {}), actor=x["actor"], now=now)
        elif isinstance(agg, Hazard):
            if tracked.new:
                await self.add_hazard(agg)
            else:
                await self.save_hazard(agg, now=now, campaign_id=x.get("campaign_id"))
        elif isinstance(agg, Penalty):
            if tracked.new:
                await self.add_penalty(agg, township_code=x["township_code"], actor=x["actor"])
            else:
                await self.save_penalty(agg)
        elif isinstance(agg, Accident):
            if tracked.new:
                await self.add_accident(agg, actor=x["actor"])
            else:
                await self.close_investigation(agg, actor=x["actor"])
        elif isinstance(agg, ResumptionAcceptance):
            await self.add_acceptance(agg, actor=x["actor"], now=now)
        else:
            raise TypeError(f"cannot save {type(agg).__name__}")

    # ----- audit --------------------------------------------------------------------------------
    async def _load_audit(self, aggregate_id: UUID) -> list[AuditEntry]:
        rows = await self.conn.fetch(
            "SELECT at, actor, action, from_status, to_status, note FROM audit_trail WHERE aggregate_id = $1 "
            "ORDER BY id", aggregate_id)
        self._audit_seen[aggregate_id] = len(rows)
        return _audit(rows)

    async def _save_audit(self, kind: str, aggregate_id: UUID, enterprise_id: UUID, audit: list[AuditEntry]) -> None:
        new = audit[self._audit_seen.get(aggregate_id, 0):]
        if new:
            await self.conn.executemany(
                "INSERT INTO audit_trail (aggregate_type, aggregate_id, enterprise_id, at, actor, action, from_status,"
                " to_status, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                [(kind, aggregate_id, enterprise_id, a.at, a.actor, a.action, str(a.from_status), str(a.to_status),
                  a.note) for a in new])
        self._audit_seen[aggregate_id] = len(audit)

    # ----- enterprises --------------------------------------------------------------------------
    async def credit_code_taken(self, credit_code: str) -> bool:
        return bool(await self.conn.fetchval("SELECT 1 FROM enterprises WHERE credit_code = $1", credit_code))

    async def get_enterprise(self, enterprise_id: UUID, *, for_update: bool = True) -> Enterprise:
        row = await self.conn.fetchrow(
            "SELECT e.*, p.number, p.valid_from, p.valid_until, p.status AS permit_status FROM enterprises e "
            "LEFT JOIN permits p ON p.enterprise_id = e.id WHERE e.id = $1"
            + (" FOR UPDATE OF e" if for_update else ""), enterprise_id)
        if row is None:
            raise NotFound(f"企业不存在 (no enterprise {enterprise_id})", field="enterprise_id", rule="exists")
        return self._loaded(await self._enterprise(row))

    async def enterprises_for_order(self, township_code: str, industry: str) -> list[Enterprise]:
        rows = await self.conn.fetch(
            "SELECT e.*, p.number, p.valid_from, p.valid_until, p.status AS permit_status FROM enterprises e "
            "LEFT JOIN permits p ON p.enterprise_id = e.id WHERE e.township_code = $1 AND e.industry = $2 "
            "AND e.operating_status = 'operating' ORDER BY e.id FOR UPDATE OF e", township_code, industry)
        return [self._loaded(await self._enterprise(r)) for r in rows]

    async def _enterprise(self, row: asyncpg.Record) -> Enterprise:
        permit = None
        if row["number"] is not None:
            permit = SafetyPermit(row["number"], row["valid_from"], row["valid_until"],
                                  PermitStatus(row["permit_status"]))
        return Enterprise(
            id=row["id"], name=row["name"], credit_code=row["credit_code"], township_code=row["township_code"],
            industry=Industry(row["industry"]), size=EnterpriseSize(row["size"]), permit=permit,
            registered_at=row["registered_at"], operating_status=OperatingStatus(row["operating_status"]),
            suspended_at=row["suspended_at"],
            suspension_reasons={SuspensionReason(r) for r in row["suspension_reasons"]},
            closure_proposed_at=row["closure_proposed_at"], audit=await self._load_audit(row["id"]),
        )

    async def add_enterprise(self, ent: Enterprise, *, legal_rep_name: str | None = None,
                             legal_rep_phone: str | None = None) -> None:
        enc = self.cipher.encrypt if self.cipher else (lambda v: v)
        await self.conn.execute(
            "INSERT INTO enterprises (id, name, credit_code, township_code, industry, size, registered_at,"
            " operating_status, legal_rep_name_enc, legal_rep_phone_enc, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7)",
            ent.id, ent.name, ent.credit_code, ent.township_code, ent.industry.value, ent.size.value,
            ent.registered_at, ent.operating_status.value, enc(legal_rep_name), enc(legal_rep_phone))
        await self.save_enterprise(ent, now=ent.registered_at)

    async def save_enterprise(self, ent: Enterprise, *, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE enterprises SET operating_status = $2, suspended_at = $3, suspension_reasons = $4,"
            " closure_proposed_at = $5, updated_at = $6 WHERE id = $1",
            ent.id, ent.operating_status.value, ent.suspended_at, sorted(r.value for r in ent.suspension_reasons),
            ent.closure_proposed_at, now)
        if ent.permit is not None:
            p = ent.permit
            await self.conn.execute(
                "INSERT INTO permits (enterprise_id, number, valid_from, valid_until, status) VALUES ($1,$2,$3,$4,$5)"
                " ON CONFLICT (enterprise_id) DO UPDATE SET status = EXCLUDED.status",
                ent.id, p.number, p.valid_from, p.valid_until, p.status.value)
        for e in ent.events:
            if isinstance(e, ev.EnterpriseSuspended):
                await self.conn.execute(
                    "INSERT INTO suspensions (enterprise_id, reason, suspended_at) VALUES ($1, $2, $3)",
                    ent.id, e.reason.value, e.suspended_at)
            elif isinstance(e, ev.EnterpriseResumed):
                note = next((a.note for a in reversed(ent.audit) if a.action == "resume"), "")
                kind, _, ref = note.partition("=")
                inspection = UUID(ref) if kind == "inspection" else None
                acceptance = UUID(ref) if kind == "acceptance" else None
                await self.conn.execute(
                    "UPDATE suspensions SET resumed_at = $2, resumed_on_inspection = $3, resumed_on_acceptance = $4"
                    " WHERE enterprise_id = $1 AND resumed_at IS NULL", ent.id, e.resumed_at, inspection, acceptance)
            elif isinstance(e, ev.ClosureDecided):
                note = next((a.note for a in reversed(ent.audit) if a.action in ("close", "reject_closure")), "")
                actor = next((a.actor for a in reversed(ent.audit) if a.action in ("close", "reject_closure")), "")
                await self.conn.execute(
                    "INSERT INTO closure_decisions (enterprise_id, proposed_at, decided_at, approved, reason,"
                    " decided_by) VALUES ($1, $2, $3, $4, $5, $6)",
                    ent.id, e.proposed_at, e.decided_at, e.approved, note, actor)
        await self._save_audit("enterprise", ent.id, ent.id, ent.audit)

    async def list_enterprises(self, *, scope: str, township_code: str | None, industry: str | None,
                               status: str | None, page: int, page_size: int,
                               sort: str = "registered_at") -> tuple[int, list[dict[str, Any]]]:
        column = _ENTERPRISE_SORT.get(sort.removeprefix("-"))
        if column is None:
            raise InvalidInput(f"不支持的排序 (unknown sort key {sort!r})", field="sort", rule="known_sort")
        order = f"{column} {'DESC' if sort.startswith('-') else 'ASC'} NULLS LAST, e.id"
        where, args = _scope_filter("e.township_code", scope, township_code)
        if industry:
            args.append(industry)
            where.append(f"e.industry = ${len(args)}")
        if status:
            args.append(status)
            where.append(f"e.operating_status = ${len(args)}")
        sql_where = " AND ".join(where)
        total = await self.conn.fetchval(f"SELECT count(*) FROM enterprises e WHERE {sql_where}", *args)
        rows = await self.conn.fetch(
            "SELECT e.id, e.name, e.credit_code, e.township_code, e.industry, e.size, e.operating_status,"
            " e.registered_at, e.suspended_at, e.closure_proposed_at, p.number AS permit_number,"
            " p.status AS permit_status, p.valid_until AS permit_valid_until"
            f" FROM enterprises e LEFT JOIN permits p ON p.enterprise_id = e.id WHERE {sql_where}"
            f" ORDER BY {order} LIMIT {page_size} OFFSET {(page - 1) * page_size}", *args)
        return total, [dict(r) for r in rows]

    async def enterprise_view(self, enterprise_id: UUID) -> dict[str, Any]:
        row = await self.conn.fetchrow(
            "SELECT e.id, e.name, e.credit_code, e.township_code, e.industry, e.size, e.operating_status,"
            " e.registered_at, e.suspended_at, e.suspension_reasons, e.closure_proposed_at,"
            " e.legal_rep_name_enc, e.legal_rep_phone_enc, p.number AS permit_number, p.status AS permit_status,"
            " p.valid_from AS permit_valid_from, p.valid_until AS permit_valid_until"
            " FROM enterprises e LEFT JOIN permits p ON p.enterprise_id = e.id WHERE e.id = $1", enterprise_id)
        if row is None:
            raise NotFound(f"企业不存在 (no enterprise {enterprise_id})", field="enterprise_id", rule="exists")
        out = dict(row)
        dec = self.cipher.decrypt if self.cipher else (lambda v: v)
        out["legal_representative"] = dec(out.pop("legal_rep_name_enc"))
        out["legal_representative_phone"] = dec(out.pop("legal_rep_phone_enc"))
        out["history"] = [dict(r) for r in await self.conn.fetch(
            "SELECT aggregate_type, aggregate_id, at, actor, action, from_status, to_status, note FROM audit_trail"
            " WHERE enterprise_id = $1 ORDER BY id", enterprise_id)]
        out["inspections"] = [dict(r) for r in await self.conn.fetch(
            "SELECT id, kind, inspected_at, passed FROM inspections WHERE enterprise_id = $1 ORDER BY inspected_at",
            enterprise_id)]
        out["hazards"] = [dict(r) for r in await self.conn.fetch(
            "SELECT id, level, status, deadline, found_at, closed_at FROM hazards WHERE enterprise_id = $1"
            " ORDER BY found_at", enterprise_id)]
        out["penalties"] = [dict(r) for r in await self.conn.fetch(
            "SELECT id, hazard_id, rule_code, amount_yuan, decided_at, publish_due_on, published_at, refused_at"
            " FROM penalties WHERE enterprise_id = $1 ORDER BY decided_at", enterprise_id)]
        out["suspensions"] = [dict(r) for r in await self.conn.fetch(
            "SELECT reason, suspended_at, resumed_at, resumed_on_inspection, resumed_on_acceptance FROM suspensions WHERE enterprise_id = $1"
            " ORDER BY id", enterprise_id)]
        out["accidents"] = [dict(r) for r in await self.conn.fetch(
            "SELECT id, occurred_at, reported_at, deaths, serious_injuries, direct_loss_yuan, grade, late_report,"
            " investigation_closed_at, investigation_nature, investigation_conclusion"
            " FROM accidents WHERE enterprise_id = $1 ORDER BY occurred_at", enterprise_id)]
        out["resumption_acceptances"] = [dict(r) for r in await self.conn.fetch(
            "SELECT id, checked_at, passed, note, recorded_at FROM resumption_acceptances WHERE enterprise_id = $1"
            " ORDER BY checked_at, id", enterprise_id)]
        out["closure_decisions"] = [dict(r) for r in await self.conn.fetch(
            "SELECT proposed_at, decided_at, approved, reason FROM closure_decisions WHERE enterprise_id = $1"
            " ORDER BY id", enterprise_id)]
        return out

    async def closure_proposals(self, *, scope: str, township_code: str | None) -> list[dict[str, Any]]:
        where, args = _scope_filter("township_code", scope, township_code)
        rows = await self.conn.fetch(
            "SELECT id, name, township_code, industry, operating_status, closure_proposed_at FROM enterprises"
            f" WHERE closure_proposed_at IS NOT NULL AND {' AND '.join(where)} ORDER BY closure_proposed_at", *args)
        return [dict(r) for r in rows]

    # ----- inspections --------------------------------------------------------------------------
    async def add_inspection(self, insp: Inspection, hazard_ids: dict[int, UUID], *, actor: str,
                             now: datetime) -> None:
        people = json.dumps(list(insp.inspectors), ensure_ascii=False)
        await self.conn.execute(
            "INSERT INTO inspections (id, enterprise_id, township_code, kind, inspectors_enc, inspected_at, passed,"
            " recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            insp.id, insp.enterprise_id, insp.township_code, insp.kind.value,
            self.cipher.encrypt(people) if self.cipher else people, insp.inspected_at, insp.passed, actor, now)
        await self.conn.executemany(
            "INSERT INTO checklist_results (inspection_id, item, passed) VALUES ($1, $2, $3)",
            [(insp.id, item, ok) for item, ok in insp.results.items()])
        await self.conn.executemany(
            "INSERT INTO findings (inspection_id, position, description, item, hazard_id) VALUES ($1,$2,$3,$4,$5)",
            [(insp.id, i, f.description, f.item, hazard_ids.get(i)) for i, f in enumerate(insp.findings)])

    async def get_inspection(self, inspection_id: UUID) -> Inspection:
        row = await self.conn.fetchrow("SELECT * FROM inspections WHERE id = $1", inspection_id)
        if row is None:
            raise NotFound(f"检查记录不存在 (no inspection {inspection_id})", field="inspection_id", rule="exists")
        results = {r["item"]: r["passed"] for r in await self.conn.fetch(
            "SELECT item, passed FROM checklist_results WHERE inspection_id = $1", inspection_id)}
        findings = tuple(Finding(r["description"], r["item"]) for r in await self.conn.fetch(
            "SELECT description, item FROM findings WHERE inspection_id = $1 ORDER BY position", inspection_id))
        people = self.cipher.decrypt(row["inspectors_enc"]) if self.cipher else row["inspectors_enc"]
        return Inspection(id=row["id"], enterprise_id=row["enterprise_id"], township_code=row["township_code"],
                          kind=InspectionKind(row["kind"]), inspectors=tuple(json.loads(people or "[]")),
                          inspected_at=row["inspected_at"], results=results, findings=findings)

    # ----- hazards ------------------------------------------------------------------------------
    async def get_hazard(self, hazard_id: UUID, *, for_update: bool = True) -> Hazard:
        row = await self.conn.fetchrow(
            "SELECT * FROM hazards WHERE id = $1" + (" FOR UPDATE" if for_update else ""), hazard_id)
        if row is None:
            raise NotFound(f"隐患不存在 (no hazard {hazard_id})", field="hazard_id", rule="exists")
        return self._loaded(await self._hazard(row))

    async def hazards_where(self, sql_where: str, *args: Any, lock: str = "FOR UPDATE") -> list[Hazard]:
        """Locked hazards are tracked (a command may change them); unlocked ones are a plain read."""
        rows = await self.conn.fetch(f"SELECT * FROM hazards WHERE {sql_where} ORDER BY deadline, id {lock}", *args)
        hazards = [await self._hazard(r) for r in rows]
        return [self._loaded(h) for h in hazards] if "FOR UPDATE" in lock else hazards

    async def open_hazards_found_before(self, township_code: str, before: datetime, *,
                                        for_update: bool = True) -> list[Hazard]:
        return await self.hazards_where("township_code = $1 AND status <> 'closed' AND found_at < $2",
                                        township_code, before, lock="FOR UPDATE" if for_update else "")

    async def _hazard(self, row: asyncpg.Record) -> Hazard:
        plan = None
        if row["plan"] is not None:
            plan = RectificationPlan(parts={PlanPart(k): v for k, v in row["plan"].items()})
        return Hazard(
            id=row["id"], enterprise_id=row["enterprise_id"], township_code=row["township_code"],
            industry=Industry(row["industry"]), inspection_id=row["inspection_id"], level=HazardLevel(row["level"]),
            description=row["description"], requirement=row["requirement"], deadline=row["deadline"],
            found_at=row["found_at"], status=HazardStatus(row["status"]), plan=plan,
            plan_submitted_at=row["plan_submitted_at"], reported_at=row["reported_at"],
            evidence=tuple(row["evidence"]), reinspected_at=row["reinspected_at"], closed_at=row["closed_at"],
            penalty_ids=list(row["penalty_ids"]), overdue_notified_at=row["overdue_notified_at"],
            audit=await self._load_audit(row["id"]),
        )

    async def add_hazard(self, hz: Hazard) -> None:
        await self.conn.execute(
            "INSERT INTO hazards (id, enterprise_id, township_code, industry, inspection_id, level, description,"
            " requirement, deadline, found_at, status, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$10)",
            hz.id, hz.enterprise_id, hz.township_code, hz.industry.value, hz.inspection_id, hz.level.value,
            hz.description, hz.requirement, hz.deadline, hz.found_at, hz.status.value)
        await self._save_audit("hazard", hz.id, hz.enterprise_id, hz.audit)

    async def save_hazard(self, hz: Hazard, *, now: datetime, campaign_id: UUID | None = None) -> None:
        plan = {p.value: text for p, text in hz.plan.parts.items()} if hz.plan else None
        await self.conn.execute(
            "UPDATE hazards SET status = $2, plan = $3, plan_submitted_at = $4, reported_at = $5, evidence = $6,"
            " reinspected_at = $7, closed_at = $8, penalty_ids = $9, overdue_notified_at = $10, updated_at = $11"
            " WHERE id = $1",
            hz.id, hz.status.value, plan, hz.plan_submitted_at, hz.reported_at, list(hz.evidence),
            hz.reinspected_at, hz.closed_at, hz.penalty_ids, hz.overdue_notified_at, now)
        for a in hz.audit[self._audit_seen.get(hz.id, 0):]:
            if a.action == "report_rectification":
                await self.conn.execute(
                    "INSERT INTO rectification_reports (hazard_id, reported_at, evidence, actor) VALUES ($1,$2,$3,$4)",
                    hz.id, a.at, list(hz.evidence), a.actor)
            elif a.action == "reinspect":
                await self.conn.execute(
                    "INSERT INTO reinspections (hazard_id, reinspected_at, passed, note, campaign_id, actor)"
                    " VALUES ($1, $2, $3, $4, $5, $6)",
                    hz.id, a.at, a.to_status == HazardStatus.closed, a.note, campaign_id, a.actor)
        await self._save_audit("hazard", hz.id, hz.enterprise_id, hz.audit)

    async def list_hazards(self, *, scope: str, township_code: str | None, level: str | None, status: str | None,
                           enterprise_id: UUID | None, overdue_at: datetime | None, page: int,
                           page_size: int) -> tuple[int, list[dict[str, Any]]]:
        where, args = _scope_filter("township_code", scope, township_code)
        for column, value in (("level", level), ("status", status), ("enterprise_id", enterprise_id)):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        if overdue_at is not None:
            args.append(overdue_at)
            where.append(f"status <> 'closed' AND deadline < ${len(args)}")
        sql_where = " AND ".join(where)
        total = await self.conn.fetchval(f"SELECT count(*) FROM hazards WHERE {sql_where}", *args)
        rows = await self.conn.fetch(
            "SELECT id, enterprise_id, township_code, industry, inspection_id, level, description, requirement,"
            " deadline, found_at, status, plan_submitted_at, reported_at, evidence, reinspected_at, closed_at,"
            f" penalty_ids, overdue_notified_at FROM hazards WHERE {sql_where} ORDER BY deadline, id"
            f" LIMIT {page_size} OFFSET {(page - 1) * page_size}", *args)
        return total, [dict(r) for r in rows]

    async def hazard_view(self, hazard_id: UUID) -> dict[str, Any]:
        row = await self.conn.fetchrow("SELECT * FROM hazards WHERE id = $1", hazard_id)
        if row is None:
            raise NotFound(f"隐患不存在 (no hazard {hazard_id})", field="hazard_id", rule="exists")
        out = dict(row)
        out["history"] = [dict(r) for r in await self.conn.fetch(
            "SELECT at, actor, action, from_status, to_status, note FROM audit_trail WHERE aggregate_id = $1"
            " ORDER BY id", hazard_id)]
        return out

    # ----- overdue watcher ----------------------------------------------------------------------
    async def overdue_candidates(self, at: datetime, limit: int = 500) -> list[Hazard]:
        """Open, not yet notified, past deadline; locked SKIP LOCKED so two watchers never collide."""
        return await self.hazards_where(
            "status <> 'closed' AND overdue_notified_at IS NULL AND deadline < $1 AND id NOT IN"
            " (SELECT hazard_id FROM overdue_notifications)", at, lock=f"LIMIT {limit} FOR UPDATE SKIP LOCKED")

    async def claim_overdue(self, hazard_id: UUID, at: datetime) -> bool:
        """Store the hazard's once-only key; False if another run already did (the event is not sent)."""
        done = await self.conn.fetchval(
            "INSERT INTO overdue_notifications (key, hazard_id, notified_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (key) DO NOTHING RETURNING key", overdue_key(hazard_id), hazard_id, at)
        return done is not None

    # ----- penalties ----------------------------------------------------------------------------
    async def get_penalty(self, penalty_id: UUID, *, for_update: bool = True) -> Penalty:
        row = await self.conn.fetchrow(
            "SELECT * FROM penalties WHERE id = $1" + (" FOR UPDATE" if for_update else ""), penalty_id)
        if row is None:
            raise NotFound(f"处罚决定不存在 (no penalty {penalty_id})", field="penalty_id", rule="exists")
        return self._loaded(_penalty(row))

    async def penalties_of(self, enterprise_id: UUID) -> list[Penalty]:
        rows = await self.conn.fetch("SELECT * FROM penalties WHERE enterprise_id = $1 ORDER BY decided_at",
                                     enterprise_id)
        return [_penalty(r) for r in rows]

    async def add_penalty(self, p: Penalty, *, township_code: str, actor: str) -> None:
        await self.conn.execute(
            "INSERT INTO penalties (id, enterprise_id, township_code, hazard_id, hazard_level, rule_code, amount_yuan,"
            " decided_at, publish_due_on, decided_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            p.id, p.enterprise_id, township_code, p.hazard_id, p.hazard_level.value if p.hazard_level else None,
            p.rule.code, p.amount_yuan, p.decided_at, p.publish_due_on, actor)

    async def save_penalty(self, p: Penalty) -> None:
        await self.conn.execute("UPDATE penalties SET published_at = $2, refused_at = $3 WHERE id = $1",
                                p.id, p.published_at, p.refused_at)

    async def publication_due(self, *, scope: str, township_code: str | None) -> list[dict[str, Any]]:
        where, args = _scope_filter("township_code", scope, township_code)
        rows = await self.conn.fetch(
            "SELECT id, enterprise_id, township_code, hazard_id, rule_code, amount_yuan, decided_at, publish_due_on"
            f" FROM penalties WHERE published_at IS NULL AND {' AND '.join(where)} ORDER BY publish_due_on, id",
            *args)
        return [dict(r) for r in rows]

    # ----- accidents ----------------------------------------------------------------------------
    async def add_accident(self, acc: Accident, *, actor: str) -> None:
        await self.conn.execute(
            "INSERT INTO accidents (id, enterprise_id, township_code, occurred_at, reported_at, deaths,"
            " serious_injuries, direct_loss_yuan, grade, late_report, recorded_by)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            acc.id, acc.enterprise_id, acc.township_code, acc.occurred_at, acc.reported_at, acc.deaths,
            acc.serious_injuries, acc.direct_loss_yuan, acc.grade.value, acc.late_report, actor)

    async def get_accident(self, accident_id: UUID, *, for_update: bool = True) -> Accident:
        row = await self.conn.fetchrow(
            "SELECT * FROM accidents WHERE id = $1" + (" FOR UPDATE" if for_update else ""), accident_id)
        if row is None:
            raise NotFound(f"事故不存在 (no accident {accident_id})", field="accident_id", rule="exists")
        return self._loaded(_accident(row))

    async def accidents_of(self, enterprise_id: UUID) -> list[Accident]:
        rows = await self.conn.fetch("SELECT * FROM accidents WHERE enterprise_id = $1 ORDER BY occurred_at, id",
                                     enterprise_id)
        return [_accident(r) for r in rows]

    async def close_investigation(self, acc: Accident, *, actor: str) -> None:
        await self.conn.execute(
            "UPDATE accidents SET investigation_closed_at = $2, investigation_nature = $3,"
            " investigation_conclusion = $4, investigation_closed_by = $5 WHERE id = $1",
            acc.id, acc.investigation_closed_at,
            acc.investigation_nature.value if acc.investigation_nature else None, acc.investigation_conclusion,
            actor)

    # ----- 复产验收 -----------------------------------------------------------------------------
    async def add_acceptance(self, acc: ResumptionAcceptance, *, actor: str, now: datetime) -> None:
        people = json.dumps(list(acc.inspectors), ensure_ascii=False)
        await self.conn.execute(
            "INSERT INTO resumption_acceptances (id, enterprise_id, township_code, checked_at, passed,"
            " inspectors_enc, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            acc.id, acc.enterprise_id, acc.township_code, acc.checked_at, acc.passed,
            self.cipher.encrypt(people) if self.cipher else people, acc.note, actor, now)

    async def list_accidents(self, *, scope: str, township_code: str | None) -> list[dict[str, Any]]:
        where, args = _scope_filter("township_code", scope, township_code)
        rows = await self.conn.fetch(
            "SELECT id, enterprise_id, township_code, occurred_at, reported_at, deaths, serious_injuries,"
            " direct_loss_yuan, grade, late_report, investigation_closed_at, investigation_nature"
            f" FROM accidents WHERE {' AND '.join(where)}"
            " ORDER BY occurred_at DESC, id", *args)
        return [dict(r) for r in rows]

    # ----- gauges -------------------------------------------------------------------------------
    async def gauge_counts(self, at: datetime) -> dict[str, list[asyncpg.Record]]:
        return {
            "open": await self.conn.fetch(
                "SELECT township_code, level, count(*) AS n FROM hazards WHERE status <> 'closed'"
                " GROUP BY township_code, level"),
            "overdue": await self.conn.fetch(
                "SELECT township_code, count(*) AS n FROM hazards WHERE status <> 'closed' AND deadline < $1"
                " AND NOT (status = 'rectification_reported' AND reported_at <= deadline)"
                " GROUP BY township_code", at),
            "suspended": await self.conn.fetch(
                "SELECT township_code, count(*) AS n FROM enterprises WHERE operating_status = 'suspended'"
                " GROUP BY township_code"),
        }


def _penalty(row: asyncpg.Record) -> Penalty:
    return Penalty(
        id=row["id"], enterprise_id=row["enterprise_id"], rule=RULES[row["rule_code"]],
        amount_yuan=row["amount_yuan"], decided_at=row["decided_at"], publish_due_on=row["publish_due_on"],
        hazard_id=row["hazard_id"], hazard_level=HazardLevel(row["hazard_level"]) if row["hazard_level"] else None,
        published_at=row["published_at"], refused_at=row["refused_at"],
    )


def _accident(row: asyncpg.Record) -> Accident:
    nature = row["investigation_nature"]
    return Accident(
        id=row["id"], enterprise_id=row["enterprise_id"], township_code=row["township_code"],
        occurred_at=row["occurred_at"], reported_at=row["reported_at"], deaths=row["deaths"],
        serious_injuries=row["serious_injuries"], direct_loss_yuan=row["direct_loss_yuan"],
        grade=AccidentGrade(row["grade"]), late_report=row["late_report"],
        investigation_closed_at=row["investigation_closed_at"],
        investigation_nature=InvestigationNature(nature) if nature else None,
        investigation_conclusion=row["investigation_conclusion"],
    )


#: the enterprise ledger's sort keys (the API's `sort`, without its "-") → their column.
_ENTERPRISE_SORT = {"registered_at": "e.registered_at", "name": "e.name", "credit_code": "e.credit_code",
                    "permit_valid_until": "p.valid_until"}


def _scope_filter(column: str, scope: str, township_code: str | None) -> tuple[list[str], list[Any]]:
    """Rows inside the caller's scope (a township, or the county by its 6-digit prefix), optionally
    narrowed to one township."""
    args: list[Any] = [scope[:9] if not scope.endswith("000000") else scope[:6]]
    where = [f"left({column}, {len(args[0])}) = $1"]
    if township_code:
        args.append(township_code)
        where.append(f"{column} = $2")
    return where, args

