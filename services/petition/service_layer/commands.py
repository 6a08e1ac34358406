"""Commands: what a caller asks the petition service to do (imperative, one handler each).

Each names its handler's result (`Command[R]`); `service_layer/bus.py` maps each to its handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.bus import Command

from ..domain import events as ev
from ..domain.intake import Receipt
from ..domain.matter import Matter
from ..domain.workcalendar import ListedDay

__all__ = ["PUBLIC", "SYSTEM", "Actor"]

SYSTEM = Actor.system("petition-worker")
#: A caller of the public routes: no principal; the command proves itself (receipt code + phone digits).
PUBLIC = Actor("public:receipt")

#: Aggregate actions an authenticated caller may run through `handlers.act` (the domain checks roles).
ACTIONS = frozenset({
    "assign", "accept", "raise_objection", "add_note", "extend", "request_extension", "decide_extension",
    "reply", "rate", "close",
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
class RegisterMatter(Command[Receipt]):
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
class Act(Command[Matter]):
    matter_id: UUID
    action: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicAct(Command[Matter]):
    lookup_code: str
    phone_tail: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlagDeadlines(Command[frozenset[str]]):
    """The watcher's step for one matter: announce each newly approaching / overdue deadline once;
    returns the alert keys announced now."""

    matter_id: UUID


@dataclass(frozen=True)
class HashClearLookupCodes(Command[int]):
    """Start-up step after migration 0002: codes stored in clear by older versions become hashes."""


@dataclass(frozen=True)
class EnterYear(Command[list[ev.DeadlineRecomputed]]):
    """PUT /calendar/{year}: a county admin sets the year from the State Council's notice."""

    year: int
    holidays: list[ListedDay]
    working_days: list[ListedDay]
    notice: str | None = None


@dataclass(frozen=True)
class SeedCalendar(Command[list[ev.DeadlineRecomputed]]):
    """Start-up step: the years `chinesecalendar` knows and the database does not yet."""


@dataclass(frozen=True)
class RegisterFromVisit(Command[UUID]):
    """`liaison.problem_raised` (the liaison consumer): register the problem as a 民情走访 matter once;
    returns the matter's id. People only by pseudonym (household, cadre)."""

    event_id: UUID
    problem_id: UUID
    visit_id: UUID
    household: str
    cadre: str
    township_code: str
    village_code: str
    category: str
    subcategory: str
    visited_on: date
