"""The enterprise aggregate (企业台账): register entry, safety permit, operating status.

Suspension (停产停业整顿) and the permit move together: a fatal accident or a township order
collects the permit (收缴), a refused order or a major hazard suspends it (暂扣). Production
resumes, and the permit returns, only on a passed re-inspection dated after the suspension —
except after a fatal accident, where a township re-inspection is not enough: the accident's
investigation must be closed and a county 复产验收 passed (`resumption.accept_resumption`).
A §113 closure proposal is decided by the county government: approved, the enterprise is closed
(关闭) and its permit revoked (吊销); rejected, the proposal is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from minqing_kit.errors import BrokenInvariant, Conflict, Forbidden, IllegalTransition, InvalidInput

from . import events as ev
from ._guards import (
    AuditEntry,
    not_before,
    parse_enum,
    require_actor,
    require_aware,
    require_text,
    require_township,
)
from .credit_code import validate_credit_code
from .enums import EnterpriseSize, Industry, OperatingStatus, PermitStatus, SuspensionReason

OS = OperatingStatus
P = PermitStatus


class Reinspection(Protocol):
    """What a resumption reads of a re-inspection (`inspection.Inspection` satisfies it; the
    enterprise imports nothing of the inspection, which itself builds on the enterprise)."""

    @property
    def id(self) -> UUID: ...
    @property
    def enterprise_id(self) -> UUID: ...
    @property
    def inspected_at(self) -> datetime: ...
    @property
    def passed(self) -> bool: ...


#: What each suspension reason does to the permit.
PERMIT_ON_SUSPENSION = {
    SuspensionReason.fatal_accident: P.collected,
    SuspensionReason.township_order: P.collected,
    SuspensionReason.penalty_refusal: P.suspended,
    SuspensionReason.major_hazard: P.suspended,
}

#: Suspension reasons a township re-inspection cannot lift: they need the county's 复产验收
#: (after a fatal accident, the investigation closed first; see `resumption.py` and docs/safety.md).
NEEDS_COUNTY_ACCEPTANCE = frozenset({SuspensionReason.fatal_accident})

#: Legal basis carried by EnterpriseClosed when a §113 proposal is approved.
CLOSURE_BASIS = "安全生产法第113条"

#: Operating-status moves per action.
TRANSITIONS = {
    "suspend": frozenset({OS.operating, OS.suspended}),
    "resume": frozenset({OS.suspended}),
    "close": frozenset({OS.operating, OS.suspended}),
}


@dataclass(frozen=True)
class SafetyPermit:
    """安全生产许可证: number, validity (inclusive dates) and status."""

    number: str
    valid_from: date
    valid_until: date
    status: PermitStatus = P.valid

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", require_text(self.number, "permit.number", max_len=64))
        object.__setattr__(self, "status", parse_enum(PermitStatus, self.status, "permit.status"))
        if self.valid_until < self.valid_from:
            raise InvalidInput(
                "许可证有效期止须不早于起 (permit validity must not end before it starts)",
                field="permit.valid_until",
                rule="end_not_before_start",
            )

    def in_force(self, on: date) -> bool:
        return self.status is P.valid and self.valid_from <= on <= self.valid_until


@dataclass(eq=False)
class Enterprise:
    id: UUID
    name: str
    credit_code: str
    township_code: str
    industry: Industry
    size: EnterpriseSize
    permit: SafetyPermit | None  # some industries need none (e.g. most foundries)
    registered_at: datetime
    operating_status: OperatingStatus = OS.operating
    suspended_at: datetime | None = None
    suspension_reasons: set[SuspensionReason] = field(default_factory=set)
    closure_proposed_at: datetime | None = None
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        name: str,
        credit_code: str,
        township_code: str,
        industry: Industry | str,
        size: EnterpriseSize | str,
        permit: SafetyPermit | None,
        actor: str,
        now: datetime,
    ) -> Enterprise:
        require_aware(now, "now")
        ent = cls(
            id=id,
            name=require_text(name, "name", max_len=200),
            credit_code=validate_credit_code(credit_code),
            township_code=require_township(township_code),
            industry=parse_enum(Industry, industry, "industry"),
            size=parse_enum(EnterpriseSize, size, "size"),
            permit=permit,
            registered_at=now,
        )
        ent.audit.append(AuditEntry(now, require_actor(actor), "register", OS.operating, OS.operating))
        ent.record(
            ev.EnterpriseRegistered,
            now,
            size=ent.size,
            permit_status=ent.permit_status,
            operating_status=ent.operating_status,
            enterprise_name=ent.name[:100],  # the contract's label bound
        )
        return ent

    # ----- queries ------------------------------------------------------------------------------
    @property
    def permit_status(self) -> PermitStatus:
        """Contract events need a status; an enterprise without a permit reports `valid` (nothing held)."""
        return self.permit.status if self.permit else P.valid

    def allowed_actions(self) -> frozenset[str]:
        return frozenset(a for a, states in TRANSITIONS.items() if self.operating_status in states)

    # ----- suspension / resumption ----------------------------------------------------------------
    def suspend(self, reason: SuspensionReason | str, *, actor: str, now: datetime) -> None:
        """停产停业整顿. Already suspended: the new reason is added and the permit goes no lower,
        but no second EnterpriseSuspended is emitted (it is the same stop)."""
        reason = parse_enum(SuspensionReason, reason, "reason")
        self._begin("suspend", actor, now)
        if self.operating_status is OS.operating:
            self._audit("suspend", OS.suspended, actor, now, reason.value)
            self.operating_status, self.suspended_at = OS.suspended, now
            self.record(ev.EnterpriseSuspended, now, reason=reason, suspended_at=now)
        else:
            self._audit("suspend", OS.suspended, actor, now, reason.value)
        self.suspension_reasons.add(reason)
        self._permit_to(PERMIT_ON_SUSPENSION[reason], now)

    def resume(self, reinspection: Reinspection, *, actor: str, now: datetime) -> None:
        """Only after a passed re-inspection of this enterprise, made after the suspension began;
        never for a stop a township re-inspection cannot lift (a fatal accident's)."""
        self._begin("resume", actor, now)
        if self.suspended_at is None:
            raise BrokenInvariant("企业 (enterprise)", "suspended_at", "set_while_suspended")
        self._permit_not_revoked()
        county_only = sorted(r.value for r in self.suspension_reasons & NEEDS_COUNTY_ACCEPTANCE)
        if county_only:
            raise Conflict(
                "因亡人事故停产的企业，须事故调查结案并经县级复产验收合格方可复产"
                f" (stopped for {', '.join(county_only)}: resuming needs the accident investigation closed and"
                " a county resumption acceptance passed, not a re-inspection)",
                field="inspection_id",
                rule="county_resumption_acceptance_required",
            )
        if not (
            reinspection.enterprise_id == self.id
            and reinspection.passed
            and self.suspended_at <= reinspection.inspected_at <= now
        ):
            raise Conflict(
                "复产须有停产后复查合格的记录 (resuming needs a passed re-inspection after the suspension)",
                field="inspection_id",
                rule="passed_reinspection_required",
            )
        self._resumed(f"inspection={reinspection.id}", actor, now)

    def resume_on_acceptance(self, acceptance_id: UUID, *, actor: str, now: datetime) -> None:
        """Resume on a passed county 复产验收; `resumption.accept_resumption` checks the acceptance and
        the investigations first, so call it, not this."""
        self._begin("resume", actor, now)
        self._permit_not_revoked()
        self._resumed(f"acceptance={acceptance_id}", actor, now)

    def _permit_not_revoked(self) -> None:
        if self.permit is not None and self.permit.status is P.revoked:
            raise Conflict("许可证已吊销，不能复产 (the permit is revoked)", field="permit", rule="permit_not_revoked")

    def _resumed(self, note: str, actor: str, now: datetime) -> None:
        suspended_at = self.suspended_at
        if suspended_at is None:
            raise BrokenInvariant("企业 (enterprise)", "suspended_at", "set_while_suspended")
        self._audit("resume", OS.operating, actor, now, note)
        self.operating_status, self.suspended_at = OS.operating, None
        self.suspension_reasons.clear()
        self.record(ev.EnterpriseResumed, now, resumed_at=now, suspended_at=suspended_at)
        self._permit_to(P.valid, now, allow_lower=True)

    def close(self, *, actor: str, now: datetime, note: str = "") -> None:
        """关闭 (after a §113 proposal is decided by the government); the permit is revoked."""
        self._begin("close", actor, now)
        self._audit("close", OS.closed, actor, now, note)
        self.operating_status = OS.closed
        self.record(ev.EnterpriseClosed, now, closed_at=now, basis=CLOSURE_BASIS)
        self._permit_to(P.revoked, now)

    @property
    def closure_pending(self) -> bool:
        return self.closure_proposed_at is not None and self.operating_status is not OS.closed

    def decide_closure(self, *, approve: bool, reason: str, by_county: bool, actor: str, now: datetime) -> None:
        """安全生产法 §113: the county government (not the township, not the regulator alone) decides a
        closure proposal. Approved: closed, permit revoked. Rejected: the proposal is withdrawn; a
        later penalty that still meets the rule raises a new one."""
        if not by_county:
            raise Forbidden(
                "关闭决定须由县级人民政府作出 (a §113 closure is decided by the county government)",
                field="role",
                rule="county_government",
            )
        if not self.closure_pending:
            raise Conflict(
                "该企业没有待决定的关闭建议 (no pending §113 closure proposal for this enterprise)",
                field="enterprise_id",
                rule="closure_proposal_pending",
            )
        if not isinstance(approve, bool):
            raise InvalidInput("approve 须为是/否 (approve must be true/false)", field="approve", rule="bool")
        reason = require_text(reason, "reason", max_len=1000)
        require_actor(actor)
        require_aware(now, "now")
        not_before(now, self.audit[-1].at if self.audit else None)
        proposed_at = self.closure_proposed_at
        if proposed_at is None:
            raise BrokenInvariant("企业 (enterprise)", "closure_proposed_at", "set_while_closure_proposed")
        if now < proposed_at:
            raise InvalidInput("决定时间早于关闭建议 (decided before the proposal)", field="now",
                               rule="not_before_proposal")
        self.record(ev.ClosureDecided, now, approved=approve, proposed_at=proposed_at, decided_at=now)
        if approve:
            self.close(actor=actor, now=now, note=reason)
        else:
            self._audit("reject_closure", self.operating_status, actor, now, reason)
            self.closure_proposed_at = None

    def propose_closure(self, penalties_in_window: int, window_days: int, *, now: datetime) -> bool:
        """Record a §113 closure proposal once per enterprise; False if one was already raised."""
        require_aware(now, "now")
        if self.closure_proposed_at is not None or self.operating_status is OS.closed:
            return False
        self.closure_proposed_at = now
        self.record(ev.ClosureProposed, now, penalties_in_window=penalties_in_window, window_days=window_days)
        return True

    # ----- internals ----------------------------------------------------------------------------
    def _begin(self, action: str, actor: str, now: datetime) -> None:
        if self.operating_status not in TRANSITIONS[action]:
            raise IllegalTransition(
                "企业 (enterprise)", self.operating_status.value, action, self.allowed_actions()
            )
        require_actor(actor)
        require_aware(now, "now")
        not_before(now, self.audit[-1].at if self.audit else None)

    def _audit(self, action: str, to: OperatingStatus, actor: str, now: datetime, note: str = "") -> None:
        self.audit.append(AuditEntry(now, actor.strip(), action, self.operating_status, to, note))

    def _permit_to(self, to: PermitStatus, now: datetime, *, allow_lower: bool = False) -> None:
        """Permit status only gets more severe, unless a resumption returns it (never from revoked)."""
        if self.permit is None:
            return
        current = self.permit.status
        if to is current or current is P.revoked:
            return
        if to.severity < current.severity and not allow_lower:
            return
        self.permit = replace(self.permit, status=to)
        self.record(ev.PermitStatusChanged, now, from_status=current, to_status=to)

    def record(self, event_type: type[ev.DomainEvent], now: datetime, **fields: Any) -> None:
        self.events.append(
            event_type(
                occurred_at=now,
                township_code=self.township_code,
                enterprise_id=self.id,
                industry=self.industry,
                **fields,
            )
        )


def suspend_for_self_inspection(
    enterprises: Iterable[Enterprise], *, township_code: str, industry: Industry | str, actor: str, now: datetime
) -> list[Enterprise]:
    """A township's order: every operating enterprise of `industry` in the township stops for
    self-inspection and hands in its permit. Returns the enterprises it stopped."""
    township_code = require_township(township_code)
    industry = parse_enum(Industry, industry, "industry")
    hit = [
        e
        for e in enterprises
        if e.township_code == township_code and e.industry is industry and e.operating_status is OS.operating
    ]
    for e in hit:
        e.suspend(SuspensionReason.township_order, actor=actor, now=now)
    return hit
