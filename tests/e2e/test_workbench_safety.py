"""安监 screens of the workbench through the real proxy, identity and safety service: a township
operator registers an enterprise (the credit code is checked as typed, a wrong check character is
named beside the field before anything is sent), records an inspection whose failed checklist item
raises a hazard with a rectification deadline (a deadline before the inspection is refused beside its
field), reports it rectified, and the 复查 closes it (销号).
axe-core checks every screen on the way.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, demo_accounts, sign_in  # noqa: F401

pytestmark = pytest.mark.timeout(180)

VALID_CODE = "91150222MA0Q123451"  # check character from services.safety.domain.credit_code


async def confirm(watched: Watched) -> None:
    await watched.page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()


async def test_an_inspector_records_a_hazard_and_closes_it_after_rectification_and_reinspection(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    operator = demo_accounts(platform)["township_operator"]
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, operator)
    await page.get_by_role("navigation", name="主菜单").get_by_text("安全生产").click()
    await expect(page.get_by_role("heading", name="安全生产")).to_be_visible()
    await assert_accessible(page, "safety: empty ledgers")

    # Registering: the credit code is checked as typed (a wrong check character never reaches the service).
    form = page.get_by_role("form", name="登记企业")
    await form.get_by_label("企业名称").fill("民和县宏达铸造有限公司")
    code_box = form.get_by_label("统一社会信用代码")
    await code_box.fill("91150222MA0Q123452")
    code_error = form.locator(".el-form-item", has=page.get_by_label("统一社会信用代码")).locator(".el-form-item__error")
    await expect(code_error).to_contain_text("校验位")
    await code_box.fill("91150222MA0Q12345")
    await expect(code_error).to_contain_text("应为 18 位")
    await code_box.fill(VALID_CODE)
    await expect(code_error).to_have_count(0)
    await choose(page, "行业", "铸造")
    await form.get_by_role("button", name="登记企业").click()
    await confirm(watched)
    row = page.locator(".el-table__row", has_text=VALID_CODE)
    await expect(row).to_contain_text("正常生产")

    # An inspection: one checklist item fails; its finding raises a hazard due in 7 days.
    await row.get_by_role("button", name="记录检查：民和县宏达铸造有限公司").click()
    dialog = page.get_by_role("dialog", name="记录检查")
    first_item = dialog.get_by_role("radiogroup").first
    item_label = await first_item.get_attribute("aria-label")
    await first_item.get_by_text("不合格").click()
    await dialog.get_by_label(f"{item_label}问题描述").fill("熔炼炉周边积水，未设防爆隔离")
    await dialog.get_by_label(f"{item_label}整改要求").fill("清除积水并设置隔离设施")
    # A deadline before the inspection: the service's 422 is shown beside the deadline field.
    deadline = dialog.get_by_label(f"{item_label}整改期限")
    await deadline.fill((date.today() - timedelta(days=1)).isoformat())
    await dialog.get_by_role("button", name="提交检查记录").click()
    await confirm(watched)
    deadline_error = dialog.locator(".el-form-item", has=page.get_by_label(f"{item_label}整改期限")).locator(".el-form-item__error")
    await expect(deadline_error).to_contain_text("整改期限须晚于检查时间")
    due = date.today() + timedelta(days=7)
    await deadline.fill(due.isoformat())
    await assert_accessible(page, "inspection form")
    await dialog.get_by_role("button", name="提交检查记录").click()
    await confirm(watched)
    await expect(dialog).to_be_hidden()
    hazard = page.locator(".el-table__row", has_text="熔炼炉周边积水")
    await expect(hazard).to_contain_text("待整改")
    await expect(hazard).to_contain_text(f"{due.year}/{due.month}/{due.day}")

    # The enterprise reports it rectified; the 复查 passes and the hazard is closed.
    await hazard.get_by_role("button", name="报告整改").click()
    prompt = page.get_by_role("dialog", name="报告整改完成")
    await prompt.get_by_role("textbox").fill("已清除积水，增设隔离栏，照片存档")
    await prompt.get_by_role("button", name="提交").click()
    await expect(hazard).to_contain_text("已报整改")
    await hazard.get_by_role("button", name="复查合格").click()
    await confirm(watched)
    await expect(hazard.locator(".hazard-status")).to_have_text("已销号")
    await expect(hazard.get_by_role("button")).to_have_count(0)
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await assert_accessible(page, "hazard closed")

    # The service agrees: closed after a passed re-inspection.
    listed = await page.evaluate("fetch('/safety/hazards?status=closed').then(r => r.json())")
    assert [h["status"] for h in listed["items"]] == ["closed"], listed
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me", "status of 422")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
    assert re.search(r"/workbench/", page.url)
