"""Commands: what a caller asks the liaison service to do (imperative, one handler each).

Each names its handler's result type (`Command[R]`); `service_layer/bus.py` maps each to its handler.
The acting cadre is the actor (the token's `sub`), never a field a caller could fill for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from minqing_kit.actor import Actor
from minqing_kit.bus import Command
from services.liaison.adapters.repository import CadreRecord
from services.liaison.domain.conduct import FollowUp, MisconductReport
from services.liaison.domain.household import ContactCard, HelpItem, Household
from services.liaison.domain.presence_rule import WeekCompliance
from services.liaison.domain.stationing import Presence, Stationing
from services.liaison.domain.visit import Visit

__all__ = ["SYSTEM", "Actor"]

SYSTEM = Actor.system("liaison-worker")


@dataclass(frozen=True)
class RegisterCadreContact(Command[CadreRecord]):
    """The acting cadre's work contact (printed on contact cards)."""

    township_code: str
    name: str
    work_phone: str
    email: str | None = None


# ----- stationing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class StationCadre(Command[Stationing]):
    cadre_id: str
    village_code: str
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class EndStationing(Command[Stationing]):
    stationing_id: UUID
    ends_on: date


@dataclass(frozen=True)
class RecordPresence(Command[Presence]):
    """The acting cadre's presence on `day` (their stationing covering that day)."""

    day: date
    status: str
    note: str | None = None


@dataclass(frozen=True)
class SubmitWeeklyReport(Command[Stationing]):
    week_start: date
    text: str


@dataclass(frozen=True)
class CloseWeek(Command[WeekCompliance | None]):
    """Close the stationing's next due week (the worker's timer; None when no week is due)."""

    stationing_id: UUID


# ----- 五不准 -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportMisconduct(Command[MisconductReport]):
    stationing_id: UUID
    prohibition: str
    description: str


@dataclass(frozen=True)
class FollowUpMisconduct(Command[FollowUp]):
    report_id: UUID
    status: str
    note: str


# ----- households -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberInput:
    name: str
    relation: str
    employment: str
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class RegisterHousehold(Command[Household]):
    village_code: str
    members: tuple[MemberInput, ...]
    income_band: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateHousehold(Command[Household]):
    household_id: UUID
    members: tuple[MemberInput, ...]
    income_band: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanHelpItem(Command[HelpItem]):
    household_id: UUID
    title: str
    due_on: date | None = None


@dataclass(frozen=True)
class RecordHelpProgress(Command[HelpItem]):
    household_id: UUID
    item_id: UUID
    status: str
    progress: int
    note: str


@dataclass(frozen=True)
class PairHousehold(Command[Household]):
    household_id: UUID
    cadre_id: str


@dataclass(frozen=True)
class ReissueCard(Command[ContactCard]):
    household_id: UUID


# ----- visits -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProblemInput:
    category: str
    subcategory: str
    description: str
    needs_handling: bool = True


@dataclass(frozen=True)
class RecordVisit(Command[Visit]):
    household_id: UUID
    visited_on: date
    seen: str
    said: str
    help_given: str | None = None
    problems: tuple[ProblemInput, ...] = field(default_factory=tuple)
