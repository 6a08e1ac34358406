"""The dashboard's case rows, accident alert, categories and comparison rule (pure, no I/O)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from services.petition.domain.categories import Category
from services.reporting.domain import board
from services.reporting.domain.periods import Period

CST = timezone(timedelta(hours=8))
LINKS = board.CaseLinks("http://petition.example/", "http://safety.example")


def test_category_labels_are_the_petition_services_six_headings() -> None:
    assert board.CATEGORY_LABELS == {c.value: c.label_zh for c in Category}


def test_a_petition_row_names_category_department_and_links_to_the_matter() -> None:
    at = datetime(2025, 6, 1, 9, tzinfo=CST)
    row = board.petition_row({"key": "m-1:reply", "township": "990102103000", "dimension": "reply", "at": at,
                              "attrs": {"case": "m-1", "category": "livelihood", "department": "rsj",
                                        "due_at": "2025-05-31T09:00:00+08:00"}},
                             "金山镇", "县人力资源和社会保障局", LINKS)
    assert row["url"] == "http://petition.example/matters/m-1"
    assert (row["category_zh"], row["department_zh"], row["deadline_zh"], row["township_name"]) == (
        "民生改善", "县人力资源和社会保障局", "答复", "金山镇")
    assert "petitioners" not in row and row["since"] == at.isoformat()


def test_a_row_without_attrs_still_links_by_its_key() -> None:
    row = board.petition_row({"key": "m-2:route", "township": "t", "dimension": "route", "at": None, "attrs": {}},
                             "t", None, LINKS)
    assert row["url"].endswith("/matters/m-2") and row["category_zh"] is None


def test_a_hazard_row_names_the_enterprise_or_its_industry() -> None:
    base = {"key": "h-1", "township": "t", "dimension": "major", "at": None,
            "attrs": {"enterprise": "e-1", "industry": "fireworks", "due_at": "x"}}
    named = board.hazard_row({**base, "enterprise_name": "闽清某烟花厂"}, "t", LINKS)
    assert (named["enterprise_name"], named["level_zh"], named["url"]) == (
        "闽清某烟花厂", "重大隐患", "http://safety.example/hazards/h-1")
    unnamed = board.hazard_row({**base, "enterprise_name": None}, "t", LINKS)
    assert (unnamed["enterprise_name"], unnamed["industry_zh"]) == (None, "烟花爆竹")


def _accident(grade: str, deaths: int, name: str | None = "某矿") -> dict[str, object]:
    return board.accident_row({"key": f"a-{grade}", "township": "t", "dimension": grade, "at": None,
                               "enterprise_name": name,
                               "attrs": {"deaths": str(deaths), "serious_injuries": "1", "industry": "open_pit_quarry",
                                         "accident_occurred_at": "2025-06-02T08:00:00+08:00"}}, "金山镇")


def test_the_alert_lists_larger_and_above_most_severe_first_and_none_without() -> None:
    assert board.accident_alert([_accident("ordinary", 1)]) is None
    alert = board.accident_alert([_accident("larger", 3), _accident("especially_major", 30, None),
                                  _accident("ordinary", 0)])
    assert alert is not None
    assert (alert["level"], alert["count"], alert["deaths"]) == ("especially_major", 2, 33)
    assert alert["text_zh"].startswith("事故警报：本月及近7日共发生较大及以上事故2起（最严重为特别重大事故）")
    assert "金山镇一家露天矿山企业发生特别重大事故，死亡30人" in alert["text_zh"]
    assert "金山镇某矿发生较大事故，死亡3人" in alert["text_zh"]


def test_the_alert_reaches_back_seven_days_over_a_month_start() -> None:
    assert board.alert_since(date(2025, 6, 3)) == date(2025, 5, 28)
    assert board.alert_since(date(2025, 6, 20)) == date(2025, 6, 1)


def test_the_accidents_panel_lists_every_grade_with_deaths_and_injuries() -> None:
    panel = board.accidents_panel({"ordinary": 2, "especially_major": 1}, {"especially_major": 30},
                                  {"ordinary": 1})
    assert [(g["grade_zh"], g["count"], g["deaths"], g["serious_injuries"]) for g in panel["grades"]] == [
        ("一般事故", 2, 0, 1), ("较大事故", 0, 0, 0), ("重大事故", 0, 0, 0), ("特别重大事故", 1, 30, 0)]
    assert (panel["count"], panel["deaths"], panel["serious_injuries"]) == (3, 30, 1)


def test_the_category_breakdown_keeps_the_ledgers_six_headings_in_order() -> None:
    rows = board.category_breakdown({"dispute": 4, "livelihood": 7, "unknown_code": 1})
    assert [r["zh"] for r in rows[:6]] == ["经济发展", "民生改善", "社会矛盾", "生产经营", "扶贫帮困", "基层组织"]
    assert [r["count"] for r in rows] == [0, 7, 4, 0, 0, 0, 1] and rows[6]["category"] == "unknown_code"


def test_comparison_needs_enough_days_of_the_previous_period_and_the_month_is_provisional_until_it_ends() -> None:
    june = Period.month(2025, 6)
    assert not board.previous_complete(1, june, 20) and board.previous_complete(20, june, 20)
    assert not board.previous_complete(59, Period.quarter(2025, 3), 20)  # a quarter: 3 × 20 days
    assert board.provisional(june, date(2025, 6, 30)) and not board.provisional(june, date(2025, 7, 1))
