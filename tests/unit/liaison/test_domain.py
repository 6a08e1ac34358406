"""Aggregates of the liaison domain: stationing weeks, 五不准 follow-up, households and cards, visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from minqing_kit.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from minqing_kit.workdays import WorkdayCalendar
from services.liaison.domain import events as ev
from services.liaison.domain.conduct import MisconductReport
from services.liaison.domain.household import CadreContact, Household, Member
from services.liaison.domain.presence_rule import SeasonalRule
from services.liaison.domain.stationing import Stationing
from services.liaison.domain.visit import Problem, Visit

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 20, 10, tzinfo=CST)
TOWNSHIP, VILLAGE = "990102002000", "990102002001"
TREE = {"livelihood": frozenset({"drinking_water", "medical"}), "dispute": frozenset({"land_dispute"})}
P_CADRE, P_OTHER, P_HH = "p_" + "a" * 26, "p_" + "b" * 26, "p_" + "c" * 26


def stationing(starts_on: date = date(2026, 3, 2)) -> Stationing:
    return Stationing.assign(id=uuid.uuid4(), cadre_id="cadre-1", cadre=P_CADRE, township_code=TOWNSHIP,
                             village_code=VILLAGE, starts_on=starts_on, ends_on=None, actor="op", now=NOW)


def test_stationing_refuses_a_village_outside_the_township_and_a_reversed_period() -> None:
    with pytest.raises(InvalidInput) as e:
        Stationing.assign(id=uuid.uuid4(), cadre_id="c", cadre=P_CADRE, township_code=TOWNSHIP,
                          village_code="990102003001", starts_on=date(2026, 3, 2), ends_on=None, actor="op", now=NOW)
    assert e.value.rule == "village_of_township"
    with pytest.raises(InvalidInput) as e:
        Stationing.assign(id=uuid.uuid4(), cadre_id="c", cadre=P_CADRE, township_code=TOWNSHIP,
                          village_code=VILLAGE, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 1), actor="op",
                          now=NOW)
    assert e.value.rule == "after_start"


def test_presence_needs_a_note_for_leave_and_stays_within_the_period_and_not_in_the_future() -> None:
    s = stationing()
    with pytest.raises(InvalidInput) as e:
        s.record_presence(day=date(2026, 3, 3), status="on_leave", note=" ", actor="c", now=NOW, today=NOW.date())
    assert e.value.field == "note"
    for day, rule in ((date(2026, 3, 1), "within_stationing"), (date(2026, 3, 21), "not_future")):
        with pytest.raises(InvalidInput) as e:
            s.record_presence(day=day, status="in_village", note=None, actor="c", now=NOW, today=NOW.date())
        assert e.value.rule == rule
    with pytest.raises(InvalidInput) as e:
        s.record_presence(day=date(2026, 3, 3), status="asleep", note=None, actor="c", now=NOW, today=NOW.date())
    assert e.value.field == "status"


def test_weeks_close_in_order_once_ended_and_a_closed_week_is_final() -> None:
    s = stationing()
    for d in range(2, 6):  # Mon–Thu 2–5 March in the village
        s.record_presence(day=date(2026, 3, d), status="in_village", note=None, actor="c", now=NOW, today=NOW.date())
    assert s.weeks_due(NOW.date()) == [date(2026, 3, 2), date(2026, 3, 9)]
    with pytest.raises(Conflict) as e:
        s.close_week(week=date(2026, 3, 9), rule=SeasonalRule(), calendar=WorkdayCalendar(), now=NOW,
                     today=NOW.date())
    assert e.value.rule == "in_order"
    w = s.close_week(week=date(2026, 3, 2), rule=SeasonalRule(), calendar=WorkdayCalendar(), now=NOW,
                     today=NOW.date())
    assert w.met and s.short_streak == 0
    closed = [e for e in s.events if isinstance(e, ev.WeekClosed)]
    assert closed[-1].in_village_days == 4 and closed[-1].required_days == 4
    with pytest.raises(Conflict) as e:
        s.record_presence(day=date(2026, 3, 4), status="at_township", note=None, actor="c", now=NOW,
                          today=NOW.date())
    assert e.value.rule == "week_closed"
    s.close_week(week=date(2026, 3, 9), rule=SeasonalRule(), calendar=WorkdayCalendar(), now=NOW, today=NOW.date())
    assert s.short_streak == 1
    with pytest.raises(Conflict) as e:  # the week of 16 March has not ended on the 20th
        s.close_week(week=date(2026, 3, 16), rule=SeasonalRule(), calendar=WorkdayCalendar(), now=NOW,
                     today=NOW.date())
    assert e.value.rule == "week_ended"


def test_weekly_report_is_per_week_and_refused_after_close() -> None:
    s = stationing()
    s.submit_report(week=date(2026, 3, 4), text="走访 5 户", now=NOW, today=NOW.date())
    assert s.reports == {date(2026, 3, 2): "走访 5 户"}
    s.close_week(week=date(2026, 3, 2), rule=SeasonalRule(), calendar=WorkdayCalendar(), now=NOW, today=NOW.date())
    with pytest.raises(Conflict):
        s.submit_report(week=date(2026, 3, 2), text="补充", now=NOW, today=NOW.date())


def test_misconduct_follow_up_ends_in_a_finding_and_then_stops() -> None:
    r = MisconductReport.report(id=uuid.uuid4(), stationing_id=uuid.uuid4(), cadre=P_CADRE, township_code=TOWNSHIP,
                                village_code=VILLAGE, prohibition="gifts", description="收受烟酒", actor="op", now=NOW)
    r.follow_up(status="investigating", note="约谈", actor="op", now=NOW)
    r.follow_up(status="substantiated", note="退还并通报", actor="op", now=NOW)
    assert r.status.closed and len(r.follow_ups) == 2
    with pytest.raises(IllegalTransition):
        r.follow_up(status="investigating", note="再查", actor="op", now=NOW)
    with pytest.raises(InvalidInput) as e:
        MisconductReport.report(id=uuid.uuid4(), stationing_id=uuid.uuid4(), cadre=P_CADRE, township_code=TOWNSHIP,
                                village_code=VILLAGE, prohibition="napping", description="x", actor="op", now=NOW)
    assert e.value.field == "prohibition"


def household() -> Household:
    return Household.register(
        id=uuid.uuid4(), pseudonym=P_HH, township_code=TOWNSHIP, village_code=VILLAGE,
        members=(Member.parse(name="王大山", relation="户主", employment="farming", id_number="110101195001010011"),),
        income_band="below_4k", needs=("饮水",), actor="op", now=NOW)


def contact(cadre_id: str = "cadre-1", pseudo: str = P_CADRE) -> CadreContact:
    return CadreContact(cadre_id, pseudo, "李干部", "0472-1234567", "li@gov.example")


def test_household_needs_the_heads_id_number_and_its_events_carry_no_names() -> None:
    with pytest.raises(InvalidInput) as e:
        Household.register(id=uuid.uuid4(), pseudonym=P_HH, township_code=TOWNSHIP, village_code=VILLAGE,
                           members=(Member.parse(name="王", relation="户主", employment="farming"),),
                           income_band="below_4k", needs=(), actor="op", now=NOW)
    assert e.value.field == "members[0].id_number"
    h = household()
    assert "王大山" not in repr(h.events) and "110101195001010011" not in repr(h.events)


def test_pairing_issues_the_card_and_a_new_cadre_reissues_it_while_the_same_cadre_changes_nothing() -> None:
    h = household()
    h.plan_item(item_id=uuid.uuid4(), title="自来水入户", due_on=None, now=NOW)
    dropped = h.plan_item(item_id=uuid.uuid4(), title="危房改造", due_on=None, now=NOW)
    h.record_progress(item_id=dropped.id, status="dropped", progress=0, note="已搬迁", actor="c", now=NOW)
    assert h.pair(contact(), now=NOW)
    assert h.card is not None and h.card.card_no == 1 and h.card.pledged == ("自来水入户",)
    assert not h.pair(contact(), now=NOW)
    assert h.pair(contact("cadre-2", P_OTHER), now=NOW)
    assert h.card.card_no == 2 and h.card.cadre_id == "cadre-2"
    cards = [e for e in h.events if isinstance(e, ev.CardIssued)]
    assert [c.reissue for c in cards] == [False, True]
    paired = [e for e in h.events if isinstance(e, ev.HouseholdPaired)]
    assert paired[-1].previous_cadre == P_CADRE
    with pytest.raises(Conflict):
        h.issue_card(contact(), now=NOW)  # the old cadre cannot issue a card any more


def test_help_progress_is_bounded_and_done_means_100() -> None:
    h = household()
    item = h.plan_item(item_id=uuid.uuid4(), title="养殖技术培训", due_on=date(2026, 6, 30), now=NOW)
    for status, progress, rule in (("in_progress", 101, "range_0_100"), ("done", 50, "done_is_100")):
        with pytest.raises(InvalidInput) as e:
            h.record_progress(item_id=item.id, status=status, progress=progress, note="n", actor="c", now=NOW)
        assert e.value.rule == rule
    h.record_progress(item_id=item.id, status="done", progress=100, note="已培训", actor="c", now=NOW)
    with pytest.raises(Conflict):
        h.record_progress(item_id=item.id, status="in_progress", progress=10, note="n", actor="c", now=NOW)


def test_a_visit_raises_only_the_problems_that_need_handling_and_only_the_paired_cadre_records_it() -> None:
    h = household()
    h.pair(contact(), now=NOW)
    problems = [Problem(uuid.uuid4(), "livelihood", "drinking_water", "自来水停水一周", True),
                Problem(uuid.uuid4(), "dispute", "land_dispute", "地界纠纷，已当场调解", False)]
    with pytest.raises(Forbidden):
        Visit.record(id=uuid.uuid4(), household=h, cadre_id="cadre-2", visited_on=NOW.date(), seen="s", said="s",
                     help_given=None, problems=problems, tree=TREE, now=NOW, today=NOW.date())
    v = Visit.record(id=uuid.uuid4(), household=h, cadre_id="cadre-1", visited_on=NOW.date(), seen="屋顶漏雨",
                     said="希望尽快通水", help_given="联系水务站", problems=problems, tree=TREE, now=NOW,
                     today=NOW.date())
    raised = [e for e in v.events if isinstance(e, ev.ProblemRaised)]
    assert len(raised) == 1 and raised[0].subcategory == "drinking_water" and raised[0].visit_id == v.id
    assert raised[0].household == P_HH and raised[0].village_code == VILLAGE


def test_a_visit_refuses_a_problem_filed_under_the_wrong_heading_and_a_future_date() -> None:
    h = household()
    h.pair(contact(), now=NOW)
    with pytest.raises(InvalidInput) as e:
        Visit.record(id=uuid.uuid4(), household=h, cadre_id="cadre-1", visited_on=NOW.date(), seen="s", said="s",
                     help_given=None, problems=[Problem(uuid.uuid4(), "dispute", "medical", "x", True)], tree=TREE,
                     now=NOW, today=NOW.date())
    assert e.value.rule == "subcategory_of_category"
    with pytest.raises(InvalidInput) as e:
        Visit.record(id=uuid.uuid4(), household=h, cadre_id="cadre-1", visited_on=NOW.date() + timedelta(1),
                     seen="s", said="s", help_given=None, problems=[], tree=TREE, now=NOW, today=NOW.date())
    assert e.value.rule == "not_future"


def test_the_printable_card_escapes_what_people_typed() -> None:
    from services.liaison.adapters.card_html import render

    html = render(household_head="<script>x</script>", village="勤乐村", cadre_name="李干部", work_phone="0472-1",
                  email=None, pledged=["自来水入户 & 危房改造"], card_no=2, issued_at=NOW)
    assert "<script>" not in html and "&lt;script&gt;" in html and "自来水入户 &amp; 危房改造" in html
    assert "第 2 号卡" in html and "2026-03-20" in html and "size:A6" in html
