"""Figures, rankings, overdue lists and the dashboard, computed from the read models' sums.

Reads go through `ReadModel` (the SQL); the arithmetic is the domain's (`figures`, `ranking`). Every
figure of docs/reporting-figures.md is in `figure_values`; a scope is the county (`township=None`)
or one township.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.reporting.bootstrap import Deps
from services.reporting.domain import figures as fg
from services.reporting.domain import metrics as m
from services.reporting.domain.facts import SHANGHAI
from services.reporting.domain.periods import Period, PeriodKind
from services.reporting.domain.ranking import (
    Ranking,
    TownshipFigures,
    monthly_ranking,
    quarterly_assessment,
)

MARK_METRICS = (m.P_OPEN, m.P_OVERDUE_OPEN, m.S_HAZARDS_OPEN, m.S_HAZARDS_OVERDUE_OPEN, m.S_MAJOR_SUPERVISED,
                m.S_SUSPENDED, m.V_OPEN)
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
}
TREND_METRICS = {"petitions_received": m.P_RECEIVED, "hazards_found": m.S_HAZARDS_FOUND,
                 "volunteer_requests": m.V_REQUESTS}


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
    """One scope's counters for a period plus its "now" state."""

    counts: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    buckets: dict[str, dict[float, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    opens: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    active_teams: int = 0

    def _index(self) -> dict[str, list[tuple[str, list[float]]]]:
        # Built once per scope (after the rows are in): every figure reads a few metrics, not every row.
        index = self.__dict__.get("_by_metric")
        if index is None:
            index = defaultdict(list)
            for (mt, dim), v in sorted(self.counts.items()):
                index[mt].append((dim, v))
            self.__dict__["_by_metric"] = index
        return index  # type: ignore[no-any-return]

    def c(self, metric: str) -> int:
        return int(sum(v[0] for _, v in self._index().get(metric, ())))

    def a(self, metric: str) -> float:
        return round(sum(v[1] for _, v in self._index().get(metric, ())), 6)

    def by(self, metric: str) -> dict[str, int]:
        return {dim: int(v[0]) for dim, v in self._index().get(metric, ()) if v[0]}

    def by_amount(self, metric: str) -> dict[str, dict[str, float]]:
        return {dim: {"count": int(v[0]), "amount": round(v[1], 6)} for dim, v in self._index().get(metric, ()) if v[0]}

    def o(self, metric: str) -> int:
        return sum(n for (mt, _), n in self.opens.items() if mt == metric)

    def o_by(self, metric: str) -> dict[str, int]:
        return {dim: n for (mt, dim), n in sorted(self.opens.items()) if mt == metric and n}

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (mt, _), v in self.counts.items():
            out[mt] += v[0]
        return out


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
                      "serious_injuries": c(m.S_ACCIDENT_INJURIES), "direct_loss": d.a(m.S_ACCIDENTS)},
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
    }
    for key, body in out.items():
        body["zh"] = fg.BY_KEY[key].zh
    return out


# ----- gathering -----------------------------------------------------------------------------------

def today(deps: Deps) -> date:
    return deps.clock().astimezone(SHANGHAI).date()


async def scopes(deps: Deps, span: Span, township: str | None = None, *,
                 with_now: bool = True) -> tuple[ScopeData, dict[str, ScopeData]]:
    """The scope's data (county when `township` is None) and each township's, for `span`."""
    model = deps.model
    by_t: dict[str, ScopeData] = defaultdict(ScopeData)
    whole = ScopeData()
    async with deps.pool.acquire() as conn:
        for s in await model.sums(conn, span.start, span.end, township=township):
            for target in (whole, by_t[s.township]):
                row = target.counts[(s.metric, s.dimension)]
                row[0] += s.count
                row[1] += s.amount
        for metric, t, bucket, n in await model.buckets(conn, span.start, span.end, SAMPLE_METRICS, township):
            whole.buckets[metric][bucket] += n
            by_t[t].buckets[metric][bucket] += n
        if with_now:
            for metric, t, dim, n in await model.open_counts(conn, MARK_METRICS, township):
                whole.opens[(metric, dim)] += n
                by_t[t].opens[(metric, dim)] += n
        total, per = await model.presence_counts(conn, m.V_ACTIVE_TEAMS, span.start, span.end, township)
        whole.active_teams = total
        for t, n in per.items():
            by_t[t].active_teams = n
    return whole, dict(by_t)


def _name(deps: Deps, code: str) -> str:
    return deps.county.name_of(code) or code


def scope_json(deps: Deps, township: str | None) -> dict[str, str]:
    code = township or deps.county.code
    return {"code": code, "name": _name(deps, code)}


async def figures(deps: Deps, span: Span, township: str | None = None, *, by_township: bool = False,
                  only: str | None = None) -> dict[str, Any]:
    whole, per = await scopes(deps, span, township)
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

async def ranking(deps: Deps, period: Period) -> Ranking:
    async def township_figures(p: Period) -> list[TownshipFigures]:
        _, per = await scopes(deps, Span.of(p), with_now=False)
        return [TownshipFigures.from_totals(code, per[code].totals() if code in per else {},
                                            accidents=per[code].by(m.S_ACCIDENTS) if code in per else {})
                for code in _township_codes(deps, per)]

    rank = monthly_ranking if period.kind is PeriodKind.month else quarterly_assessment
    previous = rank(await township_figures(period.previous()), period.previous(), deps.ranking)
    return rank(await township_figures(period), period, deps.ranking, previous)


def ranking_json(deps: Deps, r: Ranking) -> dict[str, Any]:
    return {
        "period": r.period.label, "period_zh": r.period.label_zh, "kind": str(r.period.kind),
        "previous_period": r.period.previous().label,
        "rows": [{"rank": row.rank, "township": row.township, "name": _name(deps, row.township),
                  "score": row.score.total, "petition": row.score.petition, "safety": row.score.safety,
                  "volunteer": row.score.volunteer, "rank_change": row.rank_change,
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

async def open_list(deps: Deps, name: str, township: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    metric, _ = OPEN_LISTS[name]
    async with deps.pool.acquire() as conn:
        rows = await deps.model.open_list(conn, metric, township, limit)
    return [{"key": r["key"], "township": r["township"], "township_name": _name(deps, r["township"]),
             "village": r["village"] or None, "dimension": r["dimension"], "since": r["at"].isoformat()}
            for r in rows]


# ----- trend and dashboard -------------------------------------------------------------------------

async def trend(deps: Deps, end: date, days: int = 30, township: str | None = None) -> dict[str, Any]:
    start = end - timedelta(days=days - 1)
    async with deps.pool.acquire() as conn:
        rows = await deps.model.daily(conn, list(TREND_METRICS.values()), start, end, township)
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for metric, day, n in rows:
        series[metric][day] = n
    all_days = [start + timedelta(days=i) for i in range(days)]
    out: dict[str, Any] = {"days": [d.isoformat() for d in all_days]}
    for key, metric in TREND_METRICS.items():
        out[key] = [int(series[metric].get(d, 0)) for d in all_days]
    return out


async def dashboard(deps: Deps, township: str | None = None, *, townships_visible: str | None = None) -> dict[str, Any]:
    """The county dashboard's JSON (the contract the front-end relies on; see docs/reporting.md).

    `township` narrows today's/this month's figures, the trend and the overdue lists; the ranking is
    always the county's. `townships_visible` limits the township table to one township (scoped tokens).
    """
    async with deps.pool.acquire() as conn:
        version = await deps.model.version(conn)
    day = today(deps)
    key = (version, day, township, townships_visible)
    cached = deps.dashboard_cache.get(key)
    if cached is not None:
        return cached
    month = Period.containing(day, PeriodKind.month)
    today_all, _ = await scopes(deps, Span(day, day, day.isoformat()), township)
    month_all, month_per = await scopes(deps, Span.of(month), township=None)
    month_scope = month_all if township is None else month_per.get(township, ScopeData())
    rank = await ranking(deps, month)
    t, mv = figure_values(today_all), figure_values(month_scope)
    codes = [townships_visible] if townships_visible else _township_codes(deps, month_per)
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
        "trend": await trend(deps, day, 30, township),
        "townships": [],
        "ranking": {k: v for k, v in ranking_json(deps, rank).items()
                    if k in ("period", "red_list", "black_list")},
        "overdue": {"petitions": await open_list(deps, "petitions_overdue", township, 50),
                    "hazards": await open_list(deps, "hazards_overdue", township, 50)},
    }
    body["ranking"]["rows"] = [{k: row[k] for k in ("rank", "township", "name", "score", "rank_change", "score_change",
                                                    "petition", "safety", "volunteer")}
                               for row in ranking_json(deps, rank)["rows"]]
    for code in codes:
        d = month_per.get(code, ScopeData())
        row = rank.row(code)
        body["townships"].append({
            "code": code, "name": _name(deps, code), "petitions_received": d.c(m.P_RECEIVED),
            "petitions_overdue": d.o(m.P_OVERDUE_OPEN), "hazards_open": d.o(m.S_HAZARDS_OPEN),
            "hazards_overdue": d.o(m.S_HAZARDS_OVERDUE_OPEN), "volunteer_completed": d.c(m.V_COMPLETED),
            "score": row.score.total if row else None})
    if len(deps.dashboard_cache) > 64:
        deps.dashboard_cache.clear()
    deps.dashboard_cache[key] = body
    return body


async def version(deps: Deps) -> int:
    async with deps.pool.acquire() as conn:
        return await deps.model.version(conn)


def now_iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")
