"""Commands: what a caller asks the petition service to do (imperative, one handler each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

#: Aggregate actions an authenticated caller may run through `handlers.act` (the domain checks roles).
ACTIONS = frozenset({
    "assign", "accept", "raise_objection", "add_note", "extend", "reply", "rate", "close",
    "request_review", "decide_review", "request_re_review", "decide_re_review", "supervise",
})
#: What the person may do with the receipt code and the last digits of their phone (§21).
PUBLIC_ACTIONS = frozenset({"rate", "request_review", "request_re_review"})


@dataclass(frozen=True)
class PetitionerInput:
    name: str
    phone: str | None = None
    id_number: str | None = None
    is_representative: bool = False


@dataclass(frozen=True)
class RegisterMatter:
    channel: str
    kind: str
    category: str
    subcategory: str
    township_code: str
    content: str
    petitioners: list[PetitionerInput]
    headcount: int
    village_code: str | None = None
    cadre_id: str | None = None
    accused_department: str | None = None


@dataclass(frozen=True)
class Act:
    matter_id: UUID
    action: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicAct:
    lookup_code: str
    phone_tail: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)
