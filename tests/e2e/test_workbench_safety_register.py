"""The rest of the 安监 workbench through the real proxy, identity and safety service, as a township
operator: the ledger's registration with a permit (a wrong credit code is named beside the field as it
is typed and never sent; the service's own refusals — a permit ending before it starts, a code already
registered — are shown beside their fields), a penalty outside its article's statutory range refused by
the service beside the amount and then decided within it, and an accident report answered with its
computed grade and the 1-hour reporting flag. axe-core checks every screen on the way.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from services.safety.domain.credit_code import check_character
from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, demo_accounts, sign_in  # noqa: F401

pytestmark = pytest.mark.timeout(180)  # the platform fixture included; the journey itself is asserted < 60 s

NAME = "民和县青石采石有限公司"
GOOD = "91990102MA0Q00001" + check_character("91990102MA0Q00001")
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # the same code with a wrong check character


async def confirm(page: Page) -> None:
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()


def field_error(page: Page, scope: object, label: str):  # type: ignore[no-untyped-def]
    return scope.locator(".el-form-item", has=page.get_by_label(label, exact=True)).locator(".el-form-item__error")  # type: ignore[attr-defined]


def beijing_minutes(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) + delta).strftime("%Y-%m-%dT%H:%M")


async def test_register_with_permit_penalty_within_range_and_a_graded_late_accident(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    started = time.monotonic()
    base, page = platform.base, watched.page
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, demo_accounts(platform)["township_operator"])
    nav = page.get_by_role("navigation", name="主菜单")
    await nav.get_by_text("安全生产").click()
    await expect(page.get_by_role("heading", name="安全生产")).to_be_visible()

    # 登记: the wrong check character is named as typed; submitting then sends nothing (no confirmation).
    form = page.get_by_role("form", name="登记企业")
    await form.get_by_label("企业名称").fill(NAME)
    await form.get_by_label("统一社会信用代码").fill(BAD)
    code_error = field_error(page, form, "统一社会信用代码")
    await expect(code_error).to_contain_text("校验位不正确")
    await form.get_by_role("button", name="登记企业").click()
    await expect(page.get_by_role("dialog", name="确认操作")).to_have_count(0)
    await form.get_by_label("统一社会信用代码").fill(GOOD)
    await expect(code_error).to_have_count(0)
    await choose(page, "行业", "露天矿山")
    # A permit ending before it starts: the service's 422 beside 有效期至.
    await form.get_by_label("安全生产许可证编号").fill("(闽)FM安许证字[2026]0042")
    await form.get_by_label("许可证有效期自").fill("2026-01-01")
    await form.get_by_label("许可证有效期至").fill("2025-12-31")
    await form.get_by_role("button", name="登记企业").click()
    await confirm(page)
    await expect(field_error(page, form, "许可证有效期至")).to_contain_text("许可证有效期止须不早于起")
    await form.get_by_label("许可证有效期至").fill("2029-12-31")
    await form.get_by_role("button", name="登记企业").click()
    await confirm(page)
    row = page.get_by_label("企业台账", exact=True).locator(".el-table__row", has_text=GOOD)
    await expect(row).to_contain_text("正常生产")
    await expect(row).to_contain_text("(闽)FM安许证字[2026]0042")
    await expect(row).to_contain_text("2029/12/31")
    # The same code again: the service's refusal beside the code field.
    await form.get_by_label("企业名称").fill("重复登记的企业")
    await form.get_by_label("统一社会信用代码").fill(GOOD)
    await form.get_by_role("button", name="登记企业").click()
    await confirm(page)
    await expect(code_error).to_contain_text("该统一社会信用代码已登记")
    # The ledger's filter is the service's: another industry lists nothing.
    await choose(page, "筛选行业", "铸造")
    await expect(row).to_have_count(0)
    await choose(page, "筛选行业", "露天矿山")
    await expect(row).to_have_count(1)
    await assert_accessible(page, "safety: ledger with a permit")

    # 处罚: the form shows the article's range; outside it the service refuses beside the amount.
    await nav.get_by_text("处罚与关闭建议").click()
    pen = page.get_by_role("form", name="处罚决定")
    await choose(page, "企业", NAME)
    await choose(page, "处罚依据", "安全生产法第101条第(五)项（单位，1–100000 元）")
    await expect(pen.locator("#pen-range")).to_contain_text("允许范围：1–100,000 元")
    amount = pen.get_by_label("罚款金额（元）")
    await amount.fill("150000")
    await pen.get_by_role("button", name="作出处罚决定").click()
    await confirm(page)
    amount_error = field_error(page, pen, "罚款金额（元）")
    await expect(amount_error).to_contain_text("罚款金额须在 1–100000 元之间")
    due = page.get_by_label("待公开的处罚决定", exact=True)
    await expect(due.locator(".el-table__row")).to_have_count(0)
    await amount.fill("50000")
    await pen.get_by_role("button", name="作出处罚决定").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_contain_text("已作出处罚决定")
    await expect(amount_error).to_have_count(0)
    await expect(due.locator(".el-table__row", has_text=NAME)).to_contain_text("50000")
    await assert_accessible(page, "safety: penalties")

    # 事故: reported three hours after it happened, 10 serious injuries → 较大事故, reported late.
    await nav.get_by_text("事故报告").click()
    acc = page.get_by_role("form", name="事故报告")
    await choose(page, "企业", NAME)
    await acc.get_by_label("发生时间").fill(beijing_minutes(timedelta(hours=-3)))
    await acc.get_by_label("报告时间").fill(beijing_minutes(timedelta(minutes=-1)))
    await acc.get_by_label("重伤人数").fill("10")
    await acc.get_by_label("直接经济损失（元）").fill("800000")
    await acc.get_by_role("button", name="提交事故报告").click()
    await confirm(page)
    outcome = page.get_by_role("status", name="事故定级结果")
    await expect(outcome).to_contain_text("事故等级：较大事故")
    await expect(outcome).to_contain_text("迟报（超过1小时）")
    listed = page.get_by_label("事故台账", exact=True).locator(".el-table__row", has_text=NAME)
    await expect(listed).to_contain_text("较大事故")
    await expect(listed).to_contain_text("迟报（超过1小时）")
    await assert_accessible(page, "safety: accident graded")

    # The service agrees, and nothing failed in the browser but the refusals the test provoked.
    accidents = await page.evaluate("fetch('/safety/accidents').then(r => r.json())")
    assert [(a["grade"], a["late_report"]) for a in accidents] == [("larger", True)], accidents
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me", "status of 422", "status of 409")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
    assert time.monotonic() - started < 60, "the browser journey must stay under a minute"
