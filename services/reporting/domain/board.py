"""What the county dashboard shows a leader beyond the figures: case rows that name what they are and
link to the case, the serious-accident alert, and whether "较上月" has a full month to compare with.

- **Case rows** (overdue and approaching-deadline lists) show labels a leader recognises — the petition's
  民情台账 heading, the responsible department, the enterprise's name and industry for a hazard, the
  township — never personal data (the read model holds codes and ids only), and link to the case in its
  own service: `{petition base}/matters/{id}`, `{safety base}/hazards/{id}` (the workbench replaces these).
- **Accident alert**: any accident graded 较大 or above (《生产安全事故报告和调查处理条例》第三条: 较大 =
  3–9 deaths, 10–49 serious injuries or 10–50 million yuan; 重大, 特别重大 above) in the current month or the
  last `ALERT_DAYS` days raises a banner.
- **Comparison**: a period's ranking is compared with the previous one only when that one holds data on at
  least `RankingConfig.comparison_min_days` days per month; otherwise "上月数据不完整".

Labels are this service's presentation tables, kept equal to the services' own (a unit test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .periods import Period

#: 民情台账 headings (the petition service's `Category`), in the ledger's order.
CATEGORY_LABELS: dict[str, str] = {
    "economy": "经济发展", "livelihood": "民生改善", "dispute": "社会矛盾", "production": "生产经营",
    "poverty_relief": "扶贫帮困", "grassroots": "基层组织",
}
DEADLINE_LABELS: dict[str, str] = {
    "route": "转送交办", "acceptance_notice": "告知受理", "objection": "异议", "reply": "答复",
    "review_decision": "复查", "re_review_decision": "复核",
}
HAZARD_LEVEL_LABELS: dict[str, str] = {"general": "一般隐患", "major": "重大隐患"}
#: Accident grades, least to most severe (the contract's `AccidentGrade` values).
ACCIDENT_GRADES: tuple[str, ...] = ("ordinary", "larger", "major", "especially_major")
ACCIDENT_GRADE_LABELS: dict[str, str] = {
    "ordinary": "一般事故", "larger": "较大事故", "major": "重大事故", "especially_major": "特别重大事故",
}
#: Grades that raise the dashboard's alert banner.
ALERT_GRADES = frozenset({"larger", "major", "especially_major"})
#: The banner also shows serious accidents of the last days of the previous month.
ALERT_DAYS = 7
#: Deadlines this near (hazards: rectification deadline) are listed as approaching.
DUE_SOON_DAYS = 3
INDUSTRY_LABELS: dict[str, str] = {
    "foundry": "铸造", "open_pit_quarry": "露天矿山", "hazardous_chemicals": "危险化学品", "fireworks": "烟花爆竹",
    "metallurgy": "冶金", "construction": "建筑施工", "other": "其他",
}


@dataclass(frozen=True)
class CaseLinks:
    """Where a case opens: the base URLs of the services' APIs (or, later, the workbench)."""

    petition: str
    safety: str

    def matter(self, matter_id: str) -> str:
        return f"{self.petition.rstrip('/')}/matters/{matter_id}"

    def hazard(self, hazard_id: str) -> str:
        return f"{self.safety.rstrip('/')}/hazards/{hazard_id}"


def alert_since(today: date) -> date:
    """The first day whose serious accidents the banner shows: this month's first, or `ALERT_DAYS` back."""
    return min(today.replace(day=1), today - timedelta(days=ALERT_DAYS - 1))


def petition_row(row: Mapping[str, Any], township_name: str, department_name: str | None,
                 links: CaseLinks) -> dict[str, Any]:
    """One overdue or approaching petition deadline, as the dashboard lists it."""
    attrs = row.get("attrs") or {}
    matter_id = attrs.get("case") or str(row["key"]).split(":", 1)[0]
    category = attrs.get("category")
    return {
        "key": row["key"], "case_id": matter_id, "url": links.matter(matter_id),
        "township": row["township"], "township_name": township_name,
        "category": category, "category_zh": CATEGORY_LABELS.get(category or "", category),
        "department": attrs.get("department"), "department_zh": department_name,
        "deadline": row["dimension"], "deadline_zh": DEADLINE_LABELS.get(row["dimension"], row["dimension"]),
        "due_at": attrs.get("due_at"), "since": _iso(row["at"]),
    }


def hazard_row(row: Mapping[str, Any], township_name: str, links: CaseLinks) -> dict[str, Any]:
    """One overdue or approaching hazard, named by its enterprise (or its industry when the name is unknown)."""
    attrs = row.get("attrs") or {}
    industry = attrs.get("industry")
    return {
        "key": row["key"], "case_id": row["key"], "url": links.hazard(row["key"]),
        "township": row["township"], "township_name": township_name,
        "enterprise_name": row.get("enterprise_name") or None,
        "industry": industry, "industry_zh": INDUSTRY_LABELS.get(industry or "", industry),
        "level": row["dimension"], "level_zh": HAZARD_LEVEL_LABELS.get(row["dimension"], row["dimension"]),
        "due_at": attrs.get("due_at"), "since": _iso(row["at"]),
    }


def accident_row(row: Mapping[str, Any], township_name: str) -> dict[str, Any]:
    attrs = row.get("attrs") or {}
    industry = attrs.get("industry")
    return {
        "accident_id": row["key"], "grade": row["dimension"],
        "grade_zh": ACCIDENT_GRADE_LABELS.get(row["dimension"], row["dimension"]),
        "township": row["township"], "township_name": township_name,
        "enterprise_name": row.get("enterprise_name") or None,
        "industry_zh": INDUSTRY_LABELS.get(industry or "", industry),
        "deaths": int(attrs.get("deaths", 0)), "serious_injuries": int(attrs.get("serious_injuries", 0)),
        "occurred_at": attrs.get("accident_occurred_at") or _iso(row["at"]),
    }


def accidents_panel(by_grade: Mapping[str, int], deaths: Mapping[str, int],
                    injuries: Mapping[str, int]) -> dict[str, Any]:
    """The month's accidents by grade (every grade listed, 0 included) with deaths and serious injuries."""
    rows = [{"grade": g, "grade_zh": ACCIDENT_GRADE_LABELS[g], "count": int(by_grade.get(g, 0)),
             "deaths": int(deaths.get(g, 0)), "serious_injuries": int(injuries.get(g, 0))} for g in ACCIDENT_GRADES]
    return {"grades": rows, "count": sum(r["count"] for r in rows), "deaths": sum(r["deaths"] for r in rows),
            "serious_injuries": sum(r["serious_injuries"] for r in rows)}


def accident_alert(accidents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The banner for serious accidents (rows from `accident_row`, graded 较大 or above), most severe first;
    None when there are none."""
    serious = [a for a in accidents if a["grade"] in ALERT_GRADES]
    if not serious:
        return None
    serious.sort(key=lambda a: (-ACCIDENT_GRADES.index(a["grade"]), a["occurred_at"] or ""))
    parts = []
    for a in serious:
        where = a["township_name"] + (f"{a['enterprise_name']}" if a["enterprise_name"] else
                                      (f"一家{a['industry_zh']}企业" if a["industry_zh"] else ""))
        parts.append(f"{where}发生{a['grade_zh']}，死亡{a['deaths']}人、重伤{a['serious_injuries']}人")
    worst = serious[0]["grade_zh"]
    return {"level": serious[0]["grade"], "count": len(serious),
            "deaths": sum(a["deaths"] for a in serious),
            "text_zh": f"事故警报：本月及近{ALERT_DAYS}日共发生较大及以上事故{len(serious)}起（最严重为{worst}）。"
                       + "；".join(parts) + "。",
            "accidents": serious}


def category_breakdown(by_category: Mapping[str, int]) -> list[dict[str, Any]]:
    """The 民情台账 breakdown: the six headings in ledger order (0 included), then any other code received."""
    rows = [{"category": c, "zh": zh, "count": int(by_category.get(c, 0))} for c, zh in CATEGORY_LABELS.items()]
    rows += [{"category": c, "zh": c, "count": int(n)} for c, n in sorted(by_category.items())
             if c not in CATEGORY_LABELS and n]
    return rows


def previous_complete(days_with_data: int, period: Period, min_days_per_month: int) -> bool:
    """Whether the period before `period` holds enough days of data to compare with."""
    return days_with_data >= min_days_per_month * period.previous().months


def provisional(period: Period, today: date) -> bool:
    """A period's ranking is provisional (暂定) until the period has closed."""
    return today <= period.end


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime | date) else str(value)
