"""HTTP request and response bodies of the petition API (pydantic), and the views built from a Matter.

Every string is bounded in length and free of control characters (`Line`, `FreeText`): PostgreSQL
refuses NUL, so it is refused here, with 422 naming the field.

Inputs are checked here for shape (types, lengths, enums); business rules (ID checksum, mobile
numbers, at most 5 representatives, windows) are the domain's, and come back as 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import FreeText, Line
from minqing_kit.auth import Principal
from minqing_kit.crypto import mask_id_number, mask_name

from ..domain.enums import Channel, Kind, MatterStatus, ReviewOutcome, RoutingMode, Satisfaction
from ..domain.intake import Receipt
from ..domain.matter import Matter
from ..domain.visibility import public_timeline


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PetitionerIn(_In):
    name: Line = Field(min_length=1, max_length=50, description="姓名 (name)")
    phone: Line | None = Field(default=None, max_length=20, description="手机号码 (mainland mobile)")
    id_number: Line | None = Field(default=None, max_length=18, description="居民身份证号码 (18-digit resident ID)")
    is_representative: bool = Field(default=False, description="是否代表 (representative of a group visit)")


class RegisterIn(_In):
    channel: Channel = Field(description="来源渠道 (visit/letter/phone/fax/online/field_visit)")
    kind: Kind = Field(description="事项性质 (suggestion/accusation/claim)")
    category: Line = Field(min_length=1, max_length=40, description="民情台账类别 (see /labels)")
    subcategory: Line = Field(min_length=1, max_length=40, description="子类 (see /labels)")
    township_code: str = Field(pattern=r"^\d{12}$")
    village_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    content: FreeText = Field(min_length=1, max_length=5000, description="诉求内容 (stored encrypted)")
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=200)
    headcount: int = Field(ge=1, le=100000, description="人数 (people who came or signed)")
    cadre_id: Line | None = Field(default=None, max_length=64, description="民情走访的干部 (field visits)")
    accused_department: Line | None = Field(default=None, max_length=64, description="被反映单位 (accusations)")


class AssignIn(_In):
    department: Line = Field(min_length=1, max_length=64, description="承办部门代码, e.g. zjj")
    mode: RoutingMode = Field(description="transfer (转送) | assign (交办)")
    signed_by: Line = Field(min_length=1, max_length=64, description="签阅领导 (leader's sign-off)")


class ReasonIn(_In):
    reason: FreeText = Field(min_length=1, max_length=2000)


class TextIn(_In):
    text: FreeText = Field(min_length=1, max_length=10000)


class ExtendIn(_In):
    days: int = Field(ge=1, le=365, description="延长天数 (the domain allows at most 30)")
    reason: FreeText = Field(min_length=1, max_length=1000)
    approved_by: Line = Field(min_length=1, max_length=64, description="批准的负责人 (approving head)")


class ExtensionRequestIn(_In):
    days: int = Field(ge=1, le=365, description="申请延长天数 (the domain allows at most 30)")
    reason: FreeText = Field(min_length=1, max_length=1000, description="延期理由 (told to the person)")


class ExtensionDecisionIn(_In):
    approve: bool = Field(description="批准 (true) / 不批准 (false)")
    note: FreeText = Field(default="", max_length=500, description="审批意见")


class RepeatHintIn(_In):
    """Who is at the window (typed so far): in the body, never in a URL, since it is personal data."""

    name: Line | None = Field(default=None, max_length=50)
    phone: Line | None = Field(default=None, max_length=20)
    id_number: Line | None = Field(default=None, max_length=18)
    days: int = Field(default=90, ge=1, le=365, description="回看天数 (look back this many days)")


class RateIn(_In):
    satisfaction: Satisfaction


class NoteIn(_In):
    note: FreeText = Field(default="", max_length=1000)


class DecisionIn(_In):
    outcome: ReviewOutcome
    opinion: FreeText = Field(min_length=1, max_length=10000)


class PublicIn(_In):
    phone_tail: str = Field(pattern=r"^\d{4}$", description="登记手机号后四位 (last 4 digits of the phone)")


class PublicRateIn(PublicIn):
    satisfaction: Satisfaction


class PublicReasonIn(PublicIn):
    reason: FreeText = Field(min_length=1, max_length=2000)


class ReceiptOut(BaseModel):
    matter_id: UUID
    lookup_code: str = Field(description="查询码：仅在此凭证上出现一次，服务只保存其哈希 (shown only here, once;"
                                         " the service keeps only its keyed hash)")
    registered_at: datetime
    channel: str
    kind: str
    category: str
    subcategory: str
    route_due_on: date
    repeat_of: UUID | None

    @classmethod
    def of(cls, r: Receipt) -> ReceiptOut:
        return cls(matter_id=r.matter_id, lookup_code=r.lookup_code, registered_at=r.registered_at,
                   channel=r.channel.value, kind=r.kind.value, category=r.category.value,
                   subcategory=r.subcategory.value, route_due_on=r.route_due_on, repeat_of=r.repeat_of)


def mask_phone_tail(phone: str) -> str:
    """`138********`: staff without personal data never see the last digits, which the person types to
    act on their receipt (the kit's usual `138****5678` would give them away)."""
    return phone[:3] + "*" * max(0, len(phone) - 3)


def petitioner_view(matter: Matter, principal: Principal) -> list[dict[str, Any]]:
    clear = principal.sees_personal_data
    out = []
    for p, pseudo in zip(matter.petitioners, matter.pseudonyms, strict=True):
        out.append({
            "pseudonym": pseudo,
            "name": p.name if clear else mask_name(p.name),
            "phone": (p.phone if clear else mask_phone_tail(p.phone)) if p.phone else None,
            "id_number": (p.id_number if clear else mask_id_number(p.id_number)) if p.id_number else None,
            "is_representative": p.is_representative,
        })
    return out


def matter_view(matter: Matter, principal: Principal, now: datetime) -> dict[str, Any]:
    """A matter as a staff member in scope sees it; personal data only for roles that need it.
    Never the receipt's lookup code: that is the person's, shown once on the receipt."""
    return {
        "id": str(matter.id),
        "status": matter.status.value, "status_zh": matter.status.label_zh,
        "channel": matter.channel.value, "kind": matter.kind.value, "kind_zh": matter.kind.label_zh,
        "category": matter.category.value, "category_zh": matter.category.label_zh,
        "subcategory": matter.subcategory.value, "subcategory_zh": matter.subcategory.label_zh,
        "township_code": matter.township_code, "village_code": matter.village_code,
        "content": matter.content, "headcount": matter.headcount, "is_group_visit": matter.is_group_visit,
        "petitioners": petitioner_view(matter, principal),
        "cadre_id": matter.cadre_id, "accused_department": matter.accused_department,
        "repeat_of": str(matter.repeat_of) if matter.repeat_of else None,
        "department": matter.department, "routing_mode": matter.routing_mode.value if matter.routing_mode else None,
        "signed_by": matter.signed_by, "registered_at": matter.registered_at, "assigned_at": matter.assigned_at,
        "accepted_at": matter.accepted_at, "replied_at": matter.replied_at, "closed_at": matter.closed_at,
        "reply_text": matter.reply_text,
        "satisfaction": matter.satisfaction.value if matter.satisfaction else None,
        "extension": ({"days": matter.extension.days, "reason": matter.extension.reason,
                       "approved_by": matter.extension.approved_by, "at": matter.extension.at}
                      if matter.extension else None),
        "extension_request": ({"days": matter.extension_request.days, "reason": matter.extension_request.reason,
                               "requested_by": matter.extension_request.requested_by,
                               "at": matter.extension_request.at} if matter.extension_request else None),
        "notes": [{"at": n.at, "author": n.author, "text": n.text} for n in matter.notes],
        "supervisions": [{"supervisor": s.supervisor, "at": s.at, "overdue": [k.value for k in s.overdue],
                          "note": s.note} for s in matter.supervisions],
        "deadlines": [{"kind": d.kind.value, "label_zh": d.kind.label_zh, "due_at": d.due_at,
                       "last_day": d.last_day, "met_on_time": d.met_on_time,
                       "provisional": d.provisional, "note": d.note} for d in matter.deadlines()],
        "alerts": [{"kind": a.kind.value, "level": a.level.value, "due_at": a.due_at}
                   for a in matter.due_alerts(now)],
        "allowed_actions": sorted(matter.allowed_actions()),
    }


def public_view(matter: Matter) -> dict[str, Any]:
    """What the person sees with the receipt code: dated public steps only (§18, §21)."""
    return {
        "status": matter.status.value, "status_zh": matter.status.label_zh,
        "kind": matter.kind.value, "kind_zh": matter.kind.label_zh,
        "category": matter.category.value, "category_zh": matter.category.label_zh,
        "subcategory": matter.subcategory.value, "subcategory_zh": matter.subcategory.label_zh,
        "registered_at": matter.registered_at,
        "reply_due_on": (d.last_day if (d := next((x for x in matter.deadlines() if x.kind.value == "reply"),
                                                  None)) else None),
        "reply_due_note": d.note if d else None,
        "timeline": [{"action": e.action, "label_zh": e.label_zh, "status": e.status.value, "at": e.at}
                     for e in public_timeline(matter.audit)],
    }


def labels() -> dict[str, dict[str, str]]:
    from ..domain.categories import Category, Subcategory

    return {
        "channel": {c.value: c.label_zh for c in Channel},
        "kind": {k.value: k.label_zh for k in Kind},
        "status": {s.value: s.label_zh for s in MatterStatus},
        "category": {c.value: c.label_zh for c in Category},
        "subcategory": {s.value: f"{s.label_zh}（{s.category.value}）" for s in Subcategory},
        "routing_mode": {m.value: m.label_zh for m in RoutingMode},
        "satisfaction": {s.value: s.label_zh for s in Satisfaction},
        "review_outcome": {o.value: o.label_zh for o in ReviewOutcome},
    }
