"""Contract event → facts: what one decoded event adds to the reporting read models.

Pure and stateless: the same event always yields the same facts, so the adapter's idempotence
(a tracking row per event id in the same transaction) is all that redelivery needs. Every fact is
dated by the event's own `occurred_at` in Asia/Shanghai. Event types not listed here yield no facts.

The contract bounds every value, and the projection checks again what the read model cannot hold:
an amount or count beyond `MAX_MAGNITUDE` (numeric sums are exact to 6 places in 28 digits) raises
`ValueError` (a date the calendar cannot place raises `OverflowError`); the ingest dead-letters
whatever the projection raises for an event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from minqing_contract.codec import Slim, model_of, uuid_text
from minqing_contract.envelope import Event
from minqing_contract.events import liaison as le
from minqing_contract.events import petition as pe
from minqing_contract.events import safety as se
from minqing_contract.events import volunteer as ve
from minqing_contract.events.base import EventPayload

from . import metrics as m
from .aggregate import ZERO, Aggregate, month_of
from .facts import EIGHT_HOURS, Delta, Facts, Mark, Presence, Sample, shanghai_day

#: The largest amount or count one fact may carry (10^15: far above any bounded contract value,
#: far below what a numeric sum exact to 6 places in 28 digits, or a bigint, can hold).
MAX_MAGNITUDE = 10**15

# Enum members are read with `._value_` (enum's documented storage of the value), not `.value`: the
# property costs a Python-level call on 3.11, four times per event on the ingest's hot path.


def _village_of(code: str | None) -> str | None:
    """A division code names a village unless it ends in 000 (township or county level)."""
    return code if code and not code.endswith("000") else None


def _key(value: object) -> str:
    """A mark's or presence's key as text: ids (most keys) formatted in C."""
    return uuid_text(value) if type(value) is UUID else str(value)


_new_tuple = tuple.__new__  # `Mark(...)` without its generated `__new__` (a Python-level call) in the hot path


def _attr(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


class _Sink:
    """Takes the facts of one event, all sharing its township, village and day (the rules below call it)."""

    def __init__(self, payload: Any, village: str | None = None) -> None:
        self.payload = payload
        self.township = payload.township_code
        self.village = village
        self.day = shanghai_day(payload.occurred_at)

    def add(self, metric: str, dimension: str = "", count: int = 1, amount: float = 0.0,
            day_of: datetime | date | None = None) -> None:
        day = self.day if day_of is None else shanghai_day(day_of) if isinstance(day_of, datetime) else day_of
        if not (-MAX_MAGNITUDE <= amount <= MAX_MAGNITUDE and -MAX_MAGNITUDE <= count <= MAX_MAGNITUDE):
            raise ValueError(f"{metric}: amount {amount!r} or count {count!r} beyond ±{MAX_MAGNITUDE}")
        self._delta(metric, dimension, day, count, amount)

    def minutes(self, metric: str, start: datetime | None, end: datetime, dimension: str = "") -> None:
        if start is not None:
            self._sample(metric, dimension, (end - start).total_seconds() / 60)

    def mark(self, metric: str, key: object, open: bool, dimension: str = "",
             attrs: dict[str, object] | None = None) -> None:
        if not open:  # a close keeps no attributes
            self.close(metric, _key(key), dimension)
            return
        pairs = tuple(sorted((k, _attr(v)) for k, v in attrs.items() if v is not None)) if attrs else ()
        self._mark(_new_tuple(Mark, (metric, _key(key), self.township, self.village, dimension, self.day,
                                     self.payload.occurred_at, True, pairs)))

    def close(self, metric: str, key: str, dimension: str = "") -> None:
        """`mark(metric, key, False, dimension)` for a key already a string."""
        self._mark(_new_tuple(Mark, (metric, key, self.township, self.village, dimension, self.day,
                                     self.payload.occurred_at, False, ())))

    def close_each(self, metrics: tuple[str, ...], keys: Iterable[tuple[str, str]]) -> None:
        """`close(metric, key, dimension)` for every metric and every (key, dimension)."""
        for key, dimension in keys:
            for metric in metrics:
                self.close(metric, key, dimension)

    def presence(self, metric: str, key: object, day: date | None = None) -> None:
        self._presence(metric, _key(key), self.day if day is None else day)

    def _delta(self, metric: str, dimension: str, day: date, count: int, amount: float) -> None:
        raise NotImplementedError

    def _sample(self, metric: str, dimension: str, minutes: float) -> None:
        raise NotImplementedError

    def _mark(self, mark: Mark) -> None:
        raise NotImplementedError

    def _presence(self, metric: str, key: str, day: date) -> None:
        raise NotImplementedError


class _Out(_Sink):
    """Collects the facts (`project`)."""

    def __init__(self, payload: Any, village: str | None = None) -> None:
        super().__init__(payload, village)
        self.deltas: list[Delta] = []
        self.samples: list[Sample] = []
        self.marks: list[Mark] = []
        self.presences: list[Presence] = []

    def _delta(self, metric: str, dimension: str, day: date, count: int, amount: float) -> None:
        self.deltas.append(Delta(metric, self.township, self.village, dimension, day, count, amount))

    def _sample(self, metric: str, dimension: str, minutes: float) -> None:
        self.samples.append(Sample(metric, self.township, self.village, dimension, self.day, minutes))

    def _mark(self, mark: Mark) -> None:
        self.marks.append(mark)

    def _presence(self, metric: str, key: str, day: date) -> None:
        self.presences.append(Presence(metric, key, self.township, day))

    def facts(self) -> Facts:
        return Facts(tuple(self.deltas), tuple(self.samples), tuple(self.marks), tuple(self.presences))


class _Into(_Sink):
    """Sums the facts straight into an `Aggregate` (`project_into`): the same as `agg.add(project(e))`,
    without building the facts. The ingest's hot path: the commonest facts (a count of one, a close)
    are summed here into the aggregate's tables without a further call (`Aggregate.delta` and
    `Aggregate.mark` with the values they would get); the rest go through `Aggregate`'s methods."""

    def __init__(self, agg: Aggregate, payload: Any, village: str | None = None) -> None:
        self.agg = agg
        self.payload = payload
        self.township = payload.township_code
        self.village = village
        self.village_key = village or ""
        self.at = at = payload.occurred_at
        # `shanghai_day(at)`: events carry +08:00 times, whose own date is the day
        self.day = day = at.date() if at.utcoffset() == EIGHT_HOURS else shanghai_day(at)
        self.month = month_of(day)

    def add(self, metric: str, dimension: str = "", count: int = 1, amount: float = 0.0,
            day_of: datetime | date | None = None) -> None:
        if day_of is not None or amount or count != 1:  # the rare forms: checked as `_Sink.add` does
            super().add(metric, dimension, count, amount, day_of)
            return
        # `agg.delta(metric, township, village, dimension, day, 1, 0.0)`, the amounts untouched
        township, agg = self.township, self.agg
        key = (metric, township, self.village_key, dimension, self.day)
        row = agg.deltas.get(key)
        if row is None:
            agg.deltas[key] = [1, ZERO]
        else:
            row[0] += 1
        month_key = (metric, township, dimension, self.month)
        row = agg.monthly.get(month_key)
        if row is None:
            agg.monthly[month_key] = [1, ZERO]
        else:
            row[0] += 1

    def _delta(self, metric: str, dimension: str, day: date, count: int, amount: float) -> None:
        self.agg.delta(metric, self.township, self.village, dimension, day, count, amount)

    def _sample(self, metric: str, dimension: str, minutes: float) -> None:
        self.agg.sample(metric, self.township, dimension, self.day, minutes)

    def close(self, metric: str, key: str, dimension: str = "") -> None:
        # `agg.mark(Mark(metric, key, …, open=False))`, the mark built only if it wins (most closes)
        marks, at = self.agg.marks, self.at
        current = marks.get((metric, key))
        if current is None or current.at <= at:
            marks[metric, key] = _new_tuple(Mark, (metric, key, self.township, self.village, dimension, self.day,
                                                   at, False, ()))

    def close_each(self, metrics: tuple[str, ...], keys: Iterable[tuple[str, str]]) -> None:
        marks, at, township, village, day = self.agg.marks, self.at, self.township, self.village, self.day
        for key, dimension in keys:
            for metric in metrics:
                current = marks.get((metric, key))
                if current is None or current.at <= at:
                    marks[metric, key] = _new_tuple(Mark, (metric, key, township, village, dimension, day, at,
                                                           False, ()))

    def _mark(self, mark: Mark) -> None:
        self.agg.mark(mark)

    def _presence(self, metric: str, key: str, day: date) -> None:
        self.agg.presences.add((metric, self.township, day, key))


# ----- petitions -----------------------------------------------------------------------------------

def _dept(p: pe._Matter) -> str:
    return p.department or ""


def _matter_attrs(p: pe._Matter, due_at: datetime) -> dict[str, object]:
    """What the dashboard's lists show of a matter's deadline: codes and ids only, never the petitioners."""
    return {"case": p.matter_id, "category": p.category, "department": p.department, "due_at": due_at}


_DEADLINE_MARKS = (m.P_OVERDUE_OPEN, m.P_DUE_SOON_OPEN)
_ALL_DEADLINES = tuple(pe.DeadlineKind)  # iterating the enum class runs a Python generator


def _clear_overdue(o: _Sink, p: pe._Matter, *kinds: pe.DeadlineKind) -> None:
    """The steps were done: their deadlines are neither overdue nor near any more."""
    matter = uuid_text(p.matter_id)
    o.close_each(_DEADLINE_MARKS, [(f"{matter}:{kind._value_}", kind._value_) for kind in kinds])


def _petition(o: _Sink, p: Any, t: type) -> None:
    if t is pe.MatterRegistered:
        o.add(m.P_RECEIVED, amount=p.headcount)
        o.add(m.P_RECEIVED_BY_CHANNEL, p.channel._value_)
        o.add(m.P_RECEIVED_BY_KIND, p.kind._value_)
        o.add(m.P_RECEIVED_BY_CATEGORY, p.category)
        if p.is_group_visit:
            o.add(m.P_GROUP_VISITS, p.channel._value_, amount=p.headcount)
        o.mark(m.P_OPEN, p.matter_id, True)
    elif t is pe.MatterRepeatLinked:
        # §19: not a new case, but counted for the repeat rate.
        o.add(m.P_REPEATS, p.category)
    elif t is pe.MatterAssigned:
        o.add(m.P_ROUTED, _dept(p))
        if p.assigned_at <= p.route_due_at:
            o.add(m.P_ROUTED_ON_TIME, _dept(p))
        _clear_overdue(o, p, pe.DeadlineKind.route)
    elif t is pe.MatterAccepted:
        o.add(m.P_ACCEPTED, _dept(p))
        if p.accepted_at <= p.acceptance_notice_due_at:
            o.add(m.P_ACCEPTED_ON_TIME, _dept(p))
        _clear_overdue(o, p, pe.DeadlineKind.acceptance_notice, pe.DeadlineKind.objection)
    elif t is pe.MatterReturned:
        o.add(m.P_RETURNED, _dept(p))
        _clear_overdue(o, p, pe.DeadlineKind.objection, pe.DeadlineKind.acceptance_notice)
    elif t is pe.MatterExtended:
        o.add(m.P_EXTENDED, _dept(p), amount=p.extension_days)
        # The reply clock moved out: its "near" reminder no longer holds (a new one comes when it is near again).
        o.mark(m.P_DUE_SOON_OPEN, f"{p.matter_id}:{pe.DeadlineKind.reply._value_}", False, pe.DeadlineKind.reply._value_)
    elif t is pe.MatterReplied:
        o.add(m.P_REPLIED, _dept(p))
        on_time = p.replied_at <= p.reply_due_at  # reply_due_at already includes any extension
        if on_time:
            o.add(m.P_REPLIED_ON_TIME, _dept(p))
        _clear_overdue(o, p, pe.DeadlineKind.reply)
        if p.channel is pe.Channel.field_visit:
            # A problem raised on a liaison visit, resolved: the matter the petition service registered
            # for it (channel 民情走访) got its written reply. Cohort: the day the matter was registered
            # (the problem's day: petition registers it as it consumes liaison.problem_raised).
            o.add(m.L_PROBLEMS_RESOLVED, p.category, day_of=p.registered_at)
            if on_time:
                o.add(m.L_PROBLEMS_ON_TIME, p.category, day_of=p.registered_at)
    elif t is pe.MatterRated:
        o.add(m.P_RATED, _dept(p))
        o.add(m.P_RATED_BY_LEVEL, p.satisfaction._value_)
        if p.satisfaction in (pe.Satisfaction.satisfied, pe.Satisfaction.basically_satisfied):
            o.add(m.P_SATISFIED, _dept(p))
    elif t is pe.MatterClosed:
        o.add(m.P_CLOSED, _dept(p))
        o.mark(m.P_OPEN, p.matter_id, False)
        _clear_overdue(o, p, *_ALL_DEADLINES)
    elif t is pe.ReviewRequested:
        o.add(m.P_REVIEWS, p.level._value_)
    elif t is pe.ReviewDecided:
        o.add(m.P_REVIEWS_DECIDED, p.outcome)
        kind = pe.DeadlineKind.review_decision if p.level is pe.ReviewLevel.review \
            else pe.DeadlineKind.re_review_decision
        _clear_overdue(o, p, kind)
    elif t is pe.MatterOverdue:
        o.add(m.P_OVERDUE, p.deadline._value_)
        key = f"{p.matter_id}:{p.deadline._value_}"
        o.mark(m.P_OVERDUE_OPEN, key, True, p.deadline._value_, _matter_attrs(p, p.due_at))
        o.mark(m.P_DUE_SOON_OPEN, key, False, p.deadline._value_)  # no longer near: passed
    elif t is pe.MatterSupervised:
        o.add(m.P_SUPERVISED, _dept(p))
    elif t is pe.DeadlineApproaching:
        # A reminder, not a counted figure: it puts the deadline on the "approaching" list until it is met
        # or passes.
        o.mark(m.P_DUE_SOON_OPEN, f"{p.matter_id}:{p.deadline._value_}", True, p.deadline._value_,
               _matter_attrs(p, p.due_at))


# ----- safety --------------------------------------------------------------------------------------

def _hazard_attrs(p: se._Hazard) -> dict[str, object]:
    return {"case": p.hazard_id, "enterprise": p.enterprise_id, "industry": p.industry._value_, "due_at": p.deadline}


def _close_hazard(o: _Sink, p: se._Hazard) -> None:
    for metric in (m.S_HAZARDS_OPEN, m.S_HAZARDS_OVERDUE_OPEN, m.S_MAJOR_SUPERVISED):
        o.mark(metric, p.hazard_id, False, p.level._value_)


def _safety(o: _Sink, p: Any, t: type) -> None:
    if t is se.EnterpriseRegistered:
        o.add(m.S_ENTERPRISES, p.industry._value_)
        # The name lookup the hazard and accident lists join (an enterprise's key stays: never closed).
        o.mark(m.S_ENTERPRISE_NAMES, p.enterprise_id, True, p.industry._value_,
               {"name": p.enterprise_name, "industry": p.industry._value_})
        if p.operating_status == "suspended":
            o.mark(m.S_SUSPENDED, p.enterprise_id, True, p.industry._value_)
    elif t is se.InspectionRecorded:
        o.add(m.S_INSPECTIONS, p.inspection_kind, amount=p.findings)
    elif t is se.HazardFound:
        o.add(m.S_HAZARDS_FOUND, p.level._value_)
        o.mark(m.S_HAZARDS_OPEN, p.hazard_id, True, p.level._value_, _hazard_attrs(p))
        if p.listed_supervision or p.level is se.HazardLevel.major:
            o.mark(m.S_MAJOR_SUPERVISED, p.hazard_id, True, p.level._value_, _hazard_attrs(p))
    elif t is se.RectificationPlanSubmitted:
        o.add(m.S_PLANS, p.level._value_)
    elif t is se.RectificationReported:
        o.add(m.S_RECTIFICATIONS_REPORTED, p.level._value_)
    elif t is se.HazardRectified:
        o.add(m.S_RECTIFIED, p.level._value_)
        if p.on_time:
            o.add(m.S_RECTIFIED_ON_TIME, p.level._value_)
        o.add(m.S_RECTIFIED_COHORT, p.level._value_, day_of=p.found_at)
        _close_hazard(o, p)
    elif t is se.ReinspectionFailed:
        o.add(m.S_REINSPECTIONS_FAILED, p.level._value_)
    elif t is se.HazardOverdue:
        o.add(m.S_HAZARDS_OVERDUE, p.level._value_)
        o.mark(m.S_HAZARDS_OVERDUE_OPEN, p.hazard_id, True, p.level._value_, _hazard_attrs(p))
    elif t is se.PenaltyImposed:
        o.add(m.S_PENALTIES, p.target, amount=p.amount_yuan)
    elif t is se.ClosureProposed:
        o.add(m.S_CLOSURES_PROPOSED, p.industry._value_)
    elif t is se.EnterpriseSuspended:
        o.add(m.S_SUSPENSIONS, p.reason)
        o.mark(m.S_SUSPENDED, p.enterprise_id, True, p.industry._value_)
    elif t is se.EnterpriseResumed:
        o.add(m.S_RESUMPTIONS, p.industry._value_)
        o.mark(m.S_SUSPENDED, p.enterprise_id, False, p.industry._value_)
    elif t is se.EnterpriseClosed:
        # A closed enterprise is no longer suspended (it was stopped or operating; now it is gone).
        o.mark(m.S_SUSPENDED, p.enterprise_id, False, p.industry._value_)
    elif t is se.PermitStatusChanged:
        o.add(m.S_PERMIT_CHANGES, p.to_status._value_)
    elif t is se.AccidentReported:
        o.add(m.S_ACCIDENTS, p.grade._value_, amount=p.direct_loss_yuan)
        if p.deaths:
            o.add(m.S_ACCIDENT_DEATHS, p.grade._value_, count=p.deaths)
        if p.serious_injuries:
            o.add(m.S_ACCIDENT_INJURIES, p.grade._value_, count=p.serious_injuries)
        if p.late_report:
            o.add(m.S_LATE_ACCIDENT_REPORTS, p.grade._value_)
        if p.grade is not se.AccidentGrade.ordinary:
            # 较大 and above: kept for the dashboard's alert (a handful a year; never closed).
            o.mark(m.S_SERIOUS_ACCIDENTS, p.accident_id, True, p.grade._value_,
                   {"case": p.accident_id, "enterprise": p.enterprise_id, "industry": p.industry._value_,
                    "deaths": p.deaths, "serious_injuries": p.serious_injuries,
                    "accident_occurred_at": p.accident_occurred_at})


# ----- volunteer -----------------------------------------------------------------------------------

def _volunteer(o: _Sink, p: Any, t: type) -> None:
    if t is ve.RequestSubmitted:
        o.add(m.V_REQUESTS, p.category)
        o.mark(m.V_OPEN, p.request_id, True, p.category)
    elif t is ve.RequestApproved:
        o.add(m.V_APPROVED, p.category)
    elif t is ve.RequestRejected:
        o.add(m.V_REJECTED, p.category)
        o.mark(m.V_OPEN, p.request_id, False, p.category)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, False, p.category)
    elif t is ve.RequestDispatched:
        o.add(m.V_DISPATCHES, p.team_level._value_)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, False, p.category)
        if p.attempt == 1:
            o.add(m.V_DISPATCHED_REQUESTS, p.category)
            o.minutes(m.V_MINUTES_TO_DISPATCH, p.submitted_at, p.dispatched_at, p.category)
    elif t is ve.RequestAccepted:
        o.add(m.V_ACCEPTED, p.team_level._value_)
        if p.grabbed:
            o.add(m.V_GRABBED, p.team_level._value_)
        o.minutes(m.V_MINUTES_TO_ACCEPT, p.submitted_at, p.accepted_at, p.category)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, False, p.category)  # grabbed from the manual queue
    elif t is ve.RequestDeclined:
        o.add(m.V_DECLINED, p.category)
    elif t is ve.RequestEscalated:
        o.add(m.V_ESCALATIONS, p.to_level._value_)
    elif t is ve.ManualDispatchNeeded:
        o.add(m.V_MANUAL_DISPATCH, p.category)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, True, p.category)
    elif t is ve.ServiceStarted:
        o.add(m.V_STARTED, p.category)
    elif t is ve.ServiceCompleted:
        o.add(m.V_COMPLETED, p.category)
        o.add(m.V_COMPLETED_COHORT, p.category, day_of=p.submitted_at)
        o.add(m.V_PERSON_TIMES, "request", count=p.volunteers)
        o.minutes(m.V_MINUTES_TO_COMPLETE, p.submitted_at, p.completed_at, p.category)
        o.mark(m.V_OPEN, p.request_id, False, p.category)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, False, p.category)
        o.presence(m.V_ACTIVE_TEAMS, p.team_id)
    elif t is ve.RequestRated:
        o.add(m.V_RATED, p.category, amount=p.stars)
        o.add(m.V_RATED_BY_STARS, str(p.stars))
        if p.stars >= 4:
            o.add(m.V_SATISFIED, p.category)
    elif t is ve.RequestCancelled:
        o.add(m.V_CANCELLED, p.category)
        o.mark(m.V_OPEN, p.request_id, False, p.category)
        o.mark(m.V_AWAITING_MANUAL, p.request_id, False, p.category)
    elif t is ve.TeamRegistered:
        o.add(m.V_TEAMS_REGISTERED, p.level._value_)
    elif t is ve.ActivityHeld:
        o.add(m.V_ACTIVITIES, p.activity_type, amount=p.total_minutes / 60)
        if p.person_times:
            o.add(m.V_PERSON_TIMES, "activity", count=p.person_times)
        o.presence(m.V_ACTIVE_TEAMS, p.team_id)
    elif t is ve.HoursRecorded:
        o.add(m.V_HOURS, p.source, amount=p.minutes / 60)


# ----- liaison -------------------------------------------------------------------------------------

def _thursday(monday: date) -> date:
    """The day a cadre-week counts on: its Thursday (the liaison rule's season of a week, ISO 8601's year
    of a week), so a week straddling two months belongs to the one holding four of its days."""
    return monday + timedelta(days=3)


def _liaison(o: _Sink, p: Any, t: type) -> None:
    if t is le.WeekClosed:
        o.add(m.L_CADRE_WEEKS, count=1, amount=p.required_days, day_of=_thursday(p.week_start))
        if p.met:
            o.add(m.L_CADRE_WEEKS_MET, count=1, amount=p.in_village_days, day_of=_thursday(p.week_start))
    elif t is le.HouseholdPaired:
        # Paired households are counted cumulatively (distinct keys paired on or before a period's end);
        # a re-pairing (another cadre) is the same key.
        o.presence(m.L_HOUSEHOLDS_PAIRED, p.household_id)
    elif t is le.VisitRecorded:
        o.add(m.L_VISITS, day_of=p.visited_on)
        o.presence(m.L_HOUSEHOLDS_VISITED, p.household_id, day=p.visited_on)
    elif t is le.ProblemRaised:
        o.add(m.L_PROBLEMS, p.category._value_)


def _village_field(cls: type) -> str | None:
    if issubclass(cls, (pe._Matter, ve._Request)):
        return "village_code"
    if issubclass(cls, (ve.TeamRegistered, ve.ActivityHeld)):
        return "division_code"
    if getattr(cls, "stream", None) == "liaison":
        return "village_code"
    return None


Rule = Callable[[_Sink, Any, type], None]
_BY_STREAM: dict[str, Rule] = {
    "petition": _petition, "safety": _safety, "volunteer": _volunteer, "liaison": _liaison,
}
#: Payload class (a contract model, or the codec's struct for it) → (its model, its rule, its village field).
_ROUTES: dict[type, tuple[type, Rule | None, str | None]] = {}


def _route(payload: Any) -> tuple[type, Rule | None, str | None]:
    cls = type(payload)
    try:
        return _ROUTES[cls]
    except KeyError:
        model = model_of(payload)  # contract event classes are final: dispatch on identity, not isinstance
        route = _ROUTES[cls] = (model, _BY_STREAM.get(getattr(model, "stream", "")), _village_field(model))
        return route


def _payload(event: Event | Slim | Any) -> Any:
    return event.payload if isinstance(event, (Event, Slim)) else event


def project(event: Event | Slim | EventPayload) -> Facts:
    """The facts one decoded contract event (an `Event`, the codec's `Slim`, or a bare payload: the
    pydantic model or the codec's struct) contributes; empty when unused."""
    payload = _payload(event)
    model, rule, field = _route(payload)
    if rule is None:
        return Facts()
    out = _Out(payload, _village_of(getattr(payload, field)) if field else None)
    rule(out, payload, model)
    return out.facts()


def project_into(agg: Aggregate, event: Event | Slim | EventPayload) -> None:
    """`agg.add(project(event))`, without building the facts (the ingest's hot path). What the rules raise
    leaves `agg` part-summed: the caller sums again without that event."""
    payload = event.payload if type(event) is Slim else _payload(event)
    model, rule, field = _ROUTES.get(type(payload)) or _route(payload)
    agg.events += 1
    if rule is not None:
        village = getattr(payload, field) if field else None  # `_village_of`, inline
        rule(_Into(agg, payload, village if village and not village.endswith("000") else None), payload, model)
