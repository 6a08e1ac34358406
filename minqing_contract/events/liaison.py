"""Liaison service (干部直接联系群众 / 驻村联户) integration events: stream `liaison`, keyed by the
aggregate's id (stationing, household, visit or misconduct report).

People travel only as keyed pseudonyms: `cadre` (the cadre's account), `household` (the household,
from its head's ID number). No names, phones, ID numbers, addresses, and none of the free text of
visits, notes or reports (it may name people): a subscriber who needs the details follows the id back
to the liaison service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from minqing_contract.bounds import Count, Day, Instant, Label, PositiveCount
from minqing_contract.events.base import DivisionCode, EventPayload, Pseudonym
from minqing_contract.ledger import LedgerCategory

DaysInWeek = Annotated[int, Field(ge=0, le=7)]


class PresenceStatus(StrEnum):
    in_village = "in_village"  # 在村
    at_township = "at_township"  # 在乡镇报告工作
    on_leave = "on_leave"  # 请假
    official_business = "official_business"  # 公务外出


class Prohibition(StrEnum):
    """五不准."""

    left_post = "left_post"
    gifts = "gifts"
    banquets = "banquets"
    personal_expenses = "personal_expenses"
    diverted_funds = "diverted_funds"


class ConductStatus(StrEnum):
    open = "open"
    investigating = "investigating"
    substantiated = "substantiated"
    unfounded = "unfounded"


class IncomeBand(StrEnum):
    """Per-capita annual net income (人均年纯收入), yuan."""

    below_4k = "below_4k"
    from_4k_to_10k = "4k_10k"
    from_10k_to_20k = "10k_20k"
    from_20k = "20k_up"


class _Stationing(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "stationing_id"

    stationing_id: UUID
    cadre: Pseudonym = Field(description="Pseudonym of the stationed cadre's account")
    village_code: DivisionCode


class CadreStationed(_Stationing):
    event_type: ClassVar[str] = "liaison.cadre_stationed"
    summary: ClassVar[str] = "A cadre was stationed in a village for a period (驻村)."
    starts_on: Day
    ends_on: Day | None = None


class StationingEnded(_Stationing):
    event_type: ClassVar[str] = "liaison.stationing_ended"
    summary: ClassVar[str] = "A stationing's last day was set."
    ends_on: Day


class PresenceRecorded(_Stationing):
    event_type: ClassVar[str] = "liaison.presence_recorded"
    summary: ClassVar[str] = "Where a stationed cadre was on a day (a correction repeats the day)."
    day: Day
    status: PresenceStatus


class WeekClosed(_Stationing):
    event_type: ClassVar[str] = "liaison.week_closed"
    summary: ClassVar[str] = ("A cadre-week measured against the seasonal minimum (required = min(season minimum, "
                              "working days within the stationing less leave and official business)).")
    week_start: Day = Field(description="Monday of the week (China Standard Time)")
    season_minimum: DaysInWeek = Field(description="The season's minimum (the season of the week's Thursday)")
    working_days: DaysInWeek
    excused_days: DaysInWeek
    required_days: DaysInWeek
    in_village_days: DaysInWeek
    at_township_days: DaysInWeek
    met: bool
    short_streak: Count = Field(description="Weeks in a row short of the minimum, this one included (0 when met)")


class WeeklyReportSubmitted(_Stationing):
    event_type: ClassVar[str] = "liaison.weekly_report_submitted"
    summary: ClassVar[str] = "The cadre filed (or replaced) the week's work report (周工作情况); the text stays in liaison."
    week_start: Day


class MisconductReported(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "report_id"
    event_type: ClassVar[str] = "liaison.misconduct_reported"
    summary: ClassVar[str] = "A report against one of the 五不准 was recorded (not a finding)."
    report_id: UUID
    stationing_id: UUID
    cadre: Pseudonym
    village_code: DivisionCode
    prohibition: Prohibition


class MisconductFollowedUp(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "report_id"
    event_type: ClassVar[str] = "liaison.misconduct_followed_up"
    summary: ClassVar[str] = "A 五不准 report was followed up; substantiated or unfounded closes it."
    report_id: UUID
    stationing_id: UUID
    cadre: Pseudonym
    village_code: DivisionCode
    prohibition: Prohibition
    status: ConductStatus


class _Household(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "household_id"

    household_id: UUID
    household: Pseudonym = Field(description="Pseudonym of the household (its head's ID number, keyed)")
    village_code: DivisionCode


class HouseholdRegistered(_Household):
    event_type: ClassVar[str] = "liaison.household_registered"
    summary: ClassVar[str] = "A household of a village was registered for direct contact (联户)."
    members: PositiveCount
    income_band: IncomeBand
    needs: Count


class HouseholdUpdated(_Household):
    event_type: ClassVar[str] = "liaison.household_updated"
    summary: ClassVar[str] = "A household's data was brought up to date (动态管理)."
    members: PositiveCount
    income_band: IncomeBand
    needs: Count


class HouseholdPaired(_Household):
    event_type: ClassVar[str] = "liaison.household_paired"
    summary: ClassVar[str] = "A household was paired with a cadre (or with another one)."
    cadre: Pseudonym
    previous_cadre: Pseudonym | None = None


class CardIssued(_Household):
    event_type: ClassVar[str] = "liaison.card_issued"
    summary: ClassVar[str] = "A contact card (干群联系卡) was issued; reissue when the cadre or the pledges change."
    card_no: PositiveCount
    cadre: Pseudonym
    pledged_items: Count
    reissue: bool


class VisitRecorded(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "visit_id"
    event_type: ClassVar[str] = "liaison.visit_recorded"
    summary: ClassVar[str] = "A cadre visited a household (民情记录簿 entry); the record stays in liaison."
    visit_id: UUID
    household_id: UUID
    household: Pseudonym
    cadre: Pseudonym
    village_code: DivisionCode
    visited_on: Day
    problems: Count
    help_given: bool


class ProblemRaised(EventPayload):
    stream: ClassVar[str] = "liaison"
    subject_field: ClassVar[str] = "visit_id"
    event_type: ClassVar[str] = "liaison.problem_raised"
    summary: ClassVar[str] = ("A problem found on a visit needs handling: the petition service registers it as a "
                              "民情走访 matter, once per event id, linked back to the visit.")
    problem_id: UUID
    visit_id: UUID
    household_id: UUID
    household: Pseudonym
    cadre: Pseudonym
    village_code: DivisionCode
    category: LedgerCategory = Field(description="民情台账 heading")
    subcategory: Label = Field(description="Subcategory under the heading (minqing_contract.ledger)")
    visited_on: Day
    raised_at: Instant


EVENTS = (CadreStationed, StationingEnded, PresenceRecorded, WeekClosed, WeeklyReportSubmitted, MisconductReported,
          MisconductFollowedUp, HouseholdRegistered, HouseholdUpdated, HouseholdPaired, CardIssued, VisitRecorded,
          ProblemRaised)
UPCASTERS: dict[tuple[str, int], object] = {}
