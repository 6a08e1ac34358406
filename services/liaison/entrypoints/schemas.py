"""Request bodies of the liaison API (pydantic): shape and ranges; business rules stay in the domain.

Every value is bounded (`minqing_contract.bounds`): strings without control characters, days within
2000–2100 — refused with 422 naming the field, never a 500.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from minqing_contract.bounds import FreeText, IsoDay, Line

Code = Annotated[str, Field(pattern=r"^\d{12}$", description="12 位区划代码 (12-digit division code)")]
Short = Annotated[Line, Field(max_length=100)]
Text = Annotated[FreeText, Field(min_length=1, max_length=5000)]
Note = Annotated[FreeText, Field(max_length=2000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CadreContactIn(Body):
    township_code: Code
    name: Line = Field(min_length=1, max_length=50, description="姓名 (as printed on the card)")
    work_phone: Line = Field(min_length=3, max_length=30, description="工作电话 (work phone)")
    email: Line | None = Field(default=None, max_length=100)


class StationingIn(Body):
    cadre_id: Line = Field(min_length=1, max_length=128, description="干部账号 (the cadre's account, token sub)")
    village_code: Code
    starts_on: IsoDay
    ends_on: IsoDay | None = None


class EndStationingIn(Body):
    ends_on: IsoDay


class PresenceIn(Body):
    day: IsoDay
    status: Short = Field(description="in_village | at_township | on_leave | official_business")
    note: Note | None = Field(default=None, description="请假/公务须说明 (required for leave and official business)")


class WeeklyReportIn(Body):
    week_start: IsoDay = Field(description="Any day of the week (its Monday is used)")
    text: Text


class MisconductIn(Body):
    stationing_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    prohibition: Short = Field(description="left_post | gifts | banquets | personal_expenses | diverted_funds")
    description: Text


class FollowUpIn(Body):
    status: Short = Field(description="open | investigating | substantiated | unfounded")
    note: Annotated[FreeText, Field(min_length=1, max_length=2000)]


class MemberIn(Body):
    name: Line = Field(min_length=1, max_length=50)
    relation: Line = Field(min_length=1, max_length=20, examples=["户主"])
    employment: Short = Field(description="farming | local_work | migrant_work | business | student | retired |"
                                          " unable | unemployed | other")
    id_number: Line | None = Field(default=None, max_length=18)
    phone: Line | None = Field(default=None, max_length=20)


class HouseholdIn(Body):
    village_code: Code
    members: list[MemberIn] = Field(min_length=1, max_length=30, description="户主在前 (the head first)")
    income_band: Short = Field(description="below_4k | 4k_10k | 10k_20k | 20k_up")
    needs: list[Annotated[Line, Field(max_length=200)]] = Field(default_factory=list, max_length=20)


class HouseholdUpdateIn(Body):
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    income_band: Short
    needs: list[Annotated[Line, Field(max_length=200)]] = Field(default_factory=list, max_length=20)


class HelpItemIn(Body):
    title: Line = Field(min_length=1, max_length=200)
    due_on: IsoDay | None = None


class ProgressIn(Body):
    status: Short = Field(description="planned | in_progress | done | dropped")
    progress: int = Field(ge=0, le=100)
    note: Annotated[FreeText, Field(min_length=1, max_length=1000)]


class PairingIn(Body):
    cadre_id: Line = Field(min_length=1, max_length=128)


class ProblemIn(Body):
    category: Short = Field(description="民情台账 heading (minqing_contract.ledger)")
    subcategory: Short
    description: Annotated[FreeText, Field(min_length=1, max_length=2000)]
    needs_handling: bool = Field(default=True, description="须交办处理 (becomes a petition matter)")


class VisitIn(Body):
    visited_on: IsoDay
    seen: Text = Field(description="所见 (what was seen)")
    said: Text = Field(description="所闻 (what was said)")
    help_given: Note | None = Field(default=None, description="帮扶情况 (help given)")
    problems: list[ProblemIn] = Field(default_factory=list, max_length=10)
