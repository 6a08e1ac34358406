"""The monthly / quarterly report (月报 / 季报): one table per domain plus the ranking, per township.

`build_report` lays out the tables (Chinese headers, one row per township and a county total);
`adapters.spreadsheets` renders them as an Excel workbook or CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.reporting.domain.periods import Period
from services.reporting.domain.report import Report, Table
from services.reporting.service_layer import queries as q
from services.reporting.service_layer.deps import Deps

Getter = Callable[[dict[str, dict[str, Any]]], Any]


@dataclass(frozen=True)
class Column:
    header: str
    get: Getter
    kind: str = "int"  # int | num | rate


def _v(key: str, field: str = "value") -> Getter:
    return lambda f: f[key].get(field)


def _dim(key: str, group: str, dim: str) -> Getter:
    return lambda f: f[key][group].get(dim, 0)


DOMAINS: dict[str, list[Column]] = {
    "信访": [
        Column("受理件数", _v("petitions_received")),
        Column("来访/联名人数", _v("petitions_received", "people"), "num"),
        Column("在办件数（当前）", _v("petitions_open")),
        Column("按期转送交办率", _v("on_time_routing_rate"), "rate"),
        Column("按期告知受理率", _v("on_time_acceptance_rate"), "rate"),
        Column("按期答复率", _v("on_time_reply_rate"), "rate"),
        Column("超期时限数（当前）", _v("petitions_overdue_now")),
        Column("信访满意率", _v("petition_satisfaction_rate"), "rate"),
        Column("重复信访率", _v("repeat_rate"), "rate"),
        Column("集体访批次", _v("group_visits")),
        Column("集体访人数", _v("group_visits", "people"), "num"),
    ],
    "安全生产": [
        Column("安全检查次数", _v("inspections")),
        Column("发现问题数", _v("inspections", "findings"), "num"),
        Column("排查隐患数", _v("hazards_found")),
        Column("其中重大隐患", _dim("hazards_found", "by_level", "major")),
        Column("隐患整改率", _v("rectification_rate"), "rate"),
        Column("按期整改率", _v("on_time_rectification_rate"), "rate"),
        Column("逾期未整改隐患（当前）", _v("hazards_overdue_now")),
        Column("挂牌督办重大隐患（当前）", _v("major_hazards_supervised")),
        Column("行政处罚（件）", _v("penalties")),
        Column("罚款金额（元）", _v("penalties", "amount"), "num"),
        Column("停产整顿企业（当前）", _v("suspended_enterprises")),
        Column("事故起数", _v("accidents")),
        Column("死亡人数", _v("accidents", "deaths")),
        Column("重伤人数", _v("accidents", "serious_injuries")),
        Column("直接经济损失（元）", _v("accidents", "direct_loss"), "num"),
        Column("事故迟报", _v("late_accident_reports")),
    ],
    "志愿服务": [
        Column("点单数", _v("volunteer_requests")),
        Column("派单用时中位数（分钟）", _v("time_to_dispatch", "p50"), "num"),
        Column("派单用时90分位（分钟）", _v("time_to_dispatch", "p90"), "num"),
        Column("接单用时中位数（分钟）", _v("time_to_accept", "p50"), "num"),
        Column("接单用时90分位（分钟）", _v("time_to_accept", "p90"), "num"),
        Column("办结用时中位数（分钟）", _v("time_to_complete", "p50"), "num"),
        Column("办结用时90分位（分钟）", _v("time_to_complete", "p90"), "num"),
        Column("办结率", _v("completion_rate"), "rate"),
        Column("上转率", _v("escalation_rate"), "rate"),
        Column("满意率（4–5星）", _v("volunteer_satisfaction"), "rate"),
        Column("平均星级", _v("volunteer_satisfaction", "average_stars"), "num"),
        Column("服务时长（小时）", _v("volunteer_hours"), "num"),
        Column("服务人次", _v("person_times")),
        Column("活跃队伍数", _v("active_teams")),
    ],
    "驻村联户": [
        Column("驻村干部周（人·周）", _v("stationing_compliance", "denominator")),
        Column("达标周数", _v("stationing_compliance", "numerator")),
        Column("驻村在岗达标率", _v("stationing_compliance"), "rate"),
        Column("结对联系户（期末）", _v("visit_coverage", "denominator")),
        Column("已走访户数", _v("visit_coverage", "numerator")),
        Column("走访覆盖率", _v("visit_coverage"), "rate"),
        Column("走访次数", _v("visit_coverage", "visits")),
        Column("走访发现问题", _v("liaison_problems")),
        Column("按期解决问题", _v("liaison_problems", "resolved_on_time")),
        Column("问题按期解决率", _v("liaison_problems", "on_time_rate"), "rate"),
    ],
}
RANKING_SHEET = "排名"
RANKING_HEADERS = ["名次", "乡镇代码", "乡镇", "总分", "党群诉求", "安全生产", "志愿服务", "驻村联户", "名次变化",
                   "分数变化", "上期名次", "上期总分", "红黑榜"]
RANKING_KINDS = ["int", "text", "text", "num", "num", "num", "num", "num", "int", "num", "int", "num", "text"]


async def build_report(deps: Deps, period: Period, township: str | None = None) -> Report:
    span = q.Span.of(period)
    whole, per = await q.scopes(deps, span, township)
    codes = [township] if township else q._township_codes(deps, per)
    scope_rows = [(code, q._name(deps, code), q.figure_values(per.get(code, q.ScopeData()))) for code in codes]
    total_label = q._name(deps, township) if township else "全县合计"
    scope_rows.append((township or deps.county.code, total_label, q.figure_values(whole)))
    tables = []
    for name, columns in DOMAINS.items():
        rows = [[code, label, *(c.get(f) for c in columns)] for code, label, f in scope_rows]
        tables.append(Table(name, ["乡镇代码", "乡镇", *(c.header for c in columns)],
                            ["text", "text", *(c.kind for c in columns)], rows))
    rank, _comparison = await q.ranking(deps, period)
    rows = []
    for r in rank.rows:
        if township and r.township != township and r.rank is None:
            continue
        flag = "红榜" if r.township in rank.red_list else "黑榜" if r.township in rank.black_list else ""
        rows.append([r.rank, r.township, q._name(deps, r.township), r.score.total, r.score.petition, r.score.safety,
                     r.score.volunteer, r.score.liaison, r.rank_change, r.score_change, r.previous_rank, r.previous_score, flag])
    tables.append(Table(RANKING_SHEET, RANKING_HEADERS, RANKING_KINDS, rows))
    kind = "月报" if period.kind == "month" else "季报"
    return Report(f"{deps.county.name}{period.label_zh}{kind}", period, tables)
