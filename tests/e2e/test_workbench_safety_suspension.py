"""安监 workbench, township-wide 停产整顿 and 回头看 through the real proxy, identity and safety service, as
a township operator: the order asks for confirmation (cancelled, nothing stops), then stops every
operating quarry of the township; an enterprise cannot resume before a re-inspection made after the stop
passes, and resumes after one; a hazard reported rectified is closed in a 回头看 batch. axe-core checks
every screen on the way.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import Page, expect

from services.safety.domain.credit_code import check_character
from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, demo_accounts, sign_in  # noqa: F401

pytestmark = pytest.mark.timeout(180)  # the platform fixture included; the journey itself is asserted < 60 s

QUARRY_ITEMS = ("blasting_method_and_benches", "slopes", "special_operations_staff", "staff_roster", "meeting_records")
PERMIT = {"number": "(闽)FM安许证字[2026]0100", "valid_from": "2026-01-01", "valid_until": "2029-12-31"}
# The page's own session (cookie + CSRF header), as the workbench's client sends it: set-up data the
# journey is not about goes through the same public API.
POST = """async ([path, body]) => {
  const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )mq_csrf=([^;]*)/)[1])
  const r = await fetch(path, { method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } })
  if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + await r.text())
  return r.json()
}"""


def code(n: int) -> str:
    first = f"91990102MA0Q0010{n}"
    return first + check_character(first)


async def post(page: Page, path: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = await page.evaluate(POST, [path, body])
    return out


async def confirm(page: Page) -> None:
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()


async def test_a_township_order_stops_the_quarries_one_resumes_after_reinspection_and_a_follow_up_closes_a_hazard(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    started = time.monotonic()
    base, page = platform.base, watched.page
    operator = demo_accounts(platform)["township_operator"]
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, operator)
    township = operator["township"]
    await post(page, "/safety/enterprises", {"name": "甲采石场", "credit_code": code(1), "township_code": township,
                                                 "industry": "open_pit_quarry", "size": "small", "permit": PERMIT})
    b = await post(page, "/safety/enterprises", {"name": "乙采石场", "credit_code": code(2), "township_code": township,
                                                 "industry": "open_pit_quarry", "size": "small", "permit": PERMIT})
    now = await page.evaluate("new Date(Date.now() - 1000).toISOString()")
    deadline = await page.evaluate("new Date(Date.now() + 3 * 86400000).toISOString()")
    found = await post(page, f"/safety/enterprises/{b['id']}/inspections", {
        "kind": "routine", "inspectors": [operator["username"]], "inspected_at": now,
        "results": {i: i != "slopes" for i in QUARRY_ITEMS},
        "findings": [{"item": "slopes", "description": "边坡过陡无监测",
                      "hazard": {"level": "general", "requirement": "削坡并设监测点", "deadline": deadline}}]})
    await post(page, f"/safety/hazards/{found['hazard_ids'][0]}/rectification", {"evidence": ["已削坡，监测点照片存档"]})

    # The order: cancelled at the confirmation, nothing stops; confirmed, both quarries stop.
    nav = page.get_by_role("navigation", name="主菜单")
    await nav.get_by_text("停产整顿与复产").click()
    stopped = page.get_by_label("停产整顿中的企业", exact=True).locator(".el-table__row")
    await expect(page.get_by_text("暂无停产整顿企业")).to_be_visible()
    await assert_accessible(page, "safety: suspensions, none")
    await choose(page, "行业", "露天矿山")
    await page.get_by_role("button", name="下达停产整顿令").click()
    dialog = page.get_by_role("dialog", name="确认操作")
    await expect(dialog).to_contain_text("不可撤销")
    await dialog.get_by_role("button", name="取消").click()
    await expect(stopped).to_have_count(0)
    await page.get_by_role("button", name="下达停产整顿令").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_have_text("已停产整顿 2 家企业。")
    await expect(stopped).to_have_count(2)
    await expect(stopped.filter(has_text="甲采石场")).to_contain_text("收缴")

    # No re-inspection since the stop: refused before anything is sent. After a passed one, it resumes.
    await page.get_by_role("button", name="复产：甲采石场").click()
    await expect(page.get_by_role("alert")).to_contain_text("尚无停产后复查合格的记录")
    await page.get_by_role("button", name="停产后复查：甲采石场").click()
    check = page.get_by_role("dialog", name="停产后复查")
    await expect(check.get_by_role("radiogroup")).to_have_count(len(QUARRY_ITEMS))
    await assert_accessible(page, "safety: re-inspection form")
    await check.get_by_role("button", name="提交复查记录").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_contain_text("“甲采石场”复查合格，可以复产。")
    await page.get_by_role("button", name="复产：甲采石场").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_contain_text("“甲采石场”已复产。")
    await expect(stopped).to_have_count(1)
    await expect(stopped).to_contain_text("乙采石场")
    await assert_accessible(page, "safety: one resumed")

    # 回头看: the rectified hazard is due; passed in the batch, it is closed.
    await nav.get_by_text("回头看").click()
    await page.get_by_role("button", name="查询待复查隐患").click()
    due = page.get_by_label("待复查隐患", exact=True).locator(".el-table__row")
    await expect(due).to_have_count(1)
    await expect(due).to_contain_text("乙采石场")
    await expect(due).to_contain_text("已报整改")
    await assert_accessible(page, "safety: follow-up due")
    await page.get_by_role("button", name="记录回头看结果").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_contain_text("1 项销号，0 项复查未通过")
    await expect(page.get_by_text("该范围内没有待复查的隐患")).to_be_visible()

    # The service agrees.
    ents = await page.evaluate("fetch('/safety/enterprises?sort=name').then(r => r.json())")
    assert {e["name"]: e["operating_status"] for e in ents["items"]} == {"甲采石场": "operating", "乙采石场": "suspended"}
    hz = await page.evaluate(f"fetch('/safety/hazards/{found['hazard_ids'][0]}').then(r => r.json())")
    assert hz["status"] == "closed", hz
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me",)
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
    assert time.monotonic() - started < 60, "the browser journey must stay under a minute"
