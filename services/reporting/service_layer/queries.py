"""Figures, rankings, overdue lists and the dashboard, computed from the read models' sums.

Reads go through `ReadModel` (the SQL); the arithmetic is the domain's (`figures`, `ranking`). Every
figure of docs/reporting-figures.md is in `figure_values`; a scope is the county (`township=None`)
or one township.

A request costs a fixed handful of statements, whatever the number of townships or the length of the
period: each fetches only the counters the figures read (`COUNTERS`), summed by the database down to
the detail shown (`BY_DIMENSION`, per township only where a table needs it), and independent ones run
concurrently, each on a pooled connection of its own (`read`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from services.reporting.adapters.readmodel import Connection, split_period
from services.reporting.domain import board
from services.reporting.domain import figures as fg
from services.reporting.domain import metrics as m
from services.reporting.domain import ranking as rk
from services.reporting.domain.facts import SHANGHAI
from services.reporting.domain.periods import Period, PeriodKind
from services.reporting.domain.ranking import (
    Ranking,
    TownshipFigures,
    monthly_ranking,
    quarterly_assessment,
)
from services.reporting.service_layer.deps import Deps

T = TypeVar("T")

MARK_METRICS = (m.P_OPEN, m.P_OVERDUE_OPEN, m.S_HAZARDS_OPEN, m.S_HAZARDS_OVERDUE_OPEN, m.S_MAJOR_SUPERVISED,
                m.S_SUSPENDED, m.V_OPEN, m.V_AWAITING_MANUAL)
SAMPLE_METRICS = (m.V_MINUTES_TO_DISPATCH, m.V_MINUTES_TO_ACCEPT, m.V_MINUTES_TO_COMPLETE)
#: Open lists the API serves: name → (mark metric, 中文).
OPEN_LISTS = {
    "petitions_overdue": (m.P_OVERDUE_OPEN, "超期信访时限"),
    "petitions_open": (m.P_OPEN, "在办信访事项"),
    "hazards_overdue": (m.S_HAZARDS_OVERDUE_OPEN, "逾期未整改隐患"),
    "hazards_open": (m.S_HAZARDS_OPEN, "未销号隐患"),
    "major_hazards_supervised": (m.S_MAJOR_SUPERVISED, "挂牌督办重大隐患"),
    "enterprises_suspended": (m.S_SUSPENDED, "停产整顿企业"),
    "volunteer_open": (m.V_OPEN, "未办结点单"),
    "volunteer_awaiting_manual_dispatch": (m.V_AWAITING_MANUAL, "待人工派单点单"),
    "petitions_due_soon": (m.P_DUE_SOON_OPEN, "临近时限信访事项"),
}
_PETITION_LISTS = frozenset({m.P_OVERDUE_OPEN, m.P_OPEN, m.P_DUE_SOON_OPEN})
_HAZARD_LISTS = frozenset({m.S_HAZARDS_OVERDUE_OPEN, m.S_HAZARDS_OPEN, m.S_MAJOR_SUPERVISED})
TREND_METRICS = {"petitions_received": m.P_RECEIVED, "hazards_found": m.S_HAZARDS_FOUND,
                 "volunteer_requests": m.V_REQUESTS}
#: Counters the figures read split by dimension (`ScopeData.by`, `by_amount`); every other counter is
#: summed over its dimension by the database (`ScopeData.c`, `a`).
BY_DIMENSION = frozenset({m.P_RECEIVED_BY_CHANNEL, m.P_RECEIVED_BY_KIND, m.P_RECEIVED_BY_CATEGORY, m.S_INSPECTIONS,
                          m.S_HAZARDS_FOUND, m.S_PENALTIES, m.S_ACCIDENTS, m.S_ACCIDENT_DEATHS, m.S_ACCIDENT_INJURIES,
                          m.V_REQUESTS, m.V_PERSON_TIMES, m.L_PROBLEMS, m.L_PROBLEMS_ON_TIME, m.L_PROBLEMS_RESOLVED})
#: Every counter `figure_values` and the dashboard read (the figure catalogue's, plus completions): the
#: read model's other counters are never fetched. The ranking's (`ranking.COUNTERS`) are among them.
COUNTERS = tuple(sorted({metric for f in fg.FIGURES for metric in f.metrics}
                        - {*MARK_METRICS, *SAMPLE_METRICS, m.V_ACTIVE_TEAMS, *rk.PRESENCES} | {m.V_COMPLETED}))
#: Mark metrics read per dimension (`ScopeData.o_by`); the others are counted over it.
OPEN_BY_DIMENSION = frozenset({m.P_OVERDUE_OPEN, m.S_HAZARDS_OVERDUE_OPEN})
OPEN_TOTALS = tuple(metric for metric in MARK_METRICS if metric not in OPEN_BY_DIMENSION)


@dataclass(frozen=True)
class Span:
    """A reporting period: inclusive days, a label, and the month/quarter it is (if it is one)."""

    start: date
    end: date
    label: str
    period: Period | None = None

    @classmethod
    def of(cls, period: Period) -> Span:
        return cls(period.start, period.end, period.label, period)

    def json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label,
                "label_zh": self.period.label_zh if self.period else f"{self.start}至{self.end}",
                "kind": str(self.period.kind) if self.period else "days"}


@dataclass
class ScopeData:
    """One scope's counters for a period plus its "now" state, as the read model sums them: by metric and
    dimension for the metrics in `split` (open keys: `OPEN_BY_DIMENSION`), by metric alone (dimension '')
    for the others."""

    counts: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # metric → dimension → [count, amount]
    buckets: dict[str, dict[float, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    opens: dict[str, dict[str, int]] = field(default_factory=dict)  # metric → dimension → open keys
    active_teams: int = 0
    households_visited: int = 0  # distinct households visited in the period
    households_paired: int = 0  # distinct households paired by the period's end
    split: frozenset[str] = BY_DIMENSION

    def add(self, metric: str, dimension: str, count: int, amount: float) -> None:
        row = self.counts.setdefault(metric, {}).setdefault(dimension, [0, 0.0])
        row[0] += count
        row[1] += amount

    def add_open(self, metric: str, dimension: str, n: int) -> None:
        dims = self.opens.setdefault(metric, {})
        dims[dimension] = dims.get(dimension, 0) + n

    def _dims(self, metric: str, split: frozenset[str]) -> list[tuple[str, list[float]]]:
        if metric not in split:
            raise ValueError(f"{metric} was read summed over its dimension; list it in the split metrics")
        return sorted(self.counts.get(metric, {}).items())

    def c(self, metric: str) -> int:
        return int(sum(v[0] for v in self.counts.get(metric, {}).values()))

    def a(self, metric: str) -> float:
        return round(sum(v[1] for _, v in sorted(self.counts.get(metric, {}).items())), 6)

    def by(self, metric: str) -> dict[str, int]:
        return {dim: int(v[0]) for dim, v in self._dims(metric, self.split) if v[0]}

    def by_amount(self, metric: str) -> dict[str, dict[str, float]]:
        return {dim: {"count": int(v[0]), "amount": round(v[1], 6)} for dim, v in self._dims(metric, self.split)
                if v[0]}

    def o(self, metric: str) -> int:
        return sum(self.opens.get(metric, {}).values())

    def o_by(self, metric: str) -> dict[str, int]:
        if metric not in OPEN_BY_DIMENSION:
            raise ValueError(f"{metric} was read summed over its dimension; list it in OPEN_BY_DIMENSION")
        return {dim: n for dim, n in sorted(self.opens.get(metric, {}).items()) if n}

    def totals(self) -> dict[str, float]:
        return {metric: float(sum(v[0] for v in dims.values())) for metric, dims in self.counts.items()}

    def township_figures(self, code: str, accidents: dict[str, int] | None = None) -> TownshipFigures:
        return TownshipFigures.from_totals(code, self.totals(), accidents, households_visited=self.households_visited,
                                           households_paired=self.households_paired)


def _rate(value: float | None, numerator: int, denominator: int) -> dict[str, Any]:
    return {"value": value, "numerator": numerator, "denominator": denominator}


def _spread(buckets: dict[float, int]) -> dict[str, Any]:
    s = fg.spread_from_buckets(buckets)
    return {"n": s.n, "p50": None if s.p50 is None else round(s.p50, 1),
            "p90": None if s.p90 is None else round(s.p90, 1), "unit": "minutes"}


def figure_values(d: ScopeData) -> dict[str, dict[str, Any]]:
    """Every published figure of one scope (keys as in `figures.FIGURES`)."""
    c = d.c
    rated, satisfied = c(m.P_RATED), c(m.P_SATISFIED)
    v_rated, v_sat = c(m.V_RATED), c(m.V_SATISFIED)
    out: dict[str, dict[str, Any]] = {
        "petitions_received": {"value": c(m.P_RECEIVED), "people": d.a(m.P_RECEIVED),
                               "by_channel": d.by(m.P_RECEIVED_BY_CHANNEL), "by_kind": d.by(m.P_RECEIVED_BY_KIND),
                               "by_category": d.by(m.P_RECEIVED_BY_CATEGORY)},
        "petitions_open": {"value": d.o(m.P_OPEN)},
        "on_time_routing_rate": _rate(fg.on_time_routing_rate(c(m.P_ROUTED_ON_TIME), c(m.P_ROUTED)),
                                      c(m.P_ROUTED_ON_TIME), c(m.P_ROUTED)),
        "on_time_acceptance_rate": _rate(fg.on_time_acceptance_rate(c(m.P_ACCEPTED_ON_TIME), c(m.P_ACCEPTED)),
                                         c(m.P_ACCEPTED_ON_TIME), c(m.P_ACCEPTED)),
        "on_time_reply_rate": _rate(fg.on_time_reply_rate(c(m.P_REPLIED_ON_TIME), c(m.P_REPLIED)),
                                    c(m.P_REPLIED_ON_TIME), c(m.P_REPLIED)),
        "petitions_overdue_now": {"value": d.o(m.P_OVERDUE_OPEN), "by_deadline": d.o_by(m.P_OVERDUE_OPEN)},
        "petition_satisfaction_rate": _rate(fg.satisfaction_rate(satisfied, rated), satisfied, rated),
        "repeat_rate": _rate(fg.repeat_rate(c(m.P_REPEATS), c(m.P_RECEIVED)), c(m.P_REPEATS),
                             c(m.P_REPEATS) + c(m.P_RECEIVED)),
        "group_visits": {"value": c(m.P_GROUP_VISITS), "people": d.a(m.P_GROUP_VISITS)},
        "inspections": {"value": c(m.S_INSPECTIONS), "findings": d.a(m.S_INSPECTIONS),
                        "by_kind": d.by(m.S_INSPECTIONS)},
        "hazards_found": {"value": c(m.S_HAZARDS_FOUND), "by_level": d.by(m.S_HAZARDS_FOUND)},
        "rectification_rate": _rate(fg.rectification_rate(c(m.S_RECTIFIED_COHORT), c(m.S_HAZARDS_FOUND)),
                                    c(m.S_RECTIFIED_COHORT), c(m.S_HAZARDS_FOUND)),
        "on_time_rectification_rate": _rate(
            fg.on_time_rectification_rate(c(m.S_RECTIFIED_ON_TIME), c(m.S_RECTIFIED)),
            c(m.S_RECTIFIED_ON_TIME), c(m.S_RECTIFIED)),
        "hazards_overdue_now": {"value": d.o(m.S_HAZARDS_OVERDUE_OPEN), "by_level": d.o_by(m.S_HAZARDS_OVERDUE_OPEN)},
        "major_hazards_supervised": {"value": d.o(m.S_MAJOR_SUPERVISED)},
        "penalties": {"value": c(m.S_PENALTIES), "amount": d.a(m.S_PENALTIES), "by_target": d.by_amount(m.S_PENALTIES)},
        "suspended_enterprises": {"value": d.o(m.S_SUSPENDED)},
        "accidents": {"value": c(m.S_ACCIDENTS), "by_grade": d.by(m.S_ACCIDENTS), "deaths": c(m.S_ACCIDENT_DEATHS),
                      "serious_injuries": c(m.S_ACCIDENT_INJURIES), "direct_loss": d.a(m.S_ACCIDENTS),
                      "deaths_by_grade": d.by(m.S_ACCIDENT_DEATHS),
                      "serious_injuries_by_grade": d.by(m.S_ACCIDENT_INJURIES)},
        "late_accident_reports": {"value": c(m.S_LATE_ACCIDENT_REPORTS)},
        "volunteer_requests": {"value": c(m.V_REQUESTS), "by_category": d.by(m.V_REQUESTS)},
        "time_to_dispatch": _spread(d.buckets.get(m.V_MINUTES_TO_DISPATCH, {})),
        "time_to_accept": _spread(d.buckets.get(m.V_MINUTES_TO_ACCEPT, {})),
        "time_to_complete": _spread(d.buckets.get(m.V_MINUTES_TO_COMPLETE, {})),
        "completion_rate": _rate(fg.completion_rate(c(m.V_COMPLETED_COHORT), c(m.V_REQUESTS)),
                                 c(m.V_COMPLETED_COHORT), c(m.V_REQUESTS)),
        "escalation_rate": _rate(fg.escalation_rate(c(m.V_ESCALATIONS), c(m.V_DISPATCHED_REQUESTS)),
                                 c(m.V_ESCALATIONS), c(m.V_DISPATCHED_REQUESTS)),
        "volunteer_satisfaction": {**_rate(fg.satisfaction_rate(v_sat, v_rated), v_sat, v_rated),
                                   "average_stars": fg.average_stars(d.a(m.V_RATED), v_rated)},
        "volunteer_hours": {"value": d.a(m.V_HOURS), "records": c(m.V_HOURS)},
        "person_times": {"value": c(m.V_PERSON_TIMES), "by_source": d.by(m.V_PERSON_TIMES)},
        "active_teams": {"value": d.active_teams},
        "volunteer_awaiting_manual_dispatch": {"value": d.o(m.V_AWAITING_MANUAL)},
        **liaison_values(d),
    }
    for key, body in out.items():
        body["zh"] = fg.BY_KEY[key].zh
    return out


def liaison_values(d: ScopeData) -> dict[str, dict[str, Any]]:
    """The liaison figures (驻村联户) of one scope."""
    c = d.c
    weeks, met = c(m.L_CADRE_WEEKS), c(m.L_CADRE_WEEKS_MET)
    raised, on_time = c(m.L_PROBLEMS), c(m.L_PROBLEMS_ON_TIME)
    by_raised, by_on_time, by_resolved = d.by(m.L_PROBLEMS), d.by(m.L_PROBLEMS_ON_TIME), d.by(m.L_PROBLEMS_RESOLVED)
    return {
        "stationing_compliance": {**_rate(fg.stationing_compliance(met, weeks), met, weeks), "short_weeks": weeks - met},
        "visit_coverage": {**_rate(fg.visit_coverage(d.households_visited, d.households_paired),
                                   min(d.households_visited, d.households_paired), d.households_paired),
                           "visits": c(m.L_VISITS)},
        "liaison_problems": {
            "value": raised, "resolved": c(m.L_PROBLEMS_RESOLVED), "resolved_on_time": on_time,
            "on_time_rate": fg.problems_on_time_rate(on_time, raised),
            "by_category": {k: {"raised": by_raised.get(k, 0), "resolved": by_resolved.get(k, 0),
                                "resolved_on_time": by_on_time.get(k, 0)}
                            for k in sorted({*by_raised, *by_on_time, *by_resolved})}},
    }


async def households(deps: Deps, span: Span, township: str | None = None) -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """Households visited in `span` and paired by its end: over the scope, and per township (one read)."""
    rows = await read(deps, lambda c: deps.model.household_counts(c, m.L_HOUSEHOLDS_VISITED, m.L_HOUSEHOLDS_PAIRED,
                                                                  span.start, span.end, township))
    whole = next(((v, p) for t, v, p in rows if t is None), (0, 0))
    return whole, {t: (v, p) for t, v, p in rows if t is not None}


def _add_households(counts: tuple[tuple[int, int], dict[str, tuple[int, int]]], whole: ScopeData | None,
                    per: dict[str, ScopeData] | None) -> None:
    (visited, paired), per_t = counts
    if whole is not None:
        whole.households_visited, whole.households_paired = visited, paired
    if per is not None:
        for t, (v, p) in per_t.items():
            per[t].households_visited, per[t].households_paired = v, p


# ----- gathering -----------------------------------------------------------------------------------

def today(deps: Deps) -> date:
    return deps.clock().astimezone(SHANGHAI).date()


async def read(deps: Deps, query: Callable[[Connection], Awaitable[T]]) -> T:
    """One read on a pooled connection of its own: independent reads run concurrently (`asyncio.gather`)."""
    async with deps.model.reading(deps.pool) as conn:
        return await query(conn)


async def _by_piece(deps: Deps, span: Span,
                    query: Callable[[Connection, date, date], Awaitable[list[T]]]) -> list[T]:
    """`query`'s rows over `span`, read as up to three pieces concurrently: the partial month at either
    end (daily rows: the costly part of a day range) and the whole months between. The pieces' rows
    are summed by the caller."""
    months, edges = split_period(span.start, span.end)
    pieces = [*edges, *([(months[0], Period.containing(months[-1], PeriodKind.month).end)] if months else [])]

    async def piece(first: date, last: date) -> list[T]:
        return await read(deps, lambda c: query(c, first, last))

    parts = await asyncio.gather(*(piece(first, last) for first, last in pieces))
    return [row for part in parts for row in part]


def _add_counters(rows: Iterable[tuple[str, str, str, int, float]], whole: ScopeData | None,
                  per: dict[str, ScopeData] | None) -> None:
    for metric, t, dim, count, amount in rows:
        if whole is not None:
            whole.add(metric, dim, count, amount)
        if per is not None:
            per[t].add(metric, dim, count, amount)


def _add_opens(rows: Iterable[tuple[str, str, str, int]], whole: ScopeData | None,
               per: dict[str, ScopeData] | None) -> None:
    for metric, t, dim, n in rows:
        if whole is not None:
            whole.add_open(metric, dim, n)
        if per is not None:
            per[t].add_open(metric, dim, n)


async def scopes(deps: Deps, span: Span, township: str | None = None, *,
                 per_township: bool = True) -> tuple[ScopeData, dict[str, ScopeData]]:
    """The scope's data (county when `township` is None) and, with `per_township`, each township's, for
    `span`. Independent reads, concurrently: counters, histograms (both by piece of the span, see
    `_by_piece`), active teams, open keys, households visited and paired."""
    model = deps.model
    counters, buckets, (teams, teams_per), opens, homes = await asyncio.gather(
        _by_piece(deps, span, lambda c, first, last: model.counters(
            c, first, last, COUNTERS, by_dimension=sorted(BY_DIMENSION), township=township, per_township=per_township)),
        _by_piece(deps, span, lambda c, first, last: model.buckets(
            c, first, last, SAMPLE_METRICS, township=township, per_township=per_township)),
        read(deps, lambda c: model.presence_counts(c, m.V_ACTIVE_TEAMS, span.start, span.end, township)),
        read(deps, lambda c: model.open_counts(c, OPEN_TOTALS, sorted(OPEN_BY_DIMENSION), township)),
        households(deps, span, township))
    whole = ScopeData()
    by_t: dict[str, ScopeData] | None = defaultdict(ScopeData) if per_township else None
    _add_counters(counters, whole, by_t)
    for metric, t, bucket, n in buckets:
        whole.buckets[metric][bucket] += n
        if by_t is not None:
            by_t[t].buckets[metric][bucket] += n
    _add_opens(opens, whole, by_t)
    _add_households(homes, whole, by_t)
    whole.active_teams = teams
    if by_t is not None:
        for t, n in teams_per.items():
            by_t[t].active_teams = n
    return whole, dict(by_t or {})


def _name(deps: Deps, code: str) -> str:
    return deps.county.name_of(code) or code


def scope_json(deps: Deps, township: str | None) -> dict[str, str]:
    code = township or deps.county.code
    return {"code": code, "name": _name(deps, code)}


async def figures(deps: Deps, span: Span, township: str | None = None, *, by_township: bool = False,
                  only: str | None = None) -> dict[str, Any]:
    whole, per = await scopes(deps, span, township, per_township=by_township)
    values = figure_values(whole)
    body: dict[str, Any] = {"scope": scope_json(deps, township), "period": span.json(),
                            "figures": {only: values[only]} if only else values}
    if by_township:
        codes = [township] if township else _township_codes(deps, per)
        body["townships"] = []
        for code in codes:
            v = figure_values(per.get(code, ScopeData()))
            body["townships"].append({"code": code, "name": _name(deps, code),
                                      "figures": {only: v[only]} if only else v})
    return body


def definitions() -> list[dict[str, Any]]:
    return [{"key": f.key, "zh": f.zh, "en": f.en, "definition_zh": f.definition_zh, "definition": f.definition,
             "counters": list(f.metrics)} for f in fg.FIGURES]


def _township_codes(deps: Deps, per: dict[str, Any]) -> list[str]:
    """The county's townships, plus any other township code that has data (sorted). County-level facts
    (a county team, the county bureau) carry the county code: they count in county totals, not as a township."""
    return sorted(({t.code for t in deps.county.townships} | set(per)) - {deps.county.code})


# ----- rankings ------------------------------------------------------------------------------------

async def _township_counters(deps: Deps, span: Span, metrics: Iterable[str],
                             split: frozenset[str]) -> dict[str, ScopeData]:
    """Each township's counters of `metrics` for `span` (split by dimension for those in `split`), with its
    households visited and paired (the ranking's liaison component)."""
    rows, homes = await asyncio.gather(
        read(deps, lambda c: deps.model.counters(c, span.start, span.end, sorted(metrics), by_dimension=sorted(split))),
        households(deps, span))
    per: dict[str, ScopeData] = defaultdict(lambda: ScopeData(split=split))
    _add_counters(rows, None, per)
    _add_households(homes, None, per)
    return dict(per)


def _township_figures(deps: Deps, per: dict[str, ScopeData]) -> list[TownshipFigures]:
    return [per[code].township_figures(code, per[code].by(rk.ACCIDENTS_BY)) if code in per
            else TownshipFigures.from_totals(code, {}) for code in _township_codes(deps, per)]


def _rank(deps: Deps, period: Period, now: dict[str, ScopeData], before: dict[str, ScopeData],
          comparable: bool = True) -> Ranking:
    """`period`'s ranking (monthly or quarterly) from each township's counters, now and the period before;
    without a change when the period before is not `comparable` (too few days of data)."""
    rank = monthly_ranking if period.kind is PeriodKind.month else quarterly_assessment
    previous = rank(_township_figures(deps, before), period.previous(), deps.ranking) if comparable else None
    return rank(_township_figures(deps, now), period, deps.ranking, previous)


async def _previous_days(deps: Deps, period: Period) -> int:
    before = period.previous()
    return await read(deps, lambda c: deps.model.days_with_data(c, before.start, before.end))


def comparison_json(deps: Deps, period: Period, days_with_data: int) -> dict[str, Any]:
    """Whether "较上月/较上季" compares with a full previous period, and why not when it does not."""
    before = period.previous()
    ok = board.previous_complete(days_with_data, period, deps.ranking.comparison_min_days)
    word = "上月" if period.kind is PeriodKind.month else "上季度"
    return {"available": ok, "previous_period": before.label, "previous_period_zh": before.label_zh,
            "days_with_data": days_with_data, "min_days": deps.ranking.comparison_min_days * before.months,
            "note_zh": None if ok else f"{word}数据不完整（{before.label_zh}仅{days_with_data}天有数据），不作比较"}


_RANKING_SPLIT = frozenset({rk.ACCIDENTS_BY})


async def ranking(deps: Deps, period: Period) -> tuple[Ranking, dict[str, Any]]:
    """Three reads, concurrently: every township's score counters for the period and for the one before,
    and how many days of the one before hold data (the comparison's guard)."""
    now, before, days = await asyncio.gather(
        _township_counters(deps, Span.of(period), rk.COUNTERS, _RANKING_SPLIT),
        _township_counters(deps, Span.of(period.previous()), rk.COUNTERS, _RANKING_SPLIT),
        _previous_days(deps, period))
    comparison = comparison_json(deps, period, days)
    return _rank(deps, period, now, before, comparison["available"]), comparison


def ranking_json(deps: Deps, r: Ranking, comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    is_provisional = board.provisional(r.period, today(deps))
    return {
        "period": r.period.label, "period_zh": r.period.label_zh, "kind": str(r.period.kind),
        "provisional": is_provisional, "status_zh": "暂定（期末后定稿）" if is_provisional else "已定稿",
        "comparison": comparison,
        "previous_period": r.period.previous().label,
        "rows": [{"rank": row.rank, "township": row.township, "name": _name(deps, row.township),
                  "score": row.score.total, "petition": row.score.petition, "safety": row.score.safety,
                  "volunteer": row.score.volunteer, "liaison": row.score.liaison, "rank_change": row.rank_change,
                  "score_change": row.score_change, "previous_rank": row.previous_rank,
                  "previous_score": row.previous_score} for row in r.rows],
        "red_list": list(r.red_list), "black_list": list(r.black_list),
        "config": ranking_config_json(deps),
    }


def ranking_config_json(deps: Deps) -> dict[str, Any]:
    config = asdict(deps.ranking)
    config["accident_deductions"] = dict(deps.ranking.accident_deductions)
    return config


# ----- open lists ----------------------------------------------------------------------------------

def case_links(deps: Deps) -> board.CaseLinks:
    return board.CaseLinks(deps.settings.reporting_petition_case_url, deps.settings.reporting_safety_case_url)


def _department_name(deps: Deps, code: str | None) -> str | None:
    if not code:
        return None
    department = deps.county.department(code)
    return department.name if department else code


def _petition_row(deps: Deps, r: dict[str, Any]) -> dict[str, Any]:
    return board.petition_row(r, _name(deps, r["township"]),
                              _department_name(deps, (r.get("attrs") or {}).get("department")), case_links(deps))


def _hazard_row(deps: Deps, r: dict[str, Any]) -> dict[str, Any]:
    return board.hazard_row(r, _name(deps, r["township"]), case_links(deps))


async def open_list(deps: Deps, name: str, township: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """An open list's rows: what a leader recognises of each (labels, enterprise name) and, for petitions
    and hazards, the link to the case; one statement whatever the length."""
    metric, _ = OPEN_LISTS[name]
    rows = await read(deps, lambda c: deps.model.open_list(c, metric, township, limit))
    out = []
    for r in rows:
        item: dict[str, Any] = {"key": r["key"], "township": r["township"], "township_name": _name(deps, r["township"]),
                                "village": r["village"] or None, "dimension": r["dimension"],
                                "since": r["at"].isoformat()}
        if metric in _PETITION_LISTS:
            item.update(_petition_row(deps, r))
        elif metric in _HAZARD_LISTS:
            item.update(_hazard_row(deps, r))
        elif r.get("enterprise_name"):
            item["enterprise_name"] = r["enterprise_name"]
        out.append(item)
    return out


# ----- trend and dashboard -------------------------------------------------------------------------

async def trend(deps: Deps, end: date, days: int = 30, township: str | None = None) -> dict[str, Any]:
    start = end - timedelta(days=days - 1)
    rows = await read(deps, lambda c: deps.model.daily(c, list(TREND_METRICS.values()), start, end, township))
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for metric, day, n in rows:
        series[metric][day] = n
    all_days = [start + timedelta(days=i) for i in range(days)]
    out: dict[str, Any] = {"days": [d.isoformat() for d in all_days]}
    for key, metric in TREND_METRICS.items():
        out[key] = [int(series[metric].get(d, 0)) for d in all_days]
    return out


async def _case_lists(deps: Deps, township: str | None, day: date) -> dict[str, list[dict[str, Any]]]:
    """The overdue and approaching-deadline lists and the serious accidents, from one statement."""
    now = deps.clock()
    rows = await read(deps, lambda c: deps.model.case_lists(
        c, township, 50, now + timedelta(days=board.DUE_SOON_DAYS), board.alert_since(day)))
    lists: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        name = r["list"]
        if name.startswith("petitions"):
            lists[name].append(_petition_row(deps, r))
        elif name.startswith("hazards"):
            lists[name].append(_hazard_row(deps, r))
        else:
            lists[name].append(board.accident_row(r, _name(deps, r["township"])))
    return lists


async def dashboard(deps: Deps, township: str | None = None, *, townships_visible: str | None = None) -> dict[str, Any]:
    """The county dashboard's JSON (the contract the front-end relies on; see docs/reporting.md).

    `township` narrows today's/this month's figures, the trend and the overdue lists; the ranking is
    always the county's. `townships_visible` limits the township table to one township (scoped tokens).

    Nine independent reads after the version, concurrently: today's counters (scope), this month's (per
    township), last month's score counters and households (the ranking's change) and how many of its
    days hold data (is it comparable), the open keys (per township), the trend, the case lists (overdue,
    approaching, serious accidents: one statement), this month's dispatch-time histogram and this month's
    households visited and paired (per township). Active teams are not shown here, so not read.
    """
    version = await read(deps, deps.model.version)
    day = today(deps)
    key = (version, day, township, townships_visible)
    cached = deps.dashboard_cache.get(key)
    if cached is not None:
        return cached
    month = Period.containing(day, PeriodKind.month)
    model = deps.model
    # Two groups (asyncio.gather is typed for at most six awaitables), all concurrently.
    counted = asyncio.gather(
        read(deps, lambda c: model.counters(c, day, day, COUNTERS, by_dimension=sorted(BY_DIMENSION),
                                            township=township, per_township=False)),
        read(deps, lambda c: model.counters(c, month.start, month.end, COUNTERS, by_dimension=sorted(BY_DIMENSION))),
        _township_counters(deps, Span.of(month.previous()), rk.COUNTERS, _RANKING_SPLIT),
        _previous_days(deps, month))
    listed = asyncio.gather(
        read(deps, lambda c: model.open_counts(c, OPEN_TOTALS, sorted(OPEN_BY_DIMENSION))),
        trend(deps, day, 30, township),
        _case_lists(deps, township, day),
        read(deps, lambda c: model.buckets(c, month.start, month.end, (m.V_MINUTES_TO_DISPATCH,), township=township,
                                           per_township=False)),
        households(deps, Span.of(month)))
    (today_rows, month_rows, before, days_before), (opens, trend_body, cases, dispatch, homes) = \
        await asyncio.gather(counted, listed)
    today_all, month_all = ScopeData(), ScopeData()
    month_by_t: dict[str, ScopeData] = defaultdict(ScopeData)
    _add_counters(today_rows, today_all, None)
    _add_counters(month_rows, month_all, month_by_t)
    _add_opens(opens, month_all, month_by_t)
    _add_households(homes, month_all, month_by_t)
    _add_opens((row for row in opens if township is None or row[1] == township), today_all, None)
    month_per = dict(month_by_t)
    month_scope = month_all if township is None else month_per.get(township, ScopeData())
    comparison = comparison_json(deps, month, days_before)
    rank = _rank(deps, month, month_per, before, comparison["available"])
    for metric, _t, bucket, n in dispatch:
        month_scope.buckets[metric][bucket] += n
    t, mv = figure_values(today_all), figure_values(month_scope)
    scope_now = today_all  # open keys of the scope (township or county)
    accidents = mv["accidents"]
    codes = [townships_visible] if townships_visible else _township_codes(deps, month_per)
    ranked = ranking_json(deps, rank, comparison)
    liaison_rows: list[dict[str, Any]] = []  # 驻村联户 panel: this month's compliance and coverage per township
    body = {
        "county": {"code": deps.county.code, "name": deps.county.name},
        "generated_at": deps.clock().astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "scope": scope_json(deps, township),
        "today": {
            "date": day.isoformat(),
            "petitions_received": t["petitions_received"]["value"], "petitions_open": t["petitions_open"]["value"],
            "petitions_overdue": t["petitions_overdue_now"]["value"], "hazards_found": t["hazards_found"]["value"],
            "hazards_open": today_all.o(m.S_HAZARDS_OPEN), "hazards_overdue": t["hazards_overdue_now"]["value"],
            "major_hazards_supervised": t["major_hazards_supervised"]["value"],
            "enterprises_suspended": t["suspended_enterprises"]["value"],
            "volunteer_requests": t["volunteer_requests"]["value"], "volunteer_completed": today_all.c(m.V_COMPLETED),
            "volunteer_hours": t["volunteer_hours"]["value"],
        },
        "month": {
            "label": month.label_zh, "petitions_received": mv["petitions_received"]["value"],
            "on_time_reply_rate": mv["on_time_reply_rate"]["value"],
            "satisfaction_rate": mv["petition_satisfaction_rate"]["value"],
            "hazards_found": mv["hazards_found"]["value"], "rectification_rate": mv["rectification_rate"]["value"],
            "penalties": mv["penalties"]["value"], "penalty_amount": mv["penalties"]["amount"],
            "accidents": mv["accidents"]["value"], "volunteer_requests": mv["volunteer_requests"]["value"],
            "completion_rate": mv["completion_rate"]["value"], "volunteer_hours": mv["volunteer_hours"]["value"],
            "person_times": mv["person_times"]["value"],
        },
        "trend": trend_body,
        "townships": [],
        "ranking": {k: v for k, v in ranked.items()
                    if k in ("period", "period_zh", "provisional", "status_zh", "comparison", "red_list",
                             "black_list")},
        "overdue": {"petitions": cases["petitions_overdue"], "hazards": cases["hazards_overdue"]},
        "due_soon": {"petitions": cases["petitions_due_soon"], "hazards": cases["hazards_due_soon"],
                     "days": board.DUE_SOON_DAYS},
        "accidents": {**board.accidents_panel(accidents["by_grade"], accidents["deaths_by_grade"],
                                              accidents["serious_injuries_by_grade"]), "month": month.label_zh},
        "accident_alert": board.accident_alert(cases["serious_accidents"]),
        "categories": {"month": month.label_zh,
                       "rows": board.category_breakdown(mv["petitions_received"]["by_category"])},
        "volunteer": {
            "awaiting_manual_dispatch": scope_now.o(m.V_AWAITING_MANUAL),
            "average_stars": _round(mv["volunteer_satisfaction"]["average_stars"], 2),
            "rated": mv["volunteer_satisfaction"]["denominator"],
            "satisfaction_rate": mv["volunteer_satisfaction"]["value"],
            "dispatch_minutes_p50": mv["time_to_dispatch"]["p50"], "dispatched": mv["time_to_dispatch"]["n"],
        },
        "liaison": {"month": month.label_zh, **_liaison_panel(mv), "rows": liaison_rows},
    }
    body["ranking"]["rows"] = [{k: row[k] for k in ("rank", "township", "name", "score", "rank_change", "score_change",
                                                    "petition", "safety", "volunteer", "liaison")}
                               for row in ranked["rows"]]
    for code in codes:
        d = month_per.get(code, ScopeData())
        row = rank.row(code)
        body["townships"].append({
            "code": code, "name": _name(deps, code), "petitions_received": d.c(m.P_RECEIVED),
            "petitions_overdue": d.o(m.P_OVERDUE_OPEN), "hazards_open": d.o(m.S_HAZARDS_OPEN),
            "hazards_overdue": d.o(m.S_HAZARDS_OVERDUE_OPEN), "volunteer_completed": d.c(m.V_COMPLETED),
            "score": row.score.total if row else None})
        liaison_rows.append({"code": code, "name": _name(deps, code), **_liaison_panel(liaison_values(d))})
    if len(deps.dashboard_cache) > 64:
        deps.dashboard_cache.clear()
    deps.dashboard_cache[key] = body
    return body


def _liaison_panel(v: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's 驻村联户 panel figures of one scope: this month's compliance, coverage and problems."""
    s, c, p = v["stationing_compliance"], v["visit_coverage"], v["liaison_problems"]
    return {"stationing_compliance": s["value"], "cadre_weeks": s["denominator"], "short_weeks": s["short_weeks"],
            "visit_coverage": c["value"], "households_paired": c["denominator"], "households_visited": c["numerator"],
            "problems_raised": p["value"], "problems_resolved_on_time": p["resolved_on_time"]}


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


async def version(deps: Deps) -> int:
    return await read(deps, deps.model.version)
