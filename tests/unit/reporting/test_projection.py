"""Contract event → facts, for representative events of each domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from uuid import uuid4

import pytest

from minqing_contract import decode, encode
from minqing_contract.events import liaison as le
from minqing_contract.events import petition as pe
from minqing_contract.events import safety as se
from minqing_contract.events import volunteer as ve
from minqing_contract.events.base import EventPayload
from services.reporting.domain import metrics as m
from services.reporting.domain.facts import Delta, Facts
from services.reporting.domain.projection import project

from .factories import T0, TOWNSHIP, VILLAGE, at, enterprise, hazard, liaison, matter, registered, request

DAY = date(2025, 5, 6)


def deltas(facts: Facts) -> dict[tuple[str, str], tuple[int, float]]:
    out: dict[tuple[str, str], tuple[int, float]] = {}
    for d in facts.deltas:
        assert (d.metric, d.dimension) not in out, d
        out[(d.metric, d.dimension)] = (d.count, d.amount)
    return out


# ----- petitions -----------------------------------------------------------------------------------

def test_registered_counts_received_by_channel_kind_category_and_opens_the_matter() -> None:
    event = registered(channel="online", kind="suggestion", category="economy", headcount=6, is_group_visit=True)
    facts = project(event)
    assert deltas(facts) == {
        (m.P_RECEIVED, ""): (1, 6.0),
        (m.P_RECEIVED_BY_CHANNEL, "online"): (1, 0.0),
        (m.P_RECEIVED_BY_KIND, "suggestion"): (1, 0.0),
        (m.P_RECEIVED_BY_CATEGORY, "economy"): (1, 0.0),
        (m.P_GROUP_VISITS, "online"): (1, 6.0),
    }
    assert all(d.township == TOWNSHIP and d.village == VILLAGE and d.day == DAY for d in facts.deltas)
    [mark] = facts.marks
    assert (mark.metric, mark.key, mark.open) == (m.P_OPEN, str(event.matter_id), True)


@pytest.mark.parametrize(("utc", "beijing_day"), [
    (datetime(2026, 11, 30, 15, 30, tzinfo=UTC), date(2026, 11, 30)),   # 23:30 Beijing time: that day
    (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), date(2026, 12, 1)),     # 00:00 Beijing time: the next day
    (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), date(2027, 1, 1)),     # 00:30 on New Year's Day
])
def test_a_matter_counts_on_its_beijing_day_whatever_the_utc_date(utc: datetime, beijing_day: date) -> None:
    facts = project(registered(occurred_at=utc, registered_at=utc))
    assert {d.day for d in facts.deltas} == {beijing_day}


def test_single_visit_is_not_a_group_visit() -> None:
    assert (m.P_GROUP_VISITS, "visit") not in deltas(project(registered()))


def test_repeat_is_counted_as_repeat_not_received() -> None:
    facts = project(matter(pe.MatterRepeatLinked, repeat_of=uuid4()))
    assert deltas(facts) == {(m.P_REPEATS, "livelihood"): (1, 0.0)}


def test_routing_on_time_and_late() -> None:
    common = dict(mode="assign", acceptance_notice_due_at=at(30), objection_due_at=at(20))
    on_time = project(matter(pe.MatterAssigned, assigned_at=at(14), route_due_at=at(15), **common))
    late = project(matter(pe.MatterAssigned, assigned_at=at(16), route_due_at=at(15), **common))
    assert deltas(on_time) == {(m.P_ROUTED, "990102-hr"): (1, 0.0), (m.P_ROUTED_ON_TIME, "990102-hr"): (1, 0.0)}
    assert deltas(late) == {(m.P_ROUTED, "990102-hr"): (1, 0.0)}
    # meeting the deadline, even late, clears "overdue now" and "approaching"
    assert sorted((mk.metric, mk.dimension, mk.open) for mk in late.marks) == [
        (m.P_DUE_SOON_OPEN, "route", False), (m.P_OVERDUE_OPEN, "route", False)]


def test_acceptance_notice_on_time() -> None:
    common = dict(assigned_at=T0, acceptance_notice_due_at=at(15), reply_due_at=at(75))
    assert (m.P_ACCEPTED_ON_TIME, "990102-hr") in deltas(project(matter(pe.MatterAccepted, accepted_at=at(15),
                                                                         **common)))
    assert (m.P_ACCEPTED_ON_TIME, "990102-hr") not in deltas(project(matter(pe.MatterAccepted, accepted_at=at(16),
                                                                             **common)))


def test_reply_on_time_uses_the_extended_due_date() -> None:
    common = dict(accepted_at=T0, reply_due_at=at(90))  # 60 days + a 30-day extension
    on_time = deltas(project(matter(pe.MatterReplied, replied_at=at(80), **common)))
    late = deltas(project(matter(pe.MatterReplied, replied_at=at(91), **common)))
    assert on_time[(m.P_REPLIED_ON_TIME, "990102-hr")] == (1, 0.0)
    assert (m.P_REPLIED_ON_TIME, "990102-hr") not in late
    assert late[(m.P_REPLIED, "990102-hr")] == (1, 0.0)


def test_rating_counts_satisfied_and_basically_satisfied_only() -> None:
    for level, satisfied in (("satisfied", True), ("basically_satisfied", True), ("dissatisfied", False)):
        got = deltas(project(matter(pe.MatterRated, satisfaction=level, rated_at=T0)))
        assert got[(m.P_RATED, "990102-hr")] == (1, 0.0)
        assert got[(m.P_RATED_BY_LEVEL, level)] == (1, 0.0)
        assert ((m.P_SATISFIED, "990102-hr") in got) is satisfied


def test_overdue_opens_a_mark_and_closing_clears_every_deadline() -> None:
    matter_id = uuid4()
    overdue = project(matter(pe.MatterOverdue, matter_id=matter_id, deadline="reply", due_at=at(60)))
    assert deltas(overdue) == {(m.P_OVERDUE, "reply"): (1, 0.0)}
    [mark] = [mk for mk in overdue.marks if mk.open]
    assert (mark.metric, mark.key) == (m.P_OVERDUE_OPEN, f"{matter_id}:reply")
    # The row the dashboard lists: category, department, the case id and the due time; no petitioner.
    assert dict(mark.attrs) == {"case": str(matter_id), "category": "livelihood", "department": "990102-hr",
                                "due_at": at(60).isoformat()}
    [passed] = [mk for mk in overdue.marks if not mk.open]  # overdue is no longer "approaching"
    assert (passed.metric, passed.key, passed.attrs) == (m.P_DUE_SOON_OPEN, f"{matter_id}:reply", ())
    closed = project(matter(pe.MatterClosed, matter_id=matter_id, closed_at=at(70), occurred_at=at(70)))
    keys = {(mk.metric, mk.key, mk.open) for mk in closed.marks}
    assert (m.P_OVERDUE_OPEN, f"{matter_id}:reply", False) in keys
    assert (m.P_OPEN, str(matter_id), False) in keys
    assert (m.P_DUE_SOON_OPEN, f"{matter_id}:reply", False) in keys
    assert len(keys) == 2 * len(pe.DeadlineKind) + 1


def test_deadline_reminder_counts_nothing_and_lists_the_deadline_until_met_or_passed() -> None:
    matter_id = uuid4()
    near = project(matter(pe.DeadlineApproaching, matter_id=matter_id, deadline="reply", due_at=at(60)))
    assert not near.deltas
    [mark] = near.marks
    assert (mark.metric, mark.key, mark.dimension, mark.open) == (m.P_DUE_SOON_OPEN, f"{matter_id}:reply", "reply",
                                                                  True)
    assert dict(mark.attrs)["category"] == "livelihood"
    replied = project(matter(pe.MatterReplied, matter_id=matter_id, accepted_at=T0, replied_at=at(55),
                             reply_due_at=at(60)))
    assert (m.P_DUE_SOON_OPEN, f"{matter_id}:reply", False) in {(mk.metric, mk.key, mk.open) for mk in replied.marks}
    extended = project(matter(pe.MatterExtended, matter_id=matter_id, extension_days=30, reply_due_at=at(90)))
    assert [(mk.metric, mk.open) for mk in extended.marks] == [(m.P_DUE_SOON_OPEN, False)]


# ----- safety --------------------------------------------------------------------------------------

def test_inspection_counts_findings() -> None:
    facts = project(enterprise(se.InspectionRecorded, inspection_id=uuid4(), inspection_kind="follow_up",
                               inspected_at=T0, items_checked=12, findings=3))
    assert deltas(facts) == {(m.S_INSPECTIONS, "follow_up"): (1, 3.0)}
    assert facts.deltas[0].village is None


def test_major_hazard_found_goes_under_supervision() -> None:
    facts = project(hazard(se.HazardFound, listed_supervision=True))
    assert deltas(facts) == {(m.S_HAZARDS_FOUND, "major"): (1, 0.0)}
    assert {(mk.metric, mk.open) for mk in facts.marks} == {(m.S_HAZARDS_OPEN, True), (m.S_MAJOR_SUPERVISED, True)}


def test_general_hazard_is_not_supervised() -> None:
    facts = project(hazard(se.HazardFound, level="general", listed_supervision=False))
    assert {mk.metric for mk in facts.marks} == {m.S_HAZARDS_OPEN}


def test_rectified_hazard_counts_on_its_found_day_for_the_cohort_rate() -> None:
    found = datetime(2025, 4, 28, 10, 0, tzinfo=T0.tzinfo)
    facts = project(hazard(se.HazardRectified, found_at=found, rectified_at=T0, on_time=False))
    by_metric = {d.metric: d for d in facts.deltas}
    assert by_metric[m.S_RECTIFIED].day == DAY
    assert by_metric[m.S_RECTIFIED_COHORT].day == date(2025, 4, 28)
    assert m.S_RECTIFIED_ON_TIME not in by_metric
    assert {(mk.metric, mk.open) for mk in facts.marks} == {
        (m.S_HAZARDS_OPEN, False), (m.S_HAZARDS_OVERDUE_OPEN, False), (m.S_MAJOR_SUPERVISED, False)}


def test_hazard_overdue_is_counted_and_marked() -> None:
    facts = project(hazard(se.HazardOverdue))
    assert deltas(facts) == {(m.S_HAZARDS_OVERDUE, "major"): (1, 0.0)}
    assert [(mk.metric, mk.open) for mk in facts.marks] == [(m.S_HAZARDS_OVERDUE_OPEN, True)]


def test_penalty_amount() -> None:
    facts = project(enterprise(se.PenaltyImposed, penalty_id=uuid4(), article="安全生产法第102条", target="unit",
                               amount_yuan=50_000, decided_at=T0, publish_due_at=at(9)))
    assert deltas(facts) == {(m.S_PENALTIES, "unit"): (1, 50_000.0)}


def test_suspension_and_resumption_toggle_the_suspended_mark() -> None:
    eid = uuid4()
    down = project(enterprise(se.EnterpriseSuspended, enterprise_id=eid, reason="fatal_accident", suspended_at=T0))
    up = project(enterprise(se.EnterpriseResumed, enterprise_id=eid, resumed_at=at(12), suspended_at=T0,
                            occurred_at=at(12)))
    assert deltas(down) == {(m.S_SUSPENSIONS, "fatal_accident"): (1, 0.0)}
    assert [(mk.key, mk.open) for mk in down.marks] == [(str(eid), True)]
    assert [(mk.key, mk.open) for mk in up.marks] == [(str(eid), False)]
    assert up.marks[0].at > down.marks[0].at


def test_closing_a_suspended_enterprise_clears_its_suspended_mark() -> None:
    eid = uuid4()
    gone = project(enterprise(se.EnterpriseClosed, enterprise_id=eid, closed_at=at(12), basis="安全生产法第113条",
                              occurred_at=at(12)))
    assert not gone.deltas and [(mk.metric, mk.key, mk.open) for mk in gone.marks] == [
        (m.S_SUSPENDED, str(eid), False)]


@pytest.mark.parametrize(("cls", "fields"), [
    (se.AccidentInvestigationClosed, {"accident_id": uuid4(), "grade": "ordinary", "nature": "liability",
                                      "closed_at": T0, "days_from_occurrence": 40}),
    (se.ResumptionAcceptanceRecorded, {"acceptance_id": uuid4(), "checked_at": T0, "passed": True}),
    (se.ClosureDecided, {"approved": True, "proposed_at": T0, "decided_at": T0}),
    (se.PenaltyPublished, {"penalty_id": uuid4(), "published_at": T0, "publish_due_at": at(9), "on_time": True}),
])
def test_new_safety_events_project_to_nothing_and_survive_the_wire(cls: type, fields: dict) -> None:
    event = enterprise(cls, **fields)
    record = encode(event, source="/minqing/safety")
    assert decode(record.key, record.value, record.headers).payload == event
    assert project(event) == Facts()


def test_accident_by_grade_with_casualties_and_late_report() -> None:
    facts = project(enterprise(se.AccidentReported, accident_id=uuid4(), accident_occurred_at=T0,
                               reported_at=at(minutes=90), deaths=3, serious_injuries=2,
                               direct_loss_yuan=2_000_000, grade="larger", late_report=True))
    assert deltas(facts) == {
        (m.S_ACCIDENTS, "larger"): (1, 2_000_000.0),
        (m.S_ACCIDENT_DEATHS, "larger"): (3, 0.0),
        (m.S_ACCIDENT_INJURIES, "larger"): (2, 0.0),
        (m.S_LATE_ACCIDENT_REPORTS, "larger"): (1, 0.0),
    }


# ----- volunteer -----------------------------------------------------------------------------------

def test_first_dispatch_gives_a_time_to_dispatch_sample() -> None:
    team = uuid4()
    first = project(request(ve.RequestDispatched, team_id=team, team_level="village", attempt=1,
                            dispatched_at=at(minutes=25)))
    again = project(request(ve.RequestDispatched, team_id=team, team_level="township", attempt=2,
                            dispatched_at=at(minutes=90)))
    assert deltas(first) == {(m.V_DISPATCHES, "village"): (1, 0.0), (m.V_DISPATCHED_REQUESTS, "ecology"): (1, 0.0)}
    [sample] = first.samples
    assert (sample.metric, sample.value, sample.bucket) == (m.V_MINUTES_TO_DISPATCH, 25.0, 30)
    assert deltas(again) == {(m.V_DISPATCHES, "township"): (1, 0.0)}
    assert again.samples == ()


def test_accept_gives_time_to_accept_and_counts_grabs() -> None:
    facts = project(request(ve.RequestAccepted, team_id=uuid4(), team_level="township", grabbed=True,
                            dispatched_at=None, accepted_at=at(minutes=45)))
    assert deltas(facts) == {(m.V_ACCEPTED, "township"): (1, 0.0), (m.V_GRABBED, "township"): (1, 0.0)}
    assert [(s.metric, s.value) for s in facts.samples] == [(m.V_MINUTES_TO_ACCEPT, 45.0)]


def test_completion_counts_person_times_cohort_and_active_team() -> None:
    team = uuid4()
    submitted = datetime(2025, 4, 30, 23, 30, tzinfo=T0.tzinfo)
    facts = project(request(ve.ServiceCompleted, team_id=team, submitted_at=submitted, dispatched_at=None,
                            accepted_at=submitted + timedelta(minutes=20),
                            completed_at=submitted + timedelta(minutes=110), volunteers=4, total_minutes=360,
                            occurred_at=submitted + timedelta(minutes=110)))
    by_metric = {d.metric: d for d in facts.deltas}
    assert by_metric[m.V_COMPLETED].day == date(2025, 5, 1)  # 01:20 on 1 May
    assert by_metric[m.V_COMPLETED_COHORT].day == date(2025, 4, 30)
    assert (by_metric[m.V_PERSON_TIMES].count, by_metric[m.V_PERSON_TIMES].dimension) == (4, "request")
    assert [(s.metric, s.value) for s in facts.samples] == [(m.V_MINUTES_TO_COMPLETE, 110.0)]
    assert [(p.metric, p.key) for p in facts.presences] == [(m.V_ACTIVE_TEAMS, str(team))]
    assert [(mk.metric, mk.open) for mk in facts.marks] == [(m.V_OPEN, False), (m.V_AWAITING_MANUAL, False)]


def test_escalation_and_rating() -> None:
    esc = project(request(ve.RequestEscalated, from_level="village", to_level="township", escalated_at=T0))
    assert deltas(esc) == {(m.V_ESCALATIONS, "township"): (1, 0.0)}
    low = deltas(project(request(ve.RequestRated, team_id=uuid4(), stars=3, rated_at=T0)))
    high = deltas(project(request(ve.RequestRated, team_id=uuid4(), stars=5, rated_at=T0)))
    assert low == {(m.V_RATED, "ecology"): (1, 3.0), (m.V_RATED_BY_STARS, "3"): (1, 0.0)}
    assert high[(m.V_SATISFIED, "ecology")] == (1, 0.0)


def test_hours_and_activities() -> None:
    hours = project(ve.HoursRecorded(township_code=TOWNSHIP, occurred_at=T0, volunteer_id=uuid4(),
                                     source="activity", source_id=uuid4(), minutes=90, served_at=T0))
    assert deltas(hours) == {(m.V_HOURS, "activity"): (1, 1.5)}
    team = uuid4()
    activity = project(ve.ActivityHeld(township_code=TOWNSHIP, occurred_at=T0, activity_id=uuid4(), team_id=team,
                                       activity_type="义诊", division_code=VILLAGE, held_at=T0, person_times=12,
                                       total_minutes=720))
    assert deltas(activity) == {(m.V_ACTIVITIES, "义诊"): (1, 12.0), (m.V_PERSON_TIMES, "activity"): (12, 0.0)}
    assert activity.deltas[0].village == VILLAGE
    assert [p.key for p in activity.presences] == [str(team)]


def test_team_registered_at_township_level_has_no_village() -> None:
    facts = project(ve.TeamRegistered(township_code=TOWNSHIP, occurred_at=T0, team_id=uuid4(), level="township",
                                      division_code=TOWNSHIP, specialties=["ecology"], capacity=5))
    [d] = facts.deltas
    assert (d.metric, d.dimension, d.village) == (m.V_TEAMS_REGISTERED, "township", None)


# ----- envelope and unknown types ------------------------------------------------------------------

def test_decoded_envelope_projects_like_its_payload() -> None:
    payload = registered()
    record = encode(payload, source="/minqing/petition")
    event = decode(record.key, record.value, record.headers)
    assert project(event) == project(payload)
    assert project(event)


class _Unknown(EventPayload):
    stream: ClassVar[str] = "weather"
    subject_field: ClassVar[str] = "township_code"
    event_type: ClassVar[str] = "weather.rained"


def test_unknown_event_type_produces_no_facts() -> None:
    facts = project(_Unknown(township_code=TOWNSHIP, occurred_at=T0))
    assert facts == Facts()
    assert not facts


def test_every_delta_is_an_immutable_record() -> None:
    d = project(registered()).deltas[0]
    assert isinstance(d, Delta)
    with pytest.raises(AttributeError):
        d.count = 2  # type: ignore[misc]


def test_utc_event_is_dated_in_shanghai() -> None:
    late_evening_utc = datetime(2025, 5, 6, 16, 30, tzinfo=UTC)  # 00:30 on 7 May in Shanghai
    facts = project(registered(occurred_at=late_evening_utc))
    assert {d.day for d in facts.deltas} == {date(2025, 5, 7)}


def test_each_metric_is_recorded_either_always_or_never_with_a_dimension() -> None:
    """Daily totals sum a metric over its dimension; mixing '' totals with dimensioned rows would double count."""
    from datetime import date

    from simulator.history import generate

    dimensioned: dict[str, set[bool]] = {}
    for payload, _ in generate(date(2026, 3, 2), 5, seed=3):
        for delta in project(payload).deltas:
            dimensioned.setdefault(delta.metric, set()).add(delta.dimension != "")
    assert len(dimensioned) > 20
    mixed = sorted(metric for metric, kinds in dimensioned.items() if len(kinds) > 1)
    assert mixed == []


# ----- what the dashboard lists (issue 18) ----------------------------------------------------------

def test_enterprise_registration_fills_the_name_lookup() -> None:
    ent = uuid4()
    facts = project(enterprise(se.EnterpriseRegistered, enterprise_id=ent, size="small", permit_status="valid",
                               operating_status="operating", enterprise_name="闽清某铸造厂"))
    [mark] = facts.marks
    assert (mark.metric, mark.key, mark.open) == (m.S_ENTERPRISE_NAMES, str(ent), True)
    assert dict(mark.attrs)["name"] == "闽清某铸造厂"
    unnamed = project(enterprise(se.EnterpriseRegistered, enterprise_id=ent, size="small", permit_status="valid",
                                 operating_status="operating"))
    assert "name" not in dict(unnamed.marks[0].attrs)  # an older producer: the industry stands in


def test_hazard_marks_carry_the_enterprise_and_deadline() -> None:
    ent, hazard = uuid4(), uuid4()
    facts = project(enterprise(se.HazardOverdue, enterprise_id=ent, hazard_id=hazard, level="major", found_at=T0,
                               deadline=at(10)))
    [mark] = facts.marks
    assert (mark.metric, mark.key) == (m.S_HAZARDS_OVERDUE_OPEN, str(hazard))
    assert dict(mark.attrs) == {"case": str(hazard), "enterprise": str(ent), "industry": "open_pit_quarry",
                                "due_at": at(10).isoformat()}


@pytest.mark.parametrize(("grade", "kept"), [("ordinary", False), ("larger", True), ("especially_major", True)])
def test_serious_accidents_are_kept_for_the_alert(grade: str, kept: bool) -> None:
    accident = uuid4()
    facts = project(enterprise(se.AccidentReported, accident_id=accident, accident_occurred_at=T0, reported_at=T0,
                               deaths=30 if kept else 0, serious_injuries=2, direct_loss_yuan=1000, grade=grade,
                               late_report=False))
    marks = [mk for mk in facts.marks if mk.metric == m.S_SERIOUS_ACCIDENTS]
    assert bool(marks) is kept
    if kept:
        assert (marks[0].key, marks[0].dimension, dict(marks[0].attrs)["deaths"]) == (str(accident), grade, "30")


def test_manual_dispatch_backlog_opens_and_closes() -> None:
    flagged = project(request(ve.ManualDispatchNeeded, flagged_at=T0))
    assert [(mk.metric, mk.open) for mk in flagged.marks] == [(m.V_AWAITING_MANUAL, True)]
    for closing in (request(ve.RequestDispatched, team_id=uuid4(), team_level="township", attempt=2,
                            dispatched_at=at(1)),
                    request(ve.RequestAccepted, team_id=uuid4(), team_level="village", grabbed=True,
                            dispatched_at=None, accepted_at=at(1)),
                    request(ve.RequestCancelled, cancelled_at=at(1))):
        assert (m.V_AWAITING_MANUAL, False) in [(mk.metric, mk.open) for mk in project(closing).marks]


# ----- liaison -------------------------------------------------------------------------------------

def _week(monday: date, met: bool) -> object:
    return liaison(le.WeekClosed, occurred_at=at(10), week_start=monday, season_minimum=4, working_days=5,
                   excused_days=0, required_days=4, in_village_days=4 if met else 2, at_township_days=1,
                   met=met, short_streak=0 if met else 1)


def test_a_closed_cadre_week_counts_on_its_thursday_met_or_not() -> None:
    # 28 Apr – 4 May 2025: Thursday 1 May, so an April-straddling week is May's; closed on 6 May.
    met = project(_week(date(2025, 4, 28), met=True))
    assert deltas(met) == {(m.L_CADRE_WEEKS, ""): (1, 4.0), (m.L_CADRE_WEEKS_MET, ""): (1, 4.0)}
    assert {d.day for d in met.deltas} == {date(2025, 5, 1)}
    assert all(d.township == TOWNSHIP and d.village == VILLAGE for d in met.deltas)
    short = project(_week(date(2025, 4, 21), met=False))  # Thursday 24 April
    assert deltas(short) == {(m.L_CADRE_WEEKS, ""): (1, 4.0)}
    assert {d.day for d in short.deltas} == {date(2025, 4, 24)}


def test_a_visit_counts_its_household_on_the_visit_day_and_pairing_is_a_presence() -> None:
    household = uuid4()
    visit = project(liaison(le.VisitRecorded, occurred_at=at(1), household_id=household,
                            visited_on=date(2025, 5, 3), problems=1, help_given=True))
    assert deltas(visit) == {(m.L_VISITS, ""): (1, 0.0)}
    [p] = visit.presences
    assert (p.metric, p.key, p.township, p.day) == (m.L_HOUSEHOLDS_VISITED, str(household), TOWNSHIP, date(2025, 5, 3))
    paired = project(liaison(le.HouseholdPaired, household_id=household))
    [q] = paired.presences
    assert (q.metric, q.key, q.day) == (m.L_HOUSEHOLDS_PAIRED, str(household), DAY)
    assert not paired.deltas


def test_a_problem_counts_by_heading_and_its_field_visit_matter_resolves_on_time_by_registered_day() -> None:
    problem = project(liaison(le.ProblemRaised, category="livelihood", subcategory="wage_arrears",
                              visited_on=DAY, raised_at=T0))
    assert deltas(problem) == {(m.L_PROBLEMS, "livelihood"): (1, 0.0)}
    replied = dict(accepted_at=at(2), reply_due_at=at(62), registered_at=T0, channel="field_visit")
    on_time = project(matter(pe.MatterReplied, occurred_at=at(40), replied_at=at(40), **replied))
    d = deltas(on_time)
    assert d[(m.L_PROBLEMS_RESOLVED, "livelihood")] == (1, 0.0)
    assert d[(m.L_PROBLEMS_ON_TIME, "livelihood")] == (1, 0.0)
    assert {x.day for x in on_time.deltas if x.metric.startswith("liaison.")} == {DAY}  # the cohort: registered
    late = deltas(project(matter(pe.MatterReplied, occurred_at=at(70), replied_at=at(70), **replied)))
    assert (m.L_PROBLEMS_RESOLVED, "livelihood") in late and (m.L_PROBLEMS_ON_TIME, "livelihood") not in late
    walk_in = deltas(project(matter(pe.MatterReplied, occurred_at=at(40), replied_at=at(40),
                                    **{**replied, "channel": "visit"})))
    assert not any(metric.startswith("liaison.") for metric, _ in walk_in)  # not from a visit


def test_other_liaison_events_add_nothing() -> None:
    assert not project(liaison(le.PresenceRecorded, day=DAY, status="in_village"))
    assert not project(liaison(le.CadreStationed, starts_on=DAY))
