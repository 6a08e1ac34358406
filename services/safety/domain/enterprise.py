"""The enterprise aggregate (企业台账): register entry, safety permit, operating status.

Suspension (停产停业整顿) and the permit move together: a fatal accident or a township order
collects the permit (收缴), a refused order or a major hazard suspends it (暂扣). Production
resumes, and the permit returns, only on a passed re-inspection dated after the suspension.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from minqing_kit.errors import Conflict, IllegalTransition, InvalidInput

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

if TYPE_CHECKING:
    from .inspection import Inspection

OS = OperatingStatus
P = PermitStatus

#: What each suspension reason does to the permit.
PERMIT_ON_SUSPENSION = {
    SuspensionReason.fatal_accident: P.collected,
    SuspensionReason.township_order: P.collected,
    SuspensionReason.penalty_refusal: P.suspended,
    SuspensionReason.major_hazard: P.suspended,
}

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

    def resume(self, reinspection: Inspection, *, actor: str, now: datetime) -> None:
        """Only after a passed re-inspection of this enterprise, made after the suspension began."""
        self._begin("resume", actor, now)
        assert self.suspended_at is not None
        if self.permit is not None and self.permit.status is P.revoked:
            raise Conflict("许可证已吊销，不能复产 (the permit is revoked)", field="permit", rule="permit_not_revoked")
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
        suspended_at = self.suspended_at
        self._audit("resume", OS.operating, actor, now, f"inspection={reinspection.id}")
        self.operating_status, self.suspended_at = OS.operating, None
        self.suspension_reasons.clear()
        self.record(ev.EnterpriseResumed, now, resumed_at=now, suspended_at=suspended_at)
        self._permit_to(P.valid, now, allow_lower=True)

    def close(self, *, actor: str, now: datetime, note: str = "") -> None:
        """关闭 (after a §113 proposal is decided by the government); the permit is revoked."""
        self._begin("close", actor, now)
        self._audit("close", OS.closed, actor, now, note)
        self.operating_status = OS.closed
        self._permit_to(P.revoked, now)

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
