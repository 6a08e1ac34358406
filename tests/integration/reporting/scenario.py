"""Events from all four domains for one made-up township in one far-off month, and the figures they
must produce. The topics are shared by the whole test session, so a unique township code and month
keep these figures exact whatever else is on the topics.

The events span the 10th to the 28th of the month; the API clock a test uses (`Scenario.clock`) is the
evening of the month's last day, so "this month" on the dashboard is the scenario's month whatever
month is drawn (February included) and the 30-day trend still covers the 10th."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from minqing_contract import KafkaRecord, encode
from minqing_contract.events import liaison as le
from minqing_contract.events import petition as pe
from minqing_contract.events import safety as se
from minqing_contract.events import volunteer as ve
from minqing_contract.events.base import EventPayload
from tests.unit.reporting.factories import PSEUDONYM

CST = timezone(timedelta(hours=8))


@dataclass
class Scenario:
    township: str
    t0: datetime
    payloads: list[EventPayload]
    records: list[KafkaRecord]

    @property
    def month(self) -> str:
        return f"{self.t0.year}-{self.t0.month:02d}"

    @property
    def now(self) -> datetime:
        """The API's clock for this scenario: 20:00 on the last day of its month, after every event."""
        last = calendar.monthrange(self.t0.year, self.t0.month)[1]
        return self.t0.replace(day=last, hour=20)

    def clock(self) -> datetime:
        return self.now


#: Year-months and townships already drawn in this test session: two scenarios never share a month's
#: ranking, nor a township's open and overdue counts (which span months). The same seed therefore
#: replays the same first scenario, and the next ones stay distinct from it.
_DRAWN: set[tuple[int, int]] = set()
_TOWNSHIPS: set[str] = set()


def _matter(cls: type[Any], township: str, t0: datetime, matter_id: UUID, **extra: Any) -> Any:
    base: dict[str, Any] = dict(township_code=township, occurred_at=t0, matter_id=matter_id,
                                village_code=township[:9] + "201", channel="visit", kind="claim",
                                category="livelihood", subcategory="wage_arrears", headcount=1, is_group_visit=False,
                                department="990102-hr", registered_at=t0)
    base.update(extra)
    return cls(**base)


def build(seed: int, *, month: int | None = None) -> Scenario:
    """The scenario drawn from `seed` (the test's `seed` fixture: printed when the test fails);
    `month` forces the calendar month (February and December have tests of their own)."""
    rng = random.Random(seed)
    township = f"990102{rng.randint(500, 999)}000"
    while township in _TOWNSHIPS:
        township = f"990102{rng.randint(500, 999)}000"
    _TOWNSHIPS.add(township)
    while True:
        year, mon = rng.randint(2040, 2099), month or rng.randint(1, 12)
        if (year, mon) not in _DRAWN:
            _DRAWN.add((year, mon))
            break
    t0 = datetime(year, mon, 10, 9, 0, tzinfo=CST)

    def at(days: float = 0, minutes: float = 0) -> datetime:
        return t0 + timedelta(days=days, minutes=minutes)

    a, b, c = uuid4(), uuid4(), uuid4()
    reg = dict(petitioners=[PSEUDONYM], route_due_at=at(15), department=None)
    assign = dict(mode="assign", acceptance_notice_due_at=at(30), objection_due_at=at(20))
    p: list[EventPayload] = [
        _matter(pe.MatterRegistered, township, t0, a, headcount=3, is_group_visit=True, **reg),
        _matter(pe.MatterRegistered, township, t0, b, channel="online", **reg),
        _matter(pe.MatterRegistered, township, t0, c, **reg),
        _matter(pe.MatterRepeatLinked, township, at(1), a, repeat_of=uuid4()),
        _matter(pe.MatterAssigned, township, at(2), a, assigned_at=at(2), route_due_at=at(15), **assign),
        _matter(pe.MatterAssigned, township, at(16), b, assigned_at=at(16), route_due_at=at(15), **assign),
        _matter(pe.MatterAccepted, township, at(3), a, assigned_at=at(2), accepted_at=at(3),
                acceptance_notice_due_at=at(17), reply_due_at=at(63)),
        _matter(pe.MatterReplied, township, at(10), a, accepted_at=at(3), replied_at=at(10), reply_due_at=at(63)),
        _matter(pe.MatterRated, township, at(11), a, satisfaction="satisfied", rated_at=at(11)),
        _matter(pe.MatterRated, township, at(17), b, satisfaction="dissatisfied", rated_at=at(17)),
        _matter(pe.MatterOverdue, township, at(15, 1), c, deadline="route", due_at=at(15)),
        _matter(pe.MatterClosed, township, at(18), b, closed_at=at(18)),
    ]
    ent, h1, h2, ent2 = uuid4(), uuid4(), uuid4(), uuid4()

    def ent_ev(cls: type[Any], when: datetime, enterprise_id: UUID = ent, **extra: Any) -> Any:
        return cls(township_code=township, occurred_at=when, enterprise_id=enterprise_id, industry="open_pit_quarry",
                   **extra)

    hz = dict(found_at=t0, deadline=at(10))
    p += [
        ent_ev(se.InspectionRecorded, t0, inspection_id=uuid4(), inspection_kind="routine", inspected_at=t0,
               items_checked=10, findings=2),
        ent_ev(se.HazardFound, t0, hazard_id=h1, level="general", listed_supervision=False, **hz),
        ent_ev(se.HazardFound, t0, hazard_id=h2, level="major", listed_supervision=True, **hz),
        ent_ev(se.HazardRectified, at(5), hazard_id=h1, level="general", rectified_at=at(5), on_time=True, **hz),
        ent_ev(se.HazardOverdue, at(10, 1), hazard_id=h2, level="major", **hz),
        ent_ev(se.PenaltyImposed, at(4), penalty_id=uuid4(), article="安全生产法第102条", target="unit",
               amount_yuan=5000, decided_at=at(4), publish_due_at=at(11)),
        ent_ev(se.AccidentReported, at(6), accident_id=uuid4(), accident_occurred_at=at(6),
               reported_at=at(6, 90), deaths=0, serious_injuries=1, direct_loss_yuan=20_000, grade="ordinary",
               late_report=True),
        ent_ev(se.EnterpriseSuspended, at(6), enterprise_id=ent2, reason="fatal_accident", suspended_at=at(6)),
    ]
    r1, r2, team = uuid4(), uuid4(), uuid4()

    def req(cls: type[Any], when: datetime, request_id: UUID = r1, **extra: Any) -> Any:
        return cls(township_code=township, occurred_at=when, request_id=request_id,
                   village_code=township[:9] + "201", category="ecology", submitted_at=t0, **extra)

    p += [
        req(ve.RequestSubmitted, t0, **_submitted_fields(ve.RequestSubmitted)),
        req(ve.RequestSubmitted, t0, request_id=r2, **_submitted_fields(ve.RequestSubmitted)),
        req(ve.RequestDispatched, at(0, 25), team_id=team, team_level="village", attempt=1,
            dispatched_at=at(0, 25)),
        req(ve.RequestAccepted, at(0, 45), team_id=team, team_level="village", grabbed=False,
            dispatched_at=at(0, 25), accepted_at=at(0, 45)),
        req(ve.ServiceCompleted, at(0, 110), team_id=team, dispatched_at=at(0, 25), accepted_at=at(0, 45),
            completed_at=at(0, 110), volunteers=3, total_minutes=180),
        req(ve.RequestRated, at(1), team_id=team, stars=5, rated_at=at(1)),
        ve.HoursRecorded(township_code=township, occurred_at=at(1), volunteer_id=uuid4(), source="request",
                         source_id=r1, minutes=90, served_at=at(0, 110)),
    ]
    p += _liaison(township, t0)
    records = [encode(x, source="/minqing/test", sequence=i + 1) for i, x in enumerate(p)]
    return Scenario(township, t0, p, records)


def _liaison(township: str, t0: datetime) -> list[EventPayload]:
    """Two cadre-weeks (one met, one short; their Thursdays within the month), four paired households of
    which three are visited (one twice), one problem raised whose 民情走访 matter is replied on time."""
    village = township[:9] + "201"
    stationing = uuid4()
    ids = dict(township_code=township, village_code=village, cadre=PSEUDONYM)
    monday = t0.date() + timedelta(days=7 - t0.weekday())  # the Monday after the 10th: Thursday ≤ the 20th

    def week(start: Any, met: bool) -> le.WeekClosed:
        return le.WeekClosed(**ids, occurred_at=t0 + timedelta(days=(start - t0.date()).days + 7), stationing_id=stationing,
                             week_start=start, season_minimum=2, working_days=5, excused_days=0, required_days=2,
                             in_village_days=3 if met else 1, at_township_days=2, met=met, short_streak=0 if met else 1)

    homes = [uuid4() for _ in range(4)]
    out: list[EventPayload] = [week(monday, True), week(monday + timedelta(days=7), False)]
    out += [le.HouseholdPaired(**ids, occurred_at=t0, household_id=h, household=PSEUDONYM) for h in homes]
    visit = uuid4()
    for n, h in enumerate([homes[0], homes[0], homes[1], homes[2]]):
        out.append(le.VisitRecorded(**ids, occurred_at=t0 + timedelta(days=n + 1), visit_id=visit if n == 0 else uuid4(),
                                    household_id=h, household=PSEUDONYM, visited_on=(t0 + timedelta(days=n + 1)).date(),
                                    problems=1 if n == 0 else 0, help_given=False))
    day1 = t0 + timedelta(days=1)
    out.append(le.ProblemRaised(**ids, occurred_at=day1, problem_id=uuid4(), visit_id=visit, household_id=homes[0],
                                household=PSEUDONYM, category="livelihood", subcategory="wage_arrears",
                                visited_on=day1.date(), raised_at=day1))
    # The petition service's matter for it (registered from the event a moment later), replied on time.
    out.append(_matter(pe.MatterReplied, township, t0 + timedelta(days=8), uuid4(), channel="field_visit",
                       registered_at=day1 + timedelta(seconds=2), accepted_at=t0 + timedelta(days=3),
                       replied_at=t0 + timedelta(days=8), reply_due_at=t0 + timedelta(days=63)))
    return out


def _submitted_fields(cls: type[Any]) -> dict[str, Any]:
    return {"requester": PSEUDONYM, "urgency": "normal"}
