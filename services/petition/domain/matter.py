"""The Matter (信访事项) aggregate: registration, routing, handling, reply and closing.

Every action takes the actor and `now`, checks the transition table and the actor's role
(`lifecycle`), appends an audit entry and records domain events in `events` for the unit of work
to publish. Inputs are checked before anything changes, so a refused action leaves no trace.
复查 / 复核, 督办 and the deadline watcher live in `oversight`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from minqing_kit.errors import BrokenInvariant, Forbidden, InvalidInput

from . import clocks as ck
from . import events as ev
from ._guards import parse_enum, require_aware, require_signer, require_text, require_within
from .categories import Category, Subcategory, parse_classification
from .enums import (
    Channel,
    Kind,
    MatterStatus,
    Role,
    RoutingMode,
    Satisfaction,
)
from .intake import (
    DEFAULT_GROUP_THRESHOLD,
    PSEUDONYM,
    Petitioner,
    Receipt,
    check_group,
    normalize_lookup_code,
)
from .lifecycle import Actor, AuditEntry, Extension, ExtensionRequest, HandlingNote, require_role
from .oversight import Oversight
from .validators import validate_township_code, validate_village_code

S = MatterStatus


class Matter(Oversight):
    """The 信访事项 aggregate; see `lifecycle` for the state machine and `MatterState` for its fields."""

    # ----- 登记 ---------------------------------------------------------------------------------
    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        channel: Channel | str,
        kind: Kind | str,
        category: Category | str,
        subcategory: Subcategory | str,
        township_code: str,
        content: str,
        petitioners: Sequence[Petitioner],
        pseudonyms: Sequence[str],
        headcount: int,
        actor: Actor,
        now: datetime,
        village_code: str | None = None,
        cadre_id: str | None = None,
        accused_department: str | None = None,
        repeat_of: UUID | None = None,
        clocks: ck.PetitionClocks | None = None,
        group_threshold: int = DEFAULT_GROUP_THRESHOLD,
    ) -> Matter:
        """Register a matter at intake; with `repeat_of` (see `repeats.find_repeat`) it is only linked."""
        require_role("register", actor)
        require_aware(now, "now")
        chan = parse_enum(Channel, channel, "channel")
        knd = parse_enum(Kind, kind, "kind")
        heading, sub = parse_classification(category, subcategory)
        township = validate_township_code(township_code)
        if actor.role.is_township_scoped and actor.township_code != township:
            raise Forbidden(
                "只能登记本乡镇的事项 (only matters of your own township)",
                field="township_code",
                rule="own_township_only",
            )
        village = validate_village_code(village_code, township) if village_code else None
        if chan is Channel.field_visit:
            # A 民情走访 record is the cadre's diary entry: it must say who went and to which village.
            if village is None:
                raise InvalidInput(
                    "民情走访须填写村（社区） (field visit needs the village)",
                    field="village_code",
                    rule="field_visit_requires_village",
                )
            if cadre_id is None and actor.role is Role.cadre:
                cadre_id = actor.user_id  # the cadre filing their own diary entry
            cadre_id = require_signer(cadre_id, "cadre_id", "field_visit_requires_cadre", "走访干部")
        if accused_department is not None and knd is not Kind.accusation:
            raise InvalidInput(
                "只有检举控告类事项有被反映单位 (accused unit only for accusations)",
                field="accused_department",
                rule="accused_department_only_for_accusation",
            )
        if len(pseudonyms) != len(petitioners) or len(set(pseudonyms)) != len(pseudonyms):
            raise InvalidInput(
                "每位信访人须有一个化名标识 (one distinct pseudonym per petitioner)",
                field="pseudonyms",
                rule="pseudonym_per_petitioner",
            )
        if not all(isinstance(p, str) and PSEUDONYM.fullmatch(p) for p in pseudonyms):
            # The only trace of a person that events carry: refuse anything that is not a keyed
            # pseudonym, so a name or phone passed by mistake cannot leave the service.
            raise InvalidInput(
                "化名标识格式无效 (pseudonyms must be keyed pseudonyms p_ + 26 base32 characters)",
                field="pseudonyms",
                rule="pseudonym_format",
            )
        group = check_group(petitioners, headcount, chan, knd, group_threshold)
        matter = cls(
            id=id,
            channel=chan,
            kind=knd,
            category=heading,
            subcategory=sub,
            township_code=township,
            village_code=village,
            content=require_text(content, "content", max_len=5000),
            petitioners=tuple(petitioners),
            pseudonyms=tuple(pseudonyms),
            headcount=group.headcount,
            is_group_visit=group.is_group_visit,
            registered_at=now,
            routing_started_at=now,
            clocks=clocks or ck.PetitionClocks(),
            cadre_id=cadre_id,
            accused_department=(accused_department or "").strip() or None,
            repeat_of=repeat_of,
        )
        if repeat_of is not None:
            matter.status = S.linked
            matter.audit.append(AuditEntry("link_repeat", actor, now, S.registered, S.linked, str(repeat_of)))
            matter._record(ev.RepeatLinked, now, repeat_of=repeat_of, petitioners=matter.pseudonyms)
        else:
            matter.audit.append(AuditEntry("register", actor, now, S.registered, S.registered))
            matter._record(
                ev.MatterRegistered,
                now,
                petitioners=matter.pseudonyms,
                route_due_at=ck.route_due(now, matter.clocks),
            )
        return matter

    def receipt(self, lookup_code: str) -> Receipt:
        """The 受理凭证 handed to the person at intake: lookup code and dates, no personal data.

        The code is not part of the matter: it is printed here once, and the service keeps only a keyed
        hash of it, so nobody on the staff side can read it back and act as the person.
        """
        return Receipt(
            matter_id=self.id,
            lookup_code=normalize_lookup_code(lookup_code),
            registered_at=self.registered_at,
            channel=self.channel,
            kind=self.kind,
            category=self.category,
            subcategory=self.subcategory,
            route_due_on=ck.last_day(ck.route_due(self.registered_at, self.clocks)),
            repeat_of=self.repeat_of,
        )

    # ----- 转送 / 交办, 受理, 异议 -----------------------------------------------------------------
    def assign(
        self, *, department: str, mode: RoutingMode | str, signed_by: str, actor: Actor, now: datetime
    ) -> None:
        self._begin("assign", actor, now)
        dept = require_text(department, "department", max_len=64)
        routing = parse_enum(RoutingMode, mode, "mode")
        signer = require_signer(signed_by, "signed_by", "leader_sign_off_required", "领导签批")
        if self.kind is Kind.accusation and dept == self.accused_department:
            # §30: accusation material never reaches the people accused.
            raise InvalidInput(
                "检举控告不得转交被反映单位办理 (an accusation may not go to the accused unit)",
                field="department",
                rule="not_to_accused_department",
            )
        self._move("assign", actor, now, f"{routing.value} → {dept}, signed by {signer}")
        self.department, self.routing_mode, self.signed_by, self.assigned_at = dept, routing, signer, now
        c = self.clocks
        self._record(
            ev.MatterAssigned,
            now,
            department=dept,
            mode=routing,
            signed_by=signer,
            assigned_at=now,
            route_due_at=ck.route_due(self.routing_started_at, c),
            acceptance_notice_due_at=ck.acceptance_notice_due(now, c),
            objection_due_at=ck.objection_due(now, c),
        )

    def accept(self, *, actor: Actor, now: datetime) -> None:
        self._begin("accept", actor, now)
        if self.assigned_at is None:
            raise BrokenInvariant("信访事项 (matter)", "assigned_at", "set_while_assigned")
        self._move("accept", actor, now)
        self.accepted_at = now
        self._record(
            ev.MatterAccepted,
            now,
            assigned_at=self.assigned_at,
            accepted_at=now,
            acceptance_notice_due_at=ck.acceptance_notice_due(self.assigned_at, self.clocks),
            reply_due_at=ck.reply_due(now, self.clocks),
        )

    def raise_objection(self, *, reason: str, actor: Actor, now: datetime) -> None:
        """异议: outside the department's remit; back to the bureau to be routed again (§23)."""
        self._begin("raise_objection", actor, now)
        if self.assigned_at is None:
            raise BrokenInvariant("信访事项 (matter)", "assigned_at", "set_while_assigned")
        due = ck.objection_due(self.assigned_at, self.clocks)
        require_within(now, due, "objection", "objection_window", "异议期限", "the objection window")
        reason = require_text(reason, "reason", max_len=1000)
        self._record(ev.MatterReturned, now, returned_at=now, objection_due_at=due)
        self._move("raise_objection", actor, now, reason)
        self.department = self.routing_mode = self.signed_by = self.assigned_at = None
        self.returned_at = self.routing_started_at = now
        self.return_count += 1

    # ----- 办理 -----------------------------------------------------------------------------------
    def add_note(self, *, text: str, actor: Actor, now: datetime) -> None:
        self._begin("add_note", actor, now)
        text = require_text(text, "text", max_len=2000)
        self._move("add_note", actor, now, text)
        self.notes.append(HandlingNote(now, actor.user_id, text))

    def extend(self, *, days: int, reason: str, approved_by: str, actor: Actor, now: datetime) -> None:
        """§34: once, at most `max_extension_days`, approved by the head, before the reply deadline."""
        self._begin("extend", actor, now)
        self._check_extension(days, now)
        reason = require_text(reason, "reason", max_len=1000)
        approver = require_signer(approved_by, "approved_by", "head_approval_required", "负责人批准")
        self._move("extend", actor, now, f"+{days}d: {reason}")
        self._apply_extension(Extension(days, reason, approver, now), now)

    def request_extension(self, *, days: int, reason: str, actor: Actor, now: datetime) -> None:
        """申请延期: the department asks; a county leader decides (`decide_extension`). One at a time."""
        self._begin("request_extension", actor, now)
        if self.extension_request is not None:
            raise InvalidInput(
                "已有待审批的延期申请 (an extension request is already waiting for a decision)",
                field="extension",
                rule="one_pending_request",
            )
        self._check_extension(days, now)
        reason = require_text(reason, "reason", max_len=1000)
        self._move("request_extension", actor, now, f"+{days}d: {reason}")
        self.extension_request = ExtensionRequest(days, reason, actor.user_id, now)

    def decide_extension(self, *, approve: bool, note: str = "", actor: Actor, now: datetime) -> None:
        """The leader approves (the reply deadline moves, `MatterExtended`) or refuses the pending request."""
        self._begin("decide_extension", actor, now)
        request = self.extension_request
        if request is None:
            raise InvalidInput(
                "没有待审批的延期申请 (no extension request is waiting)",
                field="extension",
                rule="pending_request_required",
            )
        if not isinstance(approve, bool):
            raise InvalidInput("须选择批准或不批准 (approve must be true or false)", field="approve", rule="boolean")
        note = (note or "").strip()[:500]
        if approve:
            self._check_extension(request.days, now)
        verdict = "批准" if approve else "不批准"
        self._move("decide_extension", actor, now, f"{verdict} +{request.days}d" + (f": {note}" if note else ""))
        self.extension_request = None
        if approve:
            self._apply_extension(Extension(request.days, request.reason, actor.user_id, now), now)

    def _check_extension(self, days: int, now: datetime) -> None:
        if self.extension is not None:
            raise InvalidInput(
                "答复期限只能延长一次 (the reply deadline can be extended only once)",
                field="extension",
                rule="extend_once",
            )
        most = self.clocks.max_extension_days
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= most:
            raise InvalidInput(
                f"延期天数须为1至{most}天 (extension must be 1 to {most} days)",
                field="days",
                rule=f"max_{most}_days",
            )
        due = self.reply_due_at()
        if due is None:
            raise BrokenInvariant("信访事项 (matter)", "reply_due_at", "set_once_accepted")
        require_within(now, due, "extension", "before_reply_deadline", "答复期限", "the reply period")

    def _apply_extension(self, extension: Extension, now: datetime) -> None:
        self.extension = extension
        self._record(
            ev.MatterExtended,
            now,
            extension_days=extension.days,
            approved_by=extension.approved_by,
            reply_due_at=self.reply_due_at(),
        )

    def reply(self, *, text: str, actor: Actor, now: datetime) -> None:
        self._begin("reply", actor, now)
        text = require_text(text, "text", max_len=10000)
        due = self.reply_due_at()
        if due is None:
            raise BrokenInvariant("信访事项 (matter)", "reply_due_at", "set_once_accepted")
        if self.accepted_at is None:
            raise BrokenInvariant("信访事项 (matter)", "accepted_at", "set_once_accepted")
        self._move("reply", actor, now)
        self.reply_text, self.replied_at = text, now
        self.extension_request = None  # answered in time: a pending request is moot
        self._record(ev.MatterReplied, now, accepted_at=self.accepted_at, replied_at=now, reply_due_at=due)

    def rate(self, *, satisfaction: Satisfaction | str, actor: Actor, now: datetime) -> None:
        self._begin("rate", actor, now)
        sat = parse_enum(Satisfaction, satisfaction, "satisfaction")
        if self.satisfaction is not None:
            raise InvalidInput("已评价，不能重复评价 (already rated)", field="satisfaction", rule="rate_once")
        if self.replied_at is None:
            raise BrokenInvariant("信访事项 (matter)", "replied_at", "set_once_replied")
        until = ck.rating_until(self.replied_at, self.clocks)
        if until is not None:
            require_within(now, until, "satisfaction", "rating_window", "评价期限", "the rating window")
        self._move("rate", actor, now, sat.value)
        self.satisfaction, self.rated_at = sat, now
        self._record(ev.MatterRated, now, satisfaction=sat, rated_at=now)

    def close(self, *, actor: Actor, now: datetime, note: str = "") -> None:
        self._begin("close", actor, now)
        self._move("close", actor, now, note.strip()[:500])
        self.closed_at = now
        self._record(ev.MatterClosed, now, closed_at=now)
