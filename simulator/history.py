"""County history, fast: a seeded generator of consistent contract-event lifecycles (issue 8 §5).

`generate(start, days, seed, scale)` walks the simulated days in order. On each day it draws the
day's new aggregates (petition matters, inspections and the hazards they raise, accidents, volunteer
requests and activities) with volumes scaled by township population and lower on weekends and public
holidays (`chinese_calendar`), plans each aggregate's whole lifecycle at once, and files every planned
event into the bucket of its Asia/Shanghai day. A day's bucket is complete once that day's births are
planned (nothing planned later can fall earlier), so it is sorted by time and emitted. Events after
the end of the simulated window are dropped: the history ends with realistic open backlogs.

Every event is a validated contract payload; the yielded sequence number is the per-aggregate version
(the Kafka key's 1, 2, 3 ...), assigned in emission order, so it is increasing with `occurred_at`.
No personal data: people are keyed pseudonyms (`p_` + 26 base32 chars), volunteers opaque UUIDs.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from minqing_contract.divisions import County, Township, load_county
from minqing_contract.events import petition as pe
from minqing_contract.events import safety as sa
from minqing_contract.events import volunteer as vo
from minqing_contract.events.base import EventPayload

#: Asia/Shanghai has had no DST since 1991: a fixed +08:00 offset is exact and much faster.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_H = timedelta(hours=1)
_D = timedelta(days=1)
_MIN = timedelta(minutes=1)

# ---------------------------------------------------------------------------------------------------
# Volumes (county-wide, scale 1.0): domain-reference.md — ~100–150 matters a day, weekdays busier.
PETITIONS_PER_WORKDAY = 140.0
PETITIONS_OFFDAY_FACTOR = 0.6
REQUESTS_PER_WORKDAY = 40.0
REQUESTS_OFFDAY_FACTOR = 0.75
ACCIDENTS_PER_DAY = 0.04
ENTERPRISES_PER_1000_PEOPLE = 1.0


@cache
def is_workday(day: date) -> bool:
    """Chinese working day (holidays and adjusted weekends); plain Mon–Fri outside the calendar's years."""
    try:
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, ImportError):
        return day.weekday() < 5


def add_working_days(at: datetime, n: int) -> datetime:
    d = at.date()
    while n > 0:
        d += _D
        if is_workday(d):
            n -= 1
    return datetime.combine(d, time(17, 30), SHANGHAI)


def _office(at: datetime, rng: random.Random) -> datetime:
    """The next moment inside office hours (08:30–17:30 on a working day) at or after `at`."""
    d = at.date()
    minutes = at.hour * 60 + at.minute
    if is_workday(d) and 510 <= minutes < 1050:
        return at
    if not is_workday(d) or minutes >= 1050:
        d += _D
        while not is_workday(d):
            d += _D
    return datetime.combine(d, time(8, 30), SHANGHAI) + timedelta(minutes=rng.uniform(0, 150))


def _daytime(at: datetime, rng: random.Random, first: int = 8, last: int = 18) -> datetime:
    """The next moment between `first` and `last` o'clock (any day of the week)."""
    if first <= at.hour < last:
        return at
    d = at.date() + (_D if at.hour >= last else timedelta(0))
    return datetime.combine(d, time(first), SHANGHAI) + timedelta(minutes=rng.uniform(0, 120))


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(bytes=rng.randbytes(16), version=4)


def pseudonym(rng: random.Random) -> str:
    return "p_" + "".join(rng.choices(_B32, k=26))


# ---------------------------------------------------------------------------------------------------
# The schedule: per-day buckets of planned events


@dataclass
class _Schedule:
    start: date
    days: int
    end: datetime
    buckets: dict[int, list[tuple[datetime, int, type[EventPayload], dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list))
    counter: int = 0

    def add(self, at: datetime, cls: type[EventPayload], kw: dict[str, Any]) -> bool:
        """File one event; False (dropped) when it lies after the simulated end."""
        if at >= self.end:
            return False
        self.counter += 1
        kw["occurred_at"] = at
        self.buckets[(at.date() - self.start).days].append((at, self.counter, cls, kw))
        return True

    def add_all(self, events: list[tuple[datetime, type[EventPayload], dict[str, Any]]]) -> None:
        """File one aggregate's planned events in time order (stable for equal times)."""
        events.sort(key=lambda e: e[0])
        for at, cls, kw in events:
            if not self.add(at, cls, kw):
                break


# ---------------------------------------------------------------------------------------------------
# Petitions (信访 / 民情)

SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "economy": ("relocation", "land_requisition", "infrastructure", "business_environment", "industry_development"),
    "livelihood": ("medical", "education", "housing", "social_insurance", "drinking_water", "pollution"),
    "dispute": ("land_dispute", "neighbour_dispute", "family_dispute", "wage_arrears", "public_order"),
    "production": ("farm_inputs", "produce_sales", "land_transfer", "enterprise_difficulty", "work_safety"),
    "poverty_relief": ("minimum_living", "hardship_relief", "disability_support", "left_behind_care",
                       "employment_support", "dilapidated_housing"),
    "grassroots": ("cadre_conduct", "village_affairs", "collective_finance", "village_election"),
}
CATEGORY_WEIGHTS = {"economy": 14, "livelihood": 30, "dispute": 24, "production": 10, "poverty_relief": 12,
                    "grassroots": 10}
DEPARTMENT_OF = {
    "relocation": "zjj", "land_requisition": "zrzy", "infrastructure": "jtj", "business_environment": "scj",
    "industry_development": "nyj", "medical": "wjj", "education": "jyj", "housing": "zjj",
    "social_insurance": "rsj", "drinking_water": "sthj", "pollution": "sthj", "land_dispute": "zrzy",
    "neighbour_dispute": "mzj", "family_dispute": "mzj", "wage_arrears": "rsj", "public_order": "gaj",
    "farm_inputs": "nyj", "produce_sales": "nyj", "land_transfer": "nyj", "enterprise_difficulty": "scj",
    "work_safety": "yjj", "minimum_living": "mzj", "hardship_relief": "mzj", "disability_support": "mzj",
    "left_behind_care": "mzj", "employment_support": "rsj", "dilapidated_housing": "zjj",
    "cadre_conduct": "xfj", "village_affairs": "mzj", "collective_finance": "nyj", "village_election": "mzj",
}
_CHANNELS_WORKDAY = (("visit", 24), ("letter", 8), ("phone", 20), ("fax", 1), ("online", 35), ("field_visit", 12))
_CHANNELS_OFFDAY = (("visit", 4), ("letter", 2), ("phone", 30), ("fax", 1), ("online", 60), ("field_visit", 3))
_KINDS = (("claim", 70), ("suggestion", 15), ("accusation", 15))
_SATISFACTION = (("satisfied", 72), ("basically_satisfied", 18), ("dissatisfied", 10))
#: How long before a statutory deadline the warning goes out, per deadline kind.
_WARN = {"route": 3, "acceptance_notice": 3, "reply": 5, "review_decision": 5, "re_review_decision": 5}


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@dataclass
class _OpenMatter:
    matter_id: uuid.UUID
    base: dict[str, Any]
    petitioners: list[str]
    registered_at: datetime
    assigned_at: datetime
    department: str
    closed_at: datetime


class _Petitions:
    def __init__(self, county: County, rng: random.Random, sched: _Schedule) -> None:
        self.county, self.rng, self.sched = county, rng, sched
        self.departments = [d.code for d in county.departments if d.code != "xfj"]
        self.recent: deque[_OpenMatter] = deque(maxlen=400)

    def day(self, day: date, townships: list[tuple[Township, float]]) -> None:
        work = is_workday(day)
        rate = PETITIONS_PER_WORKDAY * (1.0 if work else PETITIONS_OFFDAY_FACTOR)
        for township, share in townships:
            for _ in range(poisson(self.rng, rate * share)):
                self.matter(day, township, work)

    def matter(self, day: date, township: Township, work: bool) -> None:
        rng = self.rng
        channel = _pick(rng, _CHANNELS_WORKDAY if work else _CHANNELS_OFFDAY)
        if channel in ("visit", "field_visit", "letter", "fax"):
            minute = rng.uniform(510, 1050)
        elif channel == "phone":
            minute = rng.uniform(480, 1200)
        else:
            minute = rng.uniform(0, 1440) if rng.random() < 0.25 else rng.uniform(420, 1380)
        t0 = datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=minute)
        # §19: a repeat of an open matter by the same people is linked, not opened as a new case.
        if self.recent and rng.random() < 0.04:
            candidates = [m for m in list(self.recent)[-120:] if m.registered_at < t0 < m.closed_at]
            if candidates:
                self.repeat(rng.choice(candidates), t0, channel)
                return
        matter_id = new_uuid(rng)
        kind = _pick(rng, _KINDS)
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        subcategory = rng.choice(SUBCATEGORIES[category])
        village = rng.choice(township.villages).code if (channel == "field_visit" or rng.random() < 0.7) else None
        group = channel == "visit" and rng.random() < 0.04
        headcount = rng.randint(5, 40) if group else (1 if rng.random() < 0.88 else rng.randint(2, 4))
        petitioners = [pseudonym(rng) for _ in range(5 if group else headcount)]  # §20: at most 5 representatives
        base: dict[str, Any] = dict(
            township_code=township.code, matter_id=matter_id, village_code=village, channel=channel, kind=kind,
            category=category, subcategory=subcategory, headcount=headcount, is_group_visit=headcount >= 5,
            department=None, registered_at=t0)
        ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = []
        deadlines: list[tuple[str, datetime, datetime, datetime, str | None]] = []  # kind, opened, due, met, dept

        def emit(at: datetime, cls: type[EventPayload], department: str | None, **kw: Any) -> None:
            ev.append((at, cls, {**base, "department": department, **kw}))

        route_due = t0 + 15 * _D
        emit(t0, pe.MatterRegistered, None, petitioners=petitioners, route_due_at=route_due)
        late_route = rng.random() < 0.03
        if late_route:
            t1 = _office(route_due + timedelta(days=rng.uniform(0.5, 6)), rng)
        else:
            t1 = _office(t0 + timedelta(days=rng.lognormvariate(0.3, 0.8) % 12), rng)
        t1 = max(t1, t0 + 10 * _MIN)
        deadlines.append(("route", t0, route_due, t1, None))
        department = DEPARTMENT_OF[subcategory]

        def assign(at: datetime, dept: str) -> datetime:
            objection_due = add_working_days(at, 5)
            emit(at, pe.MatterAssigned, dept, mode="assign" if rng.random() < 0.4 else "transfer",
                 assigned_at=at, route_due_at=route_due, acceptance_notice_due_at=at + 15 * _D,
                 objection_due_at=objection_due)
            return objection_due

        objection_due = assign(t1, department)
        if rng.random() < 0.05:  # misrouted: the department objects within 5 working days, re-routed
            returned = max(t1 + _H, _office(t1 + timedelta(days=rng.uniform(0.3, 3)), rng))
            returned = min(returned, objection_due - _MIN)
            emit(returned, pe.MatterReturned, department, returned_at=returned, objection_due_at=objection_due)
            department = rng.choice([d for d in self.departments if d != department])
            t1 = _office(returned + timedelta(days=rng.uniform(0.2, 3)), rng)
            assign(t1, department)
        if rng.random() < 0.05:
            t2 = _office(t1 + timedelta(days=rng.uniform(15.5, 24)), rng)
        else:
            t2 = _office(t1 + timedelta(days=rng.uniform(0.2, 9)), rng)
        t2 = max(t2, t1 + 30 * _MIN)
        deadlines.append(("acceptance_notice", t1, t1 + 15 * _D, t2, department))
        reply_due = t2 + 60 * _D
        emit(t2, pe.MatterAccepted, department, assigned_at=t1, accepted_at=t2,
             acceptance_notice_due_at=t1 + 15 * _D, reply_due_at=reply_due)
        fate = rng.random()
        if fate < 0.07:  # §34: extension of at most 30 days, approved before the deadline
            extended = _office(t2 + timedelta(days=rng.uniform(35, 50)), rng)
            days = rng.randint(10, 30)
            reply_due += days * _D
            emit(extended, pe.MatterExtended, department, extension_days=days, reply_due_at=reply_due)
            t3 = _office(extended + timedelta(days=rng.uniform(3, days + 8)), rng)
        elif fate < 0.11:  # replied late
            t3 = _office(reply_due + timedelta(days=rng.uniform(1, 25)), rng)
        else:
            t3 = _office(t2 + timedelta(days=min(57.0, rng.lognormvariate(3.0, 0.5))), rng)
        t3 = max(t3, t2 + _H)
        deadlines.append(("reply", t2, reply_due, t3, department))
        emit(t3, pe.MatterReplied, department, accepted_at=t2, replied_at=t3, reply_due_at=reply_due)
        last = t3
        satisfaction = None
        if rng.random() < 0.8:
            weights = _SATISFACTION if t3 <= reply_due else (("satisfied", 40), ("basically_satisfied", 30),
                                                              ("dissatisfied", 30))
            satisfaction = _pick(rng, weights)
            rated = t3 + timedelta(days=rng.uniform(0.1, 10))
            emit(rated, pe.MatterRated, department, satisfaction=satisfaction, rated_at=rated)
            last = rated
        wants_review = (satisfaction == "dissatisfied" and rng.random() < 0.45) or (
            satisfaction == "basically_satisfied" and rng.random() < 0.04)
        if wants_review:  # §35/§36: 复查 within 30 days of the reply, then maybe 复核, 30 + 30 days each
            opened = t3
            for level, deadline in (("review", "review_decision"), ("re_review", "re_review_decision")):
                requested = _office(max(last, opened) + timedelta(days=rng.uniform(1, 25)), rng)
                due = requested + 30 * _D
                emit(requested, pe.ReviewRequested, department, level=level, requested_at=requested,
                     decision_due_at=due)
                decided = _office(requested + timedelta(days=rng.uniform(8, 28) if rng.random() < 0.95
                                                        else rng.uniform(31, 40)), rng)
                deadlines.append((deadline, requested, due, decided, department))
                final = level == "re_review"
                emit(decided, pe.ReviewDecided, department, level=level,
                     outcome="upheld" if rng.random() < 0.8 else "changed", decided_at=decided, final=final)
                last = opened = decided
                if rng.random() > 0.3:
                    break
        closed = _office(last + timedelta(days=rng.uniform(0.1, 3) if satisfaction else rng.uniform(10, 16)), rng)
        closed = max(closed, last + _MIN)
        emit(closed, pe.MatterClosed, department, closed_at=closed)
        # Deadline warnings and overdue notices, once per deadline, at the right moments.
        for kind_, opened_at, due, met, dept in deadlines:
            warn = due - _WARN[kind_] * _D
            if met > warn and warn > opened_at:
                emit(warn, pe.DeadlineApproaching, dept, deadline=kind_, due_at=due)
            if met > due:
                emit(due, pe.MatterOverdue, dept, deadline=kind_, due_at=due)
                supervised = due + timedelta(days=rng.uniform(0.5, 3))
                if supervised < met and rng.random() < 0.6:  # §40 督办
                    emit(supervised, pe.MatterSupervised, dept, supervised_at=supervised)
        self.sched.add_all(ev)
        self.recent.append(_OpenMatter(matter_id, base, petitioners, t0, t1, department, closed))

    def repeat(self, of: _OpenMatter, at: datetime, channel: str) -> None:
        kw = {**of.base, "matter_id": new_uuid(self.rng), "channel": channel, "registered_at": at,
              "department": of.department if at >= of.assigned_at else None, "repeat_of": of.matter_id}
        if channel == "field_visit" and kw["village_code"] is None:
            kw["channel"] = "visit"
        if kw["channel"] != "visit" and kw["is_group_visit"]:
            kw["channel"] = "visit"
        self.sched.add(at, pe.MatterRepeatLinked, kw)


# ---------------------------------------------------------------------------------------------------
# Work safety (安监)

_INDUSTRIES = (("other", 33), ("construction", 20), ("foundry", 12), ("open_pit_quarry", 10),
               ("metallurgy", 10), ("hazardous_chemicals", 9), ("fireworks", 6))
_PERMITTED = {"open_pit_quarry", "hazardous_chemicals", "fireworks"}  # hold a safety production permit
_HIGH_RISK = {"open_pit_quarry", "hazardous_chemicals", "fireworks", "metallurgy", "foundry"}


@dataclass
class _Enterprise:
    id: uuid.UUID
    township: str
    industry: str
    size: str
    interval_days: float
    suspended_until: datetime | None = None
    major_penalties: list[datetime] = field(default_factory=list)
    closure_proposed: datetime | None = None


def enterprises(county: County, seed: int, scale: float = 1.0) -> dict[str, list[_Enterprise]]:
    """The stable register: the same enterprise ids and industries for a seed, whatever the dates."""
    rng = random.Random(f"{seed}:enterprises")
    out: dict[str, list[_Enterprise]] = {}
    for t in county.townships:
        n = max(3, round(t.population / 1000 * ENTERPRISES_PER_1000_PEOPLE * scale))
        out[t.code] = []
        for _ in range(n):
            industry = _pick(rng, _INDUSTRIES)
            size = rng.choices(("micro", "small", "medium", "large"), (35, 45, 16, 4))[0]
            interval = rng.uniform(20, 40) if industry in _HIGH_RISK else rng.uniform(45, 90)
            out[t.code].append(_Enterprise(new_uuid(rng), t.code, industry, size, interval))
    return out


def accident_grade(deaths: int, injuries: int, loss: int) -> str:
    """条例 §3: the highest grade any of the three measures reaches."""
    if deaths >= 30 or injuries >= 100 or loss >= 100_000_000:
        return "especially_major"
    if deaths >= 10 or injuries >= 50 or loss >= 50_000_000:
        return "major"
    if deaths >= 3 or injuries >= 10 or loss >= 10_000_000:
        return "larger"
    return "ordinary"


class _Safety:
    def __init__(self, county: County, rng: random.Random, sched: _Schedule, register: dict[str, list[_Enterprise]],
                 scale: float) -> None:
        self.rng, self.sched, self.register, self.scale = rng, sched, register, scale
        self.all = [e for es in register.values() for e in es]

    def register_all(self, at: datetime) -> None:
        for e in self.all:
            self.sched.add(at, sa.EnterpriseRegistered, dict(
                township_code=e.township, enterprise_id=e.id, industry=e.industry, size=e.size,
                permit_status="valid", operating_status="operating"))

    def _kw(self, e: _Enterprise, **kw: Any) -> dict[str, Any]:
        return {"township_code": e.township, "enterprise_id": e.id, "industry": e.industry, **kw}

    def day(self, day: date) -> None:
        rng = self.rng
        if is_workday(day):
            for e in self.all:
                if rng.random() < 1.4 / e.interval_days:  # ≈ one routine visit per interval (workdays only)
                    self.inspection(e, day)
        for _ in range(poisson(rng, ACCIDENTS_PER_DAY * self.scale)):
            weights = [3 if e.industry in _HIGH_RISK else 1 for e in self.all]
            self.accident(rng.choices(self.all, weights)[0], day)

    def _suspend(self, e: _Enterprise, at: datetime, resume: datetime, reason: str,
                 ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]]) -> bool:
        if e.suspended_until is not None and e.suspended_until > at:
            return False
        e.suspended_until = resume
        ev.append((at, sa.EnterpriseSuspended, self._kw(e, reason=reason, suspended_at=at)))
        if e.industry in _PERMITTED:
            ev.append((at + _MIN, sa.PermitStatusChanged, self._kw(e, from_status="valid", to_status="collected")))
            ev.append((resume - _MIN, sa.PermitStatusChanged, self._kw(e, from_status="collected", to_status="valid")))
        ev.append((resume, sa.EnterpriseResumed, self._kw(e, resumed_at=resume, suspended_at=at)))
        return True

    def inspection(self, e: _Enterprise, day: date) -> None:
        rng = self.rng
        at = datetime.combine(day, time(9), SHANGHAI) + timedelta(minutes=rng.uniform(0, 450))
        findings = rng.choices((0, 1, 2, 3, 4), (40, 30, 17, 9, 4) if e.industry in _HIGH_RISK
                               else (55, 28, 11, 5, 1))[0]
        kind = "follow_up" if rng.random() < 0.08 else "routine"
        self.sched.add(at, sa.InspectionRecorded, self._kw(
            e, inspection_id=new_uuid(rng), inspection_kind=kind, inspected_at=at,
            items_checked=rng.randint(12, 40), findings=findings))
        for i in range(findings):
            self.hazard(e, at + (i + 1) * _MIN)

    def hazard(self, e: _Enterprise, found: datetime) -> None:
        rng = self.rng
        major = rng.random() < (0.1 if e.industry in _HIGH_RISK else 0.04)
        level = "major" if major else "general"
        deadline = datetime.combine(found.date() + timedelta(days=rng.randint(30, 90) if major else rng.randint(3, 15)),
                                    time(17, 30), SHANGHAI)
        h = self._kw(e, hazard_id=new_uuid(rng), level=level, found_at=found, deadline=deadline)
        ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = [
            (found, sa.HazardFound, {**h, "listed_supervision": major})]
        if major:
            submitted = _office(found + timedelta(days=rng.uniform(1, 7)), rng)
            ev.append((submitted, sa.RectificationPlanSubmitted, {**h, "submitted_at": submitted}))
        span = (deadline - found).total_seconds() / 86400
        late = rng.random() < 0.12
        reported = _office(found + timedelta(days=span * rng.uniform(1.1, 2.0) if late
                                             else span * rng.uniform(0.1, 0.55)), rng)
        reported = max(reported, found + _H)
        closed_at: datetime | None = None
        while closed_at is None:
            ev.append((reported, sa.RectificationReported, {**h, "reported_at": reported}))
            re_at = _office(reported + timedelta(days=rng.uniform(0.1, 1.5)), rng)
            passed = rng.random() < 0.9
            ev.append((re_at, sa.InspectionRecorded, self._kw(
                e, inspection_id=new_uuid(rng), inspection_kind="re_inspection", inspected_at=re_at,
                items_checked=rng.randint(1, 5), findings=0 if passed else 1)))
            if passed:
                closed_at = re_at + _MIN
                ev.append((closed_at, sa.HazardRectified, {**h, "rectified_at": closed_at,
                                                            "on_time": closed_at <= deadline}))
            else:
                failed = re_at + _MIN
                ev.append((failed, sa.ReinspectionFailed, {**h, "reinspected_at": failed}))
                reported = _office(failed + timedelta(days=rng.uniform(2, 10)), rng)
        if major and rng.random() < 0.35:  # 停产停业整顿 until the re-inspection passes
            self._suspend(e, found + 30 * _MIN, closed_at + 2 * _MIN, "major_hazard", ev)
        if closed_at > deadline:
            ev.append((deadline, sa.HazardOverdue, dict(h)))
            if rng.random() < 0.7:  # §102 / §101
                decided = _office(deadline + timedelta(days=rng.uniform(1, 10)), rng)
                if decided < closed_at or rng.random() < 0.5:
                    self.penalty(e, decided, h, ev)
        self.sched.add_all(ev)

    def penalty(self, e: _Enterprise, decided: datetime, h: dict[str, Any],
                ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]]) -> None:
        rng = self.rng
        person = rng.random() < 0.1
        if h["level"] == "major":
            article = "安全生产法第一百零一条"
            amount = rng.randrange(50_000, 100_001, 1000) if person else rng.randrange(20_000, 100_001, 1000)
        else:
            article = "安全生产法第一百零二条"
            amount = rng.randrange(50_000, 100_001, 1000) if person else rng.randrange(5_000, 50_001, 500)
        ev.append((decided, sa.PenaltyImposed, self._kw(
            e, penalty_id=new_uuid(rng), hazard_id=h["hazard_id"], hazard_level=h["level"], article=article,
            target="responsible_person" if person else "unit", amount_yuan=amount, decided_at=decided,
            publish_due_at=add_working_days(decided, 7))))
        if h["level"] == "major":  # §113: 3 major-hazard penalties within 180 days → closure proposal
            bisect.insort(e.major_penalties, decided)
            window = [p for p in e.major_penalties if decided - 180 * _D <= p <= decided]
            if len(window) >= 3 and (e.closure_proposed is None or decided - e.closure_proposed > 180 * _D):
                e.closure_proposed = decided
                ev.append((decided + 5 * _MIN, sa.ClosureProposed, self._kw(
                    e, penalties_in_window=len(window), window_days=180)))

    def accident(self, e: _Enterprise, day: date) -> None:
        rng = self.rng
        happened = datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=rng.uniform(360, 1260))
        r = rng.random()
        deaths = 0 if r < 0.72 else 1 if r < 0.94 else 2 if r < 0.985 else rng.randint(3, 5)
        injuries = rng.choices((0, 1, 2, 3, 5, 11), (50, 25, 12, 7, 5, 1))[0]
        loss = int(rng.lognormvariate(11.5, 1.2))
        late = rng.random() < 0.05
        reported = happened + timedelta(hours=rng.uniform(1.2, 8) if late else rng.uniform(0.1, 0.95))
        ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = [(reported, sa.AccidentReported, self._kw(
            e, accident_id=new_uuid(rng), accident_occurred_at=happened, reported_at=reported, deaths=deaths,
            serious_injuries=injuries, direct_loss_yuan=loss, grade=accident_grade(deaths, injuries, loss),
            late_report=late))]
        if deaths:  # a fatal accident stops production at once
            resume = _office(reported + timedelta(days=rng.uniform(20, 60)), rng)
            self._suspend(e, reported + 10 * _MIN, resume, "fatal_accident", ev)
        self.sched.add_all(ev)


# ---------------------------------------------------------------------------------------------------
# Volunteer service (志愿服务)

SPECIALTIES = ("ecology", "medical", "legal", "elderly_disabled", "left_behind_children", "culture", "science",
               "emergency", "theory", "education", "neighbourhood")
_REQUEST_CATEGORIES = (("elderly_disabled", 22), ("neighbourhood", 18), ("ecology", 12), ("medical", 12),
                       ("left_behind_children", 10), ("legal", 8), ("education", 7), ("culture", 5),
                       ("science", 3), ("emergency", 2), ("theory", 1))
_ACTIVITIES = {"medical": "free_clinic", "legal": "legal_awareness", "elderly_disabled": "elderly_visit",
               "ecology": "environment_cleanup", "science": "science_popularisation", "culture": "cultural_show",
               "education": "tutoring", "emergency": "emergency_drill", "theory": "policy_lecture",
               "left_behind_children": "children_care", "neighbourhood": "neighbourhood_help"}
_LEVELS = ("village", "township", "county")


@dataclass
class _Team:
    id: uuid.UUID
    level: str
    division: str
    township: str
    specialties: list[str]
    volunteers: list[uuid.UUID]
    activity_every: float


class _Volunteer:
    def __init__(self, county: County, rng: random.Random, sched: _Schedule, seed: int) -> None:
        self.county, self.rng, self.sched = county, rng, sched
        trng = random.Random(f"{seed}:teams")
        self.teams: list[_Team] = []
        self.village_team: dict[str, _Team] = {}
        self.township_team: dict[str, _Team] = {}

        def team(level: str, division: str, township: str, n_spec: int, size: tuple[int, int], every: float) -> _Team:
            specs = trng.sample(SPECIALTIES, n_spec)
            if level == "village" and "neighbourhood" not in specs:
                specs[0] = "neighbourhood"
            t = _Team(new_uuid(trng), level, division, township, specs,
                      [new_uuid(trng) for _ in range(trng.randint(*size))], every)
            self.teams.append(t)
            return t

        self.county_teams = [team("county", county.code, county.townships[0].code, 6, (30, 60), 5)
                             for _ in range(3)]
        for t in county.townships:
            self.township_team[t.code] = team("township", t.code, t.code, 4, (15, 35), 10)
            for v in t.villages:
                self.village_team[v.code] = team("village", v.code, t.code, 3, (6, 18), 18)
        self.busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.requesters: dict[str, list[str]] = defaultdict(list)

    def register_all(self, at: datetime) -> None:
        for t in self.teams:
            self.sched.add(at, vo.TeamRegistered, dict(
                township_code=t.township, team_id=t.id, level=t.level, division_code=t.division,
                specialties=t.specialties, capacity=len(t.volunteers)))

    def _free(self, team: _Team, start: datetime, end: datetime, wanted: int) -> list[uuid.UUID]:
        """Volunteers of `team` with no overlapping service span (hours must not overlap)."""
        chosen: list[uuid.UUID] = []
        for v in self.rng.sample(team.volunteers, len(team.volunteers)):
            spans = self.busy[v]
            if all(e <= start or s >= end for s, e in spans[-6:]):
                chosen.append(v)
                spans.append((start, end))
                if len(spans) > 12:
                    del spans[:6]
                if len(chosen) == wanted:
                    break
        return chosen

    def _hours(self, team: _Team, source: str, source_id: uuid.UUID, start: datetime, end: datetime,
               volunteers: list[uuid.UUID], ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]]) -> int:
        total = 0
        for i, v in enumerate(volunteers):
            minutes = max(1, int((end - start).total_seconds() // 60))
            total += minutes
            ev.append((end + (i + 1) * _MIN, vo.HoursRecorded, dict(
                township_code=team.township, volunteer_id=v, team_id=team.id, source=source, source_id=source_id,
                minutes=minutes, served_at=start)))
        return total

    def day(self, day: date, townships: list[tuple[Township, float]]) -> None:
        rng = self.rng
        work = is_workday(day)
        rate = REQUESTS_PER_WORKDAY * (1.0 if work else REQUESTS_OFFDAY_FACTOR)
        for township, share in townships:
            for _ in range(poisson(rng, rate * share)):
                self.request(day, township)
        for team in self.teams:
            if rng.random() < (1.6 if not work else 0.75) / team.activity_every:
                self.activity(team, day)

    def request(self, day: date, township: Township) -> None:
        rng = self.rng
        village = rng.choice(township.villages).code
        t0 = datetime.combine(day, time(7), SHANGHAI) + timedelta(minutes=rng.uniform(0, 840))
        known = self.requesters[village]
        requester = rng.choice(known) if known and rng.random() < 0.3 else pseudonym(rng)
        if requester not in known:
            known.append(requester)
        base = dict(township_code=township.code, request_id=new_uuid(rng), village_code=village,
                    category=_pick(rng, _REQUEST_CATEGORIES), submitted_at=t0)
        ev: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = [(t0, vo.RequestSubmitted, {
            **base, "urgency": rng.choices(("low", "normal", "high", "urgent"), (20, 60, 15, 5))[0],
            "requester": requester})]
        reviewed = _daytime(t0 + timedelta(hours=rng.uniform(0.3, 20)), rng)
        if rng.random() < 0.04:
            ev.append((reviewed, vo.RequestRejected, {**base, "rejected_at": reviewed}))
            self.sched.add_all(ev)
            return
        ev.append((reviewed, vo.RequestApproved, {**base, "approved_at": reviewed}))
        if rng.random() < 0.03:
            cancelled = reviewed + timedelta(hours=rng.uniform(0.5, 30))
            ev.append((cancelled, vo.RequestCancelled, {**base, "cancelled_at": cancelled}))
            self.sched.add_all(ev)
            return
        # 派单 down the levels: village station → township 所 → county 中心; or grabbed (抢单).
        now = reviewed + timedelta(hours=rng.uniform(0.1, 3))
        teams = {"village": self.village_team[village], "township": self.township_team[township.code],
                 "county": rng.choice(self.county_teams)}
        team: _Team | None = None
        dispatched_at: datetime | None = None
        if rng.random() < 0.12:
            team = rng.choice((teams["village"], teams["township"]))
            accepted = now
        else:
            attempt, level_i = 1, 0 if base["category"] in teams["village"].specialties else 1
            while team is None:
                level = _LEVELS[level_i]
                candidate = teams[level]
                ev.append((now, vo.RequestDispatched, {**base, "team_id": candidate.id, "team_level": level,
                                                       "attempt": attempt, "dispatched_at": now}))
                r = rng.random()
                if r < 0.8 or (level == "county" and attempt > 3):
                    dispatched_at, team = now, candidate
                    accepted = now + timedelta(hours=rng.uniform(0.1, 10))
                elif level == "county":
                    flagged = now + 24 * _H
                    ev.append((flagged, vo.ManualDispatchNeeded, {**base, "flagged_at": flagged}))
                    now, attempt = flagged + timedelta(hours=rng.uniform(1, 20)), attempt + 1
                    teams["county"] = rng.choice(self.county_teams)
                elif r < 0.9:
                    declined = now + timedelta(hours=rng.uniform(0.3, 10))
                    ev.append((declined, vo.RequestDeclined, {**base, "team_id": candidate.id,
                                                              "declined_at": declined}))
                    now, attempt, level_i = declined + timedelta(hours=rng.uniform(0.1, 2)), attempt + 1, level_i + 1
                else:  # not accepted in time
                    escalated = now + 24 * _H
                    ev.append((escalated, vo.RequestEscalated, {**base, "from_level": level,
                                                                "to_level": _LEVELS[level_i + 1],
                                                                "escalated_at": escalated}))
                    now, attempt, level_i = escalated + 5 * _MIN, attempt + 1, level_i + 1
        ev.append((accepted, vo.RequestAccepted, {**base, "team_id": team.id, "team_level": team.level,
                                                  "grabbed": dispatched_at is None, "dispatched_at": dispatched_at,
                                                  "accepted_at": accepted}))
        started = _daytime(accepted + timedelta(hours=rng.uniform(2, 60)), rng, 8, 17)
        completed = started + timedelta(minutes=rng.uniform(45, 240))
        volunteers = self._free(team, started, completed, rng.choices((1, 2, 3, 4, 5), (25, 35, 20, 12, 8))[0])
        if not volunteers:  # everybody busy: the request waits a day
            started += _D
            completed += _D
            volunteers = self._free(team, started, completed, 1) or [rng.choice(team.volunteers)]
        ev.append((started, vo.ServiceStarted, {**base, "team_id": team.id, "started_at": started}))
        hours: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = []
        total = self._hours(team, "request", base["request_id"], started, completed, volunteers, hours)
        ev.append((completed, vo.ServiceCompleted, {**base, "team_id": team.id, "dispatched_at": dispatched_at,
                                                    "accepted_at": accepted, "completed_at": completed,
                                                    "volunteers": len(volunteers), "total_minutes": total}))
        if rng.random() < 0.85:
            rated = completed + timedelta(hours=rng.uniform(0.5, 72))
            stars = rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 30, 55))[0]
            ev.append((rated, vo.RequestRated, {**base, "team_id": team.id, "stars": stars, "rated_at": rated}))
        self.sched.add_all(ev)
        self.sched.add_all(hours)  # keyed by volunteer: separate aggregates

    def activity(self, team: _Team, day: date) -> None:
        rng = self.rng
        start = datetime.combine(day, time(8), SHANGHAI) + timedelta(minutes=rng.uniform(0, 480))
        end = start + timedelta(minutes=rng.uniform(60, 240))
        volunteers = self._free(team, start, end, rng.randint(3, min(12, len(team.volunteers))))
        if not volunteers:
            return
        activity_id = new_uuid(rng)
        hours: list[tuple[datetime, type[EventPayload], dict[str, Any]]] = []
        total = self._hours(team, "activity", activity_id, start, end, volunteers, hours)
        specialty = rng.choice(team.specialties)
        self.sched.add(end, vo.ActivityHeld, dict(
            township_code=team.township, activity_id=activity_id, team_id=team.id,
            activity_type=_ACTIVITIES[specialty], division_code=team.division, held_at=start,
            person_times=rng.randint(15, 80) * (3 if team.level == "county" else 1), total_minutes=total))
        self.sched.add_all(hours)


# ---------------------------------------------------------------------------------------------------


def generate(start: date, days: int, seed: int = 7, scale: float = 1.0) -> Iterator[tuple[EventPayload, int]]:
    """Yield (validated payload, per-aggregate sequence) for `days` days from `start`, in time order."""
    county = load_county()
    day0 = datetime.combine(start, time(0), SHANGHAI)
    sched = _Schedule(start, days, day0 + days * _D)
    total_pop = sum(t.population for t in county.townships) or 1
    shares = [(t, t.population / total_pop * scale) for t in county.townships]
    petitions = _Petitions(county, random.Random(f"{seed}:petition"), sched)
    safety = _Safety(county, random.Random(f"{seed}:safety"), sched, enterprises(county, seed, scale), scale)
    volunteer = _Volunteer(county, random.Random(f"{seed}:volunteer"), sched, seed)
    if days > 0:
        safety.register_all(day0 + timedelta(hours=8))
        volunteer.register_all(day0 + timedelta(hours=8, minutes=1))
    sequences: dict[tuple[str, str], int] = defaultdict(int)
    for i in range(days):
        day = start + timedelta(days=i)
        petitions.day(day, shares)
        safety.day(day)
        volunteer.day(day, shares)
        bucket = sched.buckets.pop(i, [])
        bucket.sort(key=lambda e: (e[0], e[1]))
        for _at, _n, cls, kw in bucket:
            payload = cls(**kw)
            key = (cls.stream, str(kw[cls.subject_field]))
            sequences[key] += 1
            yield payload, sequences[key]


def count(start: date, days: int, seed: int = 7, scale: float = 1.0) -> dict[str, int]:
    """Events per type, generated without Kafka (for sizing)."""
    out: dict[str, int] = defaultdict(int)
    for payload, _ in generate(start, days, seed, scale):
        out[payload.event_type] += 1
    return dict(out)


def events_for_benchmark(n: int, seed: int = 7, start: date = date(2025, 1, 1)) -> Iterator[tuple[EventPayload, int]]:
    """Exactly `n` events for replay benchmarks: consecutive years, each round with its own seed (so its own
    ids: enterprises, teams and volunteers do not collide with the previous round's sequences)."""
    produced, round_ = 0, 0
    while produced < n:
        year_start = start.replace(year=start.year + round_)
        for item in generate(year_start, 365, seed + 1000 * round_):
            yield item
            produced += 1
            if produced >= n:
                return
        round_ += 1
