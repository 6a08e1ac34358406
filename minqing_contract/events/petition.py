"""Petition (信访 / 民情诉求) integration events: stream `petition`, keyed by matter id."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from minqing_contract.bounds import MAX_ITEMS, Instant, Label, PositiveCount
from minqing_contract.events.base import DivisionCode, EventPayload, Pseudonym


class Channel(StrEnum):
    visit = "visit"  # 走访
    letter = "letter"  # 书信
    phone = "phone"  # 电话
    fax = "fax"  # 传真
    online = "online"  # 网络
    field_visit = "field_visit"  # 民情走访 (cadre field visit)


class MatterKind(StrEnum):
    suggestion = "suggestion"  # 建议意见类
    accusation = "accusation"  # 检举控告类
    claim = "claim"  # 申诉求决类


class DeadlineKind(StrEnum):
    route = "route"  # 15 days to transfer/assign
    acceptance_notice = "acceptance_notice"  # 15 days to tell the person whether accepted
    objection = "objection"  # 5 working days to object to a misrouted matter
    reply = "reply"  # 60 days (+ extension) to reply
    review_decision = "review_decision"  # 30 days to decide a 复查
    re_review_decision = "re_review_decision"  # 30 days to decide a 复核


class ReviewLevel(StrEnum):
    review = "review"  # 复查
    re_review = "re_review"  # 复核


class Satisfaction(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


class _Matter(EventPayload):
    stream: ClassVar[str] = "petition"
    subject_field: ClassVar[str] = "matter_id"

    matter_id: UUID
    village_code: DivisionCode | None = None
    channel: Channel
    kind: MatterKind
    category: Label = Field(description="民情台账 heading, e.g. livelihood")
    subcategory: Label = Field(description="Subcategory, e.g. wage_arrears")
    headcount: PositiveCount = Field( description="People who came or signed (group size)")
    is_group_visit: bool
    department: Label | None = Field(default=None, description="Responsible department code, once assigned")
    registered_at: Instant


class MatterRegistered(_Matter):
    event_type: ClassVar[str] = "petition.registered"
    version: ClassVar[int] = 2
    summary: ClassVar[str] = "A matter was registered at intake (any channel)."
    petitioners: list[Pseudonym] = Field(max_length=MAX_ITEMS, description="Keyed pseudonyms of the petitioners")
    route_due_at: Instant


class MatterRepeatLinked(_Matter):
    event_type: ClassVar[str] = "petition.repeat_linked"
    summary: ClassVar[str] = "The same person raised an open matter again; linked, not a new case."
    repeat_of: UUID = Field(description="The open matter this one repeats")


class MatterAssigned(_Matter):
    event_type: ClassVar[str] = "petition.assigned"
    summary: ClassVar[str] = "Transferred (转送) or assigned (交办) to a department with the leader's sign-off."
    mode: str = Field(pattern="^(transfer|assign)$")
    assigned_at: Instant
    route_due_at: Instant
    acceptance_notice_due_at: Instant
    objection_due_at: Instant


class MatterAccepted(_Matter):
    event_type: ClassVar[str] = "petition.accepted"
    summary: ClassVar[str] = "The department accepted the matter and notified the person."
    assigned_at: Instant
    accepted_at: Instant
    acceptance_notice_due_at: Instant
    reply_due_at: Instant


class MatterReturned(_Matter):
    event_type: ClassVar[str] = "petition.returned"
    summary: ClassVar[str] = "The department objected that the matter is outside its remit; back for re-routing."
    returned_at: Instant
    objection_due_at: Instant


class MatterExtended(_Matter):
    event_type: ClassVar[str] = "petition.extended"
    summary: ClassVar[str] = "The reply deadline was extended (at most 30 days, approved)."
    extension_days: int = Field(ge=1, le=30)
    reply_due_at: Instant


class MatterReplied(_Matter):
    event_type: ClassVar[str] = "petition.replied"
    summary: ClassVar[str] = "A written reply (答复意见) was issued."
    accepted_at: Instant
    replied_at: Instant
    reply_due_at: Instant


class MatterRated(_Matter):
    event_type: ClassVar[str] = "petition.rated"
    summary: ClassVar[str] = "The person rated the handling."
    satisfaction: Satisfaction
    rated_at: Instant


class MatterClosed(_Matter):
    event_type: ClassVar[str] = "petition.closed"
    summary: ClassVar[str] = "The matter was closed (办结)."
    closed_at: Instant


class ReviewRequested(_Matter):
    event_type: ClassVar[str] = "petition.review_requested"
    summary: ClassVar[str] = "A review (复查) or re-review (复核) was requested."
    level: ReviewLevel
    requested_at: Instant
    decision_due_at: Instant


class ReviewDecided(_Matter):
    event_type: ClassVar[str] = "petition.review_decided"
    summary: ClassVar[str] = "A review or re-review was decided; after 复核 the matter is final."
    level: ReviewLevel
    outcome: str = Field(pattern="^(upheld|changed)$")
    decided_at: Instant
    final: bool


class DeadlineApproaching(_Matter):
    event_type: ClassVar[str] = "petition.deadline_approaching"
    summary: ClassVar[str] = "A statutory deadline is near (emitted once per deadline)."
    deadline: DeadlineKind
    due_at: Instant


class MatterOverdue(_Matter):
    event_type: ClassVar[str] = "petition.overdue"
    summary: ClassVar[str] = "A statutory deadline passed unmet (emitted once per deadline)."
    deadline: DeadlineKind
    due_at: Instant


class MatterSupervised(_Matter):
    event_type: ClassVar[str] = "petition.supervised"
    summary: ClassVar[str] = "A county supervisor opened a 督办 on an overdue matter."
    supervised_at: Instant


class DeadlineRecomputed(_Matter):
    event_type: ClassVar[str] = "petition.deadline_recomputed"
    summary: ClassVar[str] = ("An open deadline moved: the county entered (or corrected) a year's holiday schedule,"
                              " and a date counted Monday–Friday for want of it was counted again.")
    deadline: DeadlineKind
    previous_due_at: Instant = Field(description="The due instant before (exclusive, like every due_at)")
    due_at: Instant = Field(description="The due instant now")
    provisional: bool = Field(description="Still counted over another year whose schedule is not known")


EVENTS = (MatterRegistered, MatterRepeatLinked, MatterAssigned, MatterAccepted, MatterReturned, MatterExtended,
          MatterReplied, MatterRated, MatterClosed, ReviewRequested, ReviewDecided, DeadlineApproaching,
          MatterOverdue, MatterSupervised, DeadlineRecomputed)


def upcast_registered_v1(data: dict[str, object]) -> dict[str, object]:
    """v1 carried `group_size` and no `is_group_visit`; v2 names it `headcount` and adds the flag (§20: 5+)."""
    data = dict(data)
    size = data.pop("group_size", 1)
    data["headcount"] = size
    data["is_group_visit"] = int(size) >= 5  # type: ignore[call-overload]
    return data


UPCASTERS = {("petition.registered", 1): upcast_registered_v1}
