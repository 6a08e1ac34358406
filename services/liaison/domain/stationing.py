"""A stationing (驻村): a cadre assigned to a village for a period, with daily presence, closed weeks and
weekly work reports (周工作情况).

The aggregate holds the presence of the weeks it was loaded with (a stationing can last years); a
closed week is final: its presence can no longer change, so the published compliance stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from minqing_kit.errors import Conflict, InvalidInput
from minqing_kit.workdays import WorkdayCalendar

from . import events as ev
from ._guards import parse_enum, require_aware, require_text
from .enums import PresenceStatus
from .presence_rule import SeasonalRule, WeekCompliance, assess_week, week_days, week_start

MAX_NOTE = 500
MAX_REPORT = 5000


@dataclass(frozen=True)
class Presence:
    day: date
    status: PresenceStatus
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass
class Stationing:
    id: UUID
    cadre_id: str  # the cadre's account (the token's `sub`); events carry `cadre` (its pseudonym)
    cadre: str
    township_code: str
    village_code: str
    starts_on: date
    ends_on: date | None
    assigned_by: str
    assigned_at: datetime
    #: Monday of the latest closed week (weeks close in order); None before the first close.
    closed_through: date | None = None
    short_streak: int = 0  # weeks in a row short, as of the latest closed week
    presence: dict[date, Presence] = field(default_factory=dict)
    reports: dict[date, str] = field(default_factory=dict)  # week start → text (loaded weeks only)
    events: list[ev.DomainEvent] = field(default_factory=list)

    @classmethod
    def assign(cls, *, id: UUID, cadre_id: str, cadre: str, township_code: str, village_code: str,
               starts_on: date, ends_on: date | None, actor: str, now: datetime) -> Stationing:
        require_aware(now, "now")
        if not village_code.startswith(township_code[:9]) or village_code == township_code:
            raise InvalidInput("村须属于该乡镇 (village must lie in the township)", field="village_code",
                               rule="village_of_township")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput("驻村结束日期不能早于开始日期 (ends_on before starts_on)", field="ends_on",
                               rule="after_start")
        s = cls(id=id, cadre_id=require_text(cadre_id, "cadre_id", max_len=128), cadre=cadre,
                township_code=township_code, village_code=village_code, starts_on=starts_on, ends_on=ends_on,
                assigned_by=actor, assigned_at=now)
        s.events.append(ev.CadreStationed(**s._ids(now), starts_on=starts_on, ends_on=ends_on))
        return s

    def _ids(self, now: datetime) -> dict[str, Any]:
        return {"occurred_at": now, "township_code": self.township_code, "village_code": self.village_code,
                "stationing_id": self.id, "cadre": self.cadre}

    def covers(self, day: date) -> bool:
        return day >= self.starts_on and (self.ends_on is None or day <= self.ends_on)

    def _require_open_week(self, day: date, what: str) -> None:
        if self.closed_through is not None and week_start(day) <= self.closed_through:
            raise Conflict(f"该周已结算，不能再修改{what} (week of {week_start(day)} is closed)",
                           field="day", rule="week_closed")

    def record_presence(self, *, day: date, status: PresenceStatus | str, note: str | None, actor: str,
                        now: datetime, today: date) -> Presence:
        """Record (or correct, while the week is open) where the cadre was on `day`."""
        require_aware(now, "now")
        st = parse_enum(PresenceStatus, status, "status")
        if not self.covers(day):
            raise InvalidInput(f"{day} 不在驻村期内 (outside the stationing period)", field="day",
                               rule="within_stationing")
        if day > today:
            raise InvalidInput("不能登记未来日期 (cannot record a future day)", field="day", rule="not_future")
        self._require_open_week(day, "在岗记录")
        text = (note or "").strip() or None
        if st.needs_note:
            text = require_text(text, "note", max_len=MAX_NOTE)
        elif text is not None and len(text) > MAX_NOTE:
            text = require_text(text, "note", max_len=MAX_NOTE)
        p = Presence(day, st, text, actor, now)
        self.presence[day] = p
        self.events.append(ev.PresenceRecorded(**self._ids(now), day=day, status=st, note=text))
        return p

    def submit_report(self, *, week: date, text: str, now: datetime, today: date) -> None:
        """The weekly work report (周工作情况), written at the township; replaced until the week closes."""
        require_aware(now, "now")
        monday = week_start(week)
        if monday > today:
            raise InvalidInput("不能提交未来周的报告 (week not begun)", field="week_start", rule="not_future")
        if not any(self.covers(d) for d in week_days(monday)):
            raise InvalidInput("该周不在驻村期内 (week outside the stationing period)", field="week_start",
                               rule="within_stationing")
        self._require_open_week(monday, "周报")
        body = require_text(text, "text", max_len=MAX_REPORT)
        self.reports[monday] = body
        self.events.append(ev.WeeklyReportSubmitted(**self._ids(now), week_start=monday, text=body))

    def next_week_to_close(self) -> date:
        return week_start(self.starts_on) if self.closed_through is None else _plus_week(self.closed_through)

    def close_week(self, *, week: date, rule: SeasonalRule, calendar: WorkdayCalendar, now: datetime,
                   today: date) -> WeekCompliance:
        """Close the next week in order, once it has ended (Sunday before `today`)."""
        require_aware(now, "now")
        monday = week_start(week)
        if monday != self.next_week_to_close():
            raise Conflict(f"应先结算 {self.next_week_to_close()} 所在周 (weeks close in order; next is"
                           f" {self.next_week_to_close()})", field="week_start", rule="in_order")
        if _plus_week(monday) > today:
            raise Conflict("该周尚未结束 (week has not ended)", field="week_start", rule="week_ended")
        statuses = {d: p.status.value for d, p in self.presence.items()}
        result = assess_week(monday, statuses, rule=rule, calendar=calendar,
                             stationed=(self.starts_on, self.ends_on))
        self.short_streak = 0 if result.met else self.short_streak + 1
        self.closed_through = monday
        self.events.append(ev.WeekClosed(
            **self._ids(now), week_start=monday, season_minimum=result.season_minimum,
            working_days=result.working_days, excused_days=result.excused_days,
            required_days=result.required_days, in_village_days=result.in_village_days,
            at_township_days=result.at_township_days, met=result.met, short_streak=self.short_streak))
        return result

    def weeks_due(self, today: date) -> list[date]:
        """Mondays of the ended weeks not yet closed, within the stationing period."""
        out = []
        monday = self.next_week_to_close()
        last = self.ends_on if self.ends_on is not None else today
        while _plus_week(monday) <= today and monday <= last:
            out.append(monday)
            monday = _plus_week(monday)
        return out

    def end(self, *, ends_on: date, now: datetime) -> None:
        if ends_on < self.starts_on:
            raise InvalidInput("驻村结束日期不能早于开始日期 (ends_on before starts_on)", field="ends_on",
                               rule="after_start")
        if self.closed_through is not None and ends_on < self.closed_through:
            raise Conflict("结束日期落在已结算周之前 (ends before a closed week)", field="ends_on",
                           rule="week_closed")
        self.ends_on = ends_on
        self.events.append(ev.StationingEnded(**self._ids(now), ends_on=ends_on))


def _plus_week(monday: date) -> date:
    return monday + timedelta(days=7)
