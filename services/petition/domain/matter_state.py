"""State and bookkeeping of the Matter (信访事项) aggregate: fields, checks, audit, events.

`matter.Matter` adds the business actions; this half keeps the mechanics every action shares
(check the table and the role, append the audit entry, record the event) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from minqing_kit.errors import Forbidden, IllegalTransition, InvalidInput

from . import clocks as ck
from . import events as ev
from ._guards import require_aware
from .categories import Category, Subcategory
from .enums import Channel, Kind, MatterStatus, ReviewOutcome, Role, RoutingMode
from .enums import Satisfaction as Sat
from .intake import Petitioner
from .lifecycle import (
    TRANSITIONS,
    Actor,
    AuditEntry,
    Extension,
    ExtensionRequest,
    HandlingNote,
    Supervision,
    allowed_actions,
    require_role,
)

ENTITY = "信访事项"


@dataclass(eq=False)
class MatterState:
    id: UUID
    channel: Channel
    kind: Kind
    category: Category
    subcategory: Subcategory
    township_code: str
    village_code: str | None
    content: str
    petitioners: tuple[Petitioner, ...]
    pseudonyms: tuple[str, ...]  # one per petitioner, same order; supplied by the caller
    headcount: int
    is_group_visit: bool
    registered_at: datetime
    routing_started_at: datetime  # registration, or the last return: the route clock runs from it
    clocks: ck.PetitionClocks = field(default_factory=ck.PetitionClocks)
    cadre_id: str | None = None  # 民情走访: the cadre who recorded it
    accused_department: str | None = None  # 检举控告: never shown to, nor routed to, this unit
    repeat_of: UUID | None = None
    status: MatterStatus = MatterStatus.registered
    # current routing round (cleared when the department objects)
    department: str | None = None
    routing_mode: RoutingMode | None = None
    signed_by: str | None = None
    assigned_at: datetime | None = None
    accepted_at: datetime | None = None
    returned_at: datetime | None = None
    return_count: int = 0
    extension: Extension | None = None
    extension_request: ExtensionRequest | None = None  # 申请延期 waiting for the leader's decision
    notes: list[HandlingNote] = field(default_factory=list)
    reply_text: str | None = None
    replied_at: datetime | None = None
    satisfaction: Sat | None = None
    rated_at: datetime | None = None
    closed_at: datetime | None = None
    review_requested_at: datetime | None = None
    review_decided_at: datetime | None = None
    review_outcome: ReviewOutcome | None = None
    re_review_requested_at: datetime | None = None
    re_review_decided_at: datetime | None = None
    re_review_outcome: ReviewOutcome | None = None
    supervisions: list[Supervision] = field(default_factory=list)
    # `DueAlert.key`s already announced: each is announced once (see `clocks.DueAlert.key`).
    alerts_raised: set[str] = field(default_factory=set)
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[ev.DomainEvent] = field(default_factory=list)

    # ----- queries ------------------------------------------------------------------------------
    @property
    def representatives(self) -> tuple[Petitioner, ...]:
        return tuple(p for p in self.petitioners if p.is_representative)

    @property
    def extension_days(self) -> int:
        return self.extension.days if self.extension else 0

    def allowed_actions(self) -> frozenset[str]:
        return allowed_actions(self.status)

    def deadlines(self) -> list[ck.Deadline]:
        return ck.deadlines(self)

    def due_alerts(self, now: datetime) -> list[ck.DueAlert]:
        return ck.due_alerts(self, require_aware(now, "now"))

    def reply_due_at(self) -> datetime | None:
        if self.accepted_at is None:
            return None
        return ck.reply_due(self.accepted_at, self.clocks, self.extension_days)

    # ----- internals ----------------------------------------------------------------------------
    def _begin(self, action: str, actor: Actor, now: datetime) -> None:
        """Everything checked before an action changes anything: state, role, clock."""
        if self.status not in TRANSITIONS[action]:
            raise IllegalTransition(ENTITY, self.status.value, action, self.allowed_actions())
        require_role(action, actor)
        if not (actor.user_id or "").strip():
            raise InvalidInput("须注明操作人 (actor user id is required)", field="actor", rule="required")
        require_aware(now, "now")
        if self.audit and now < self.audit[-1].at:
            # Out-of-order clocks would make on-time figures lie.
            raise InvalidInput(
                "操作时间早于上一步操作 (now is earlier than the previous action)",
                field="now",
                rule="not_before_previous_action",
            )
        if actor.role is Role.department_handler and actor.department != self.department:
            raise Forbidden(
                "只有承办部门可以办理 (only the assigned department may do this)",
                field="actor.department",
                rule="assigned_department_only",
            )
        if actor.role is Role.petitioner and actor.user_id not in self.pseudonyms:
            raise Forbidden(
                "只能操作本人的信访事项 (a petitioner may act only on their own matter)",
                field="actor",
                rule="own_matter_only",
            )

    def _move(self, action: str, actor: Actor, now: datetime, detail: str = "") -> None:
        to = TRANSITIONS[action][self.status]
        self.audit.append(AuditEntry(action, actor, now, self.status, to, detail))
        self.status = to

    def _record(self, event_type: type[ev.MatterEvent], now: datetime, **fields: Any) -> None:
        base: dict[str, Any] = {
            "occurred_at": now,
            "matter_id": self.id,
            "township_code": self.township_code,
            "village_code": self.village_code,
            "channel": self.channel,
            "kind": self.kind,
            "category": self.category,
            "subcategory": self.subcategory,
            "headcount": self.headcount,
            "is_group_visit": self.is_group_visit,
            "department": self.department,
            "registered_at": self.registered_at,
        }
        base.update(fields)
        self.events.append(event_type(**base))
