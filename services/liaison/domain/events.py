"""Domain events of the liaison service: past-tense facts recorded by aggregates.

They are not the contract: `adapters/contract_mapping.py` maps them to `minqing_contract` payloads.
People appear only as pseudonyms (`household`, `cadre`); names, phones, ID numbers, addresses and the
free text of visits never leave the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from .enums import ConductStatus, HelpStatus, IncomeBand, PresenceStatus, Prohibition


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime
    township_code: str
    village_code: str


# ----- stationing ------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StationingEvent(DomainEvent):
    stationing_id: UUID
    cadre: str  # pseudonym of the cadre's account


@dataclass(frozen=True, kw_only=True)
class CadreStationed(StationingEvent):
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, kw_only=True)
class StationingEnded(StationingEvent):
    ends_on: date


@dataclass(frozen=True, kw_only=True)
class PresenceRecorded(StationingEvent):
    day: date
    status: PresenceStatus
    note: str | None  # stays in the service


@dataclass(frozen=True, kw_only=True)
class WeekClosed(StationingEvent):
    week_start: date
    season_minimum: int
    working_days: int
    excused_days: int
    required_days: int
    in_village_days: int
    at_township_days: int
    met: bool
    short_streak: int  # weeks in a row short of the minimum, this one included (0 when met)


@dataclass(frozen=True, kw_only=True)
class WeeklyReportSubmitted(StationingEvent):
    week_start: date
    text: str  # stays in the service


# ----- 五不准 -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class MisconductReported(DomainEvent):
    report_id: UUID
    stationing_id: UUID
    cadre: str
    prohibition: Prohibition


@dataclass(frozen=True, kw_only=True)
class MisconductFollowedUp(DomainEvent):
    report_id: UUID
    stationing_id: UUID
    cadre: str
    prohibition: Prohibition
    status: ConductStatus
    note: str  # stays in the service


# ----- households ------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class HouseholdEvent(DomainEvent):
    household_id: UUID
    household: str  # pseudonym of the household (from the head's ID number)


@dataclass(frozen=True, kw_only=True)
class HouseholdRegistered(HouseholdEvent):
    members: int
    income_band: IncomeBand
    needs: int


@dataclass(frozen=True, kw_only=True)
class HouseholdUpdated(HouseholdEvent):
    members: int
    income_band: IncomeBand
    needs: int


@dataclass(frozen=True, kw_only=True)
class HelpItemPlanned(HouseholdEvent):
    item_id: UUID
    title: str  # stays in the service


@dataclass(frozen=True, kw_only=True)
class HelpProgressRecorded(HouseholdEvent):
    item_id: UUID
    status: HelpStatus
    progress: int


@dataclass(frozen=True, kw_only=True)
class HouseholdPaired(HouseholdEvent):
    cadre: str
    previous_cadre: str | None


@dataclass(frozen=True, kw_only=True)
class CardIssued(HouseholdEvent):
    card_no: int  # 1 for the first card, +1 at each reissue
    cadre: str
    pledged_items: int
    reissue: bool


# ----- visits (民情记录簿) ----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class VisitRecorded(DomainEvent):
    visit_id: UUID
    household_id: UUID
    household: str
    cadre: str
    visited_on: date
    problems: int
    help_given: bool


@dataclass(frozen=True, kw_only=True)
class ProblemRaised(DomainEvent):
    """A problem found on a visit that needs handling: petition registers it as a 民情走访 matter."""

    problem_id: UUID
    visit_id: UUID
    household_id: UUID
    household: str
    cadre: str
    category: str
    subcategory: str
    visited_on: date
