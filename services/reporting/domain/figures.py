"""The published figures: what each one means, and how a rate or percentile is computed from the
summed counters of `metrics` (the adapter sums a period's daily rows; this module does the arithmetic).

A rate whose denominator is zero is `None` ("no cases"), never 0 and never an error: a township that
received no petitions has not failed to answer them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import metrics as m
from .facts import BUCKET_BOUNDS


@dataclass(frozen=True)
class Figure:
    key: str
    zh: str
    en: str
    definition_zh: str
    definition: str
    metrics: tuple[str, ...]  # the counters it reads


# ----- 信访 petitions ------------------------------------------------------------------------------
PETITIONS_RECEIVED = Figure(
    "petitions_received", "信访受理件数", "Petitions received",
    "期内登记的新信访事项件数（不含重复信访），可按渠道、类别、民情台账分类分列；人数为来访/联名人数之和。",
    "New matters registered in the period (repeats excluded), split by channel, kind or category; "
    "people = sum of headcounts.",
    (m.P_RECEIVED, m.P_RECEIVED_BY_CHANNEL, m.P_RECEIVED_BY_KIND, m.P_RECEIVED_BY_CATEGORY))
PETITIONS_OPEN = Figure(
    "petitions_open", "在办信访件数", "Open petitions",
    "当前已登记、尚未办结的事项件数。", "Matters registered and not yet closed, now.", (m.P_OPEN,))
ON_TIME_ROUTING_RATE = Figure(
    "on_time_routing_rate", "按期转送交办率", "On-time routing rate",
    "期内转送/交办中，在登记后15日内完成的比例（按转送交办日计）。",
    "Share of transfers/assignments in the period made within 15 days of registration (by routing day).",
    (m.P_ROUTED_ON_TIME, m.P_ROUTED))
ON_TIME_ACCEPTANCE_RATE = Figure(
    "on_time_acceptance_rate", "按期告知受理率", "On-time acceptance-notice rate",
    "期内受理中，在收到转送交办后15日内告知信访人的比例（按受理日计）。",
    "Share of acceptances in the period notified within 15 days of assignment (by acceptance day).",
    (m.P_ACCEPTED_ON_TIME, m.P_ACCEPTED))
ON_TIME_REPLY_RATE = Figure(
    "on_time_reply_rate", "按期答复率", "On-time reply rate",
    "期内出具答复意见中，在受理后60日（含经批准的延期，至多30日）内答复的比例（按答复日计）。",
    "Share of written replies in the period issued within 60 days of acceptance plus any approved "
    "extension (by reply day).",
    (m.P_REPLIED_ON_TIME, m.P_REPLIED))
PETITIONS_OVERDUE_NOW = Figure(
    "petitions_overdue_now", "当前超期件数", "Overdue now",
    "当前已超过法定时限（转送交办、告知受理、异议、答复、复查、复核）且该环节仍未完成的时限数，按时限类型分列。",
    "Statutory deadlines (route, acceptance notice, objection, reply, review, re-review) passed and still "
    "unmet now, by deadline kind.", (m.P_OVERDUE_OPEN,))
PETITION_SATISFACTION_RATE = Figure(
    "petition_satisfaction_rate", "信访满意率", "Petition satisfaction rate",
    "期内评价中“满意”与“基本满意”所占比例（按评价日计）。",
    "Share of ratings in the period that are satisfied or basically satisfied (by rating day).",
    (m.P_SATISFIED, m.P_RATED))
REPEAT_RATE = Figure(
    "repeat_rate", "重复信访率", "Repeat rate",
    "期内重复信访（同一事项在办期间再次提出，关联而不另立）占全部来信来访（新登记 + 重复）的比例。",
    "Repeats (the same open matter raised again, linked not registered) as a share of all intakes "
    "(new registrations + repeats) in the period.", (m.P_REPEATS, m.P_RECEIVED))
GROUP_VISITS = Figure(
    "group_visits", "集体访", "Group visits",
    "期内登记的集体访批次（多人同一事项，§20）及人数。",
    "Group visits registered in the period (many people, one matter, §20): batches and people.",
    (m.P_GROUP_VISITS,))

# ----- 安全生产 safety -----------------------------------------------------------------------------
INSPECTIONS = Figure(
    "inspections", "安全检查次数", "Inspections",
    "期内记录的检查次数（日常检查、复查、回头看），并计发现问题数。",
    "Inspections recorded in the period (routine, re-inspection, follow-up), with findings.",
    (m.S_INSPECTIONS,))
HAZARDS_FOUND = Figure(
    "hazards_found", "排查隐患数", "Hazards found",
    "期内发现的隐患数，按一般/重大分列。", "Hazards found in the period, by level (general/major).",
    (m.S_HAZARDS_FOUND,))
RECTIFICATION_RATE = Figure(
    "rectification_rate", "隐患整改率", "Rectification rate",
    "期内发现的隐患中，已经复查销号的比例（按发现日归期，后续整改会更新该期数值）。",
    "Of the hazards found in the period, the share closed after re-inspection (cohort by found day, so "
    "later rectifications raise the period's figure).", (m.S_RECTIFIED_COHORT, m.S_HAZARDS_FOUND))
ON_TIME_RECTIFICATION_RATE = Figure(
    "on_time_rectification_rate", "按期整改率", "On-time rectification rate",
    "期内销号隐患中，在整改期限内完成的比例（按销号日计）。",
    "Share of hazards closed in the period that were closed by their deadline (by closing day).",
    (m.S_RECTIFIED_ON_TIME, m.S_RECTIFIED))
HAZARDS_OVERDUE_NOW = Figure(
    "hazards_overdue_now", "当前逾期未整改隐患", "Overdue hazards now",
    "当前已过整改期限仍未销号的隐患数。", "Hazards past their rectification deadline and still open, now.",
    (m.S_HAZARDS_OVERDUE_OPEN,))
MAJOR_HAZARDS_SUPERVISED = Figure(
    "major_hazards_supervised", "挂牌督办重大隐患", "Major hazards under supervision",
    "当前处于挂牌督办、尚未销号的重大隐患数。", "Major hazards under listed supervision and not yet closed, now.",
    (m.S_MAJOR_SUPERVISED,))
PENALTIES = Figure(
    "penalties", "行政处罚", "Penalties",
    "期内作出的行政处罚决定数及罚款金额（元），按对单位/对责任人分列。",
    "Penalty decisions in the period and their amounts (yuan), by target (unit / responsible person).",
    (m.S_PENALTIES,))
SUSPENDED_ENTERPRISES = Figure(
    "suspended_enterprises", "停产停业整顿企业", "Suspended enterprises",
    "当前处于停产停业整顿、尚未复产的企业数。", "Enterprises suspended and not yet resumed, now.",
    (m.S_SUSPENDED,))
ACCIDENTS = Figure(
    "accidents", "生产安全事故", "Accidents",
    "期内报告的事故起数，按一般/较大/重大/特别重大分列，并计死亡、重伤人数（亦按等级分列）和直接经济损失。",
    "Accidents reported in the period by grade, with deaths and serious injuries (also by grade) and direct loss.",
    (m.S_ACCIDENTS, m.S_ACCIDENT_DEATHS, m.S_ACCIDENT_INJURIES))
LATE_ACCIDENT_REPORTS = Figure(
    "late_accident_reports", "事故迟报", "Late accident reports",
    "期内报告的事故中，超过1小时报告时限的起数。", "Accidents in the period reported after the 1-hour limit.",
    (m.S_LATE_ACCIDENT_REPORTS,))

# ----- 志愿服务 volunteer --------------------------------------------------------------------------
VOLUNTEER_REQUESTS = Figure(
    "volunteer_requests", "点单数", "Requests",
    "期内群众点单（微心愿）数，按服务类别分列。", "Requests submitted in the period, by category.",
    (m.V_REQUESTS,))
TIME_TO_DISPATCH = Figure(
    "time_to_dispatch", "派单用时", "Time to dispatch",
    "从点单到首次派单的分钟数，取中位数（p50）与90分位数（p90）（按派单日计）。",
    "Minutes from submission to the first dispatch, p50 and p90 (by dispatch day).",
    (m.V_MINUTES_TO_DISPATCH,))
TIME_TO_ACCEPT = Figure(
    "time_to_accept", "接单用时", "Time to accept",
    "从点单到队伍接单（含抢单）的分钟数，p50/p90（按接单日计）。",
    "Minutes from submission to acceptance (or grab) by a team, p50 and p90 (by acceptance day).",
    (m.V_MINUTES_TO_ACCEPT,))
TIME_TO_COMPLETE = Figure(
    "time_to_complete", "办结用时", "Time to complete",
    "从点单到服务完成的分钟数，p50/p90（按完成日计）。",
    "Minutes from submission to completed service, p50 and p90 (by completion day).",
    (m.V_MINUTES_TO_COMPLETE,))
COMPLETION_RATE = Figure(
    "completion_rate", "办结率", "Completion rate",
    "期内点单中已完成服务的比例（按点单日归期，后续完成会更新该期数值）。",
    "Of the requests submitted in the period, the share completed (cohort by submission day).",
    (m.V_COMPLETED_COHORT, m.V_REQUESTS))
ESCALATION_RATE = Figure(
    "escalation_rate", "上转率", "Escalation rate",
    "期内逐级上转次数与首次派单数之比（一单上转两级计两次）。",
    "Escalations in the period per first dispatch (a request escalated twice counts twice).",
    (m.V_ESCALATIONS, m.V_DISPATCHED_REQUESTS))
VOLUNTEER_SATISFACTION = Figure(
    "volunteer_satisfaction", "志愿服务满意度", "Volunteer satisfaction",
    "期内评单中4星、5星所占比例（满意率），以及平均星级。",
    "Share of ratings in the period with 4 or 5 stars (satisfaction rate), and the mean stars.",
    (m.V_SATISFIED, m.V_RATED))
VOLUNTEER_HOURS = Figure(
    "volunteer_hours", "志愿服务时长", "Volunteer hours",
    "期内记入志愿者记录的服务时长（小时，不含路途时间）。",
    "Service hours added to volunteers' records in the period (travel excluded).", (m.V_HOURS,))
PERSON_TIMES = Figure(
    "person_times", "志愿服务人次", "Volunteer person-times",
    "期内完成点单的参与志愿者人次与组织活动人次之和。",
    "Volunteers on completed requests plus activity person-times, in the period.", (m.V_PERSON_TIMES,))
ACTIVE_TEAMS = Figure(
    "active_teams", "活跃队伍数", "Active teams",
    "期内至少完成一单服务或组织一次活动的不同队伍数。",
    "Distinct teams that completed a request or held an activity in the period.", (m.V_ACTIVE_TEAMS,))

VOLUNTEER_AWAITING_MANUAL_DISPATCH = Figure(
    "volunteer_awaiting_manual_dispatch", "待人工派单", "Awaiting manual dispatch",
    "当前因无队伍可派（无匹配队伍或逐级上转用尽）而等待人工派单、尚未派出、被抢单或撤销的点单数。",
    "Requests flagged for manual dispatch (no suitable team, or escalation exhausted) and not yet dispatched, "
    "grabbed, rejected, cancelled or completed, now.", (m.V_AWAITING_MANUAL,))

# ----- 驻村联户 liaison ----------------------------------------------------------------------------
STATIONING_COMPLIANCE = Figure(
    "stationing_compliance", "驻村在岗达标率", "Stationing compliance",
    "期内结算的驻村干部周（人·周）中，在村天数达到季节最低要求（2–9月每周4天、10月3天、11月至次年1月2天，"
    "以可在村工作日为上限）的比例；按该周周四所在月份归期。",
    "Share of the cadre-weeks closed in the period whose in-village days met the seasonal minimum (4 days a week "
    "February–September, 3 in October, 2 November–January, capped by the working days the cadre could be there); "
    "a week counts in the month of its Thursday.",
    (m.L_CADRE_WEEKS_MET, m.L_CADRE_WEEKS))
VISIT_COVERAGE = Figure(
    "visit_coverage", "联系户走访覆盖率", "Household visit coverage",
    "期末已结对联系户中，期内至少走访一次的户数所占比例（按走访日计；不超过100%）。",
    "Share of the households paired with a cadre by the period's end that were visited at least once in the "
    "period (by visit day; at most 100 %).",
    (m.L_HOUSEHOLDS_VISITED, m.L_HOUSEHOLDS_PAIRED, m.L_VISITS))
LIAISON_PROBLEMS = Figure(
    "liaison_problems", "走访发现问题", "Problems raised on visits",
    "期内走访中发现、需交办处理的问题数，按民情台账分类分列；及其转为民情走访信访事项后在答复期限内答复的件数"
    "与比例（按登记日归期，后续答复会更新该期数值）。",
    "Problems raised on visits in the period that need handling, by 民情台账 heading; and how many of the "
    "民情走访 petition matters they became were replied to by their reply deadline, and the share (cohort by "
    "registration day, so later replies raise the period's figure).",
    (m.L_PROBLEMS, m.L_PROBLEMS_RESOLVED, m.L_PROBLEMS_ON_TIME))

FIGURES: tuple[Figure, ...] = (
    PETITIONS_RECEIVED, PETITIONS_OPEN, ON_TIME_ROUTING_RATE, ON_TIME_ACCEPTANCE_RATE, ON_TIME_REPLY_RATE,
    PETITIONS_OVERDUE_NOW, PETITION_SATISFACTION_RATE, REPEAT_RATE, GROUP_VISITS,
    INSPECTIONS, HAZARDS_FOUND, RECTIFICATION_RATE, ON_TIME_RECTIFICATION_RATE, HAZARDS_OVERDUE_NOW,
    MAJOR_HAZARDS_SUPERVISED, PENALTIES, SUSPENDED_ENTERPRISES, ACCIDENTS, LATE_ACCIDENT_REPORTS,
    VOLUNTEER_REQUESTS, TIME_TO_DISPATCH, TIME_TO_ACCEPT, TIME_TO_COMPLETE, COMPLETION_RATE, ESCALATION_RATE,
    VOLUNTEER_SATISFACTION, VOLUNTEER_HOURS, PERSON_TIMES, ACTIVE_TEAMS, VOLUNTEER_AWAITING_MANUAL_DISPATCH,
    STATIONING_COMPLIANCE, VISIT_COVERAGE, LIAISON_PROBLEMS,
)
BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}


# ----- rates ---------------------------------------------------------------------------------------

def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if numerator < 0 or denominator < 0:
        raise ValueError("counters cannot be negative")
    return None if denominator == 0 else numerator / denominator


def on_time_routing_rate(routed_on_time: int, routed: int) -> float | None:
    return ratio(routed_on_time, routed)


def on_time_acceptance_rate(accepted_on_time: int, accepted: int) -> float | None:
    return ratio(accepted_on_time, accepted)


def on_time_reply_rate(replied_on_time: int, replied: int) -> float | None:
    return ratio(replied_on_time, replied)


def petition_response_rate(routed_on_time: int, routed: int, accepted_on_time: int, accepted: int) -> float | None:
    """响应率 for the ranking: on-time routing and on-time acceptance notices, pooled."""
    return ratio(routed_on_time + accepted_on_time, routed + accepted)


def satisfaction_rate(satisfied: int, rated: int) -> float | None:
    return ratio(satisfied, rated)


def repeat_rate(repeats: int, received: int) -> float | None:
    return ratio(repeats, received + repeats)


def rectification_rate(rectified_of_found: int, found: int) -> float | None:
    return ratio(rectified_of_found, found)


def on_time_rectification_rate(rectified_on_time: int, rectified: int) -> float | None:
    return ratio(rectified_on_time, rectified)


def completion_rate(completed_of_submitted: int, submitted: int) -> float | None:
    return ratio(completed_of_submitted, submitted)


def escalation_rate(escalations: int, dispatched_requests: int) -> float | None:
    return ratio(escalations, dispatched_requests)


def average_stars(star_sum: float, rated: int) -> float | None:
    return ratio(star_sum, rated)


def stationing_compliance(weeks_met: int, weeks: int) -> float | None:
    """驻村在岗达标率: cadre-weeks that met the seasonal minimum ÷ cadre-weeks closed."""
    return ratio(weeks_met, weeks)


def visit_coverage(visited: int, paired: int) -> float | None:
    """联系户走访覆盖率: households visited at least once ÷ households paired by the period's end, at most 1
    (a visit to a household paired after the period, or unpaired since, must not push it over 100 %)."""
    rate = ratio(visited, paired)
    return None if rate is None else min(1.0, rate)


def problems_on_time_rate(on_time: int, raised: int) -> float | None:
    """Problems raised in the period whose petition matter was replied to by its deadline ÷ problems raised."""
    rate = ratio(on_time, raised)
    return None if rate is None else min(1.0, rate)


# ----- percentiles ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """p50 / p90 of a duration and how many samples they come from."""

    n: int
    p50: float | None
    p90: float | None


def _check_q(q: float) -> None:
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest sample with at least q of all samples at or below it."""
    _check_q(q)
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def percentile_from_buckets(buckets: Mapping[float, int], q: float,
                            bounds: tuple[float, ...] = BUCKET_BOUNDS) -> float | None:
    """Percentile from histogram counts keyed by bucket upper bound (empty buckets may be absent).

    Interpolates linearly inside the bucket, from the bucket's lower edge (the previous bound in
    `bounds`, 0 for the first); in the open last bucket (upper bound infinity) it returns the lower
    edge, a floor.
    """
    _check_q(q)
    total = sum(buckets.values())
    if total == 0:
        return None
    target = q * total
    seen = 0
    upper = 0.0
    for upper in sorted(buckets):
        count = buckets[upper]
        if count and seen + count >= target:
            break
        seen += count
    lower = max((b for b in bounds if b < upper), default=0.0)
    if math.isinf(upper):
        return lower
    return lower + (target - seen) / buckets[upper] * (upper - lower)


def spread(values: Iterable[float]) -> Spread:
    ordered = sorted(values)
    return Spread(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


def spread_from_buckets(buckets: Mapping[float, int]) -> Spread:
    return Spread(sum(buckets.values()), percentile_from_buckets(buckets, 0.5),
                  percentile_from_buckets(buckets, 0.9))
