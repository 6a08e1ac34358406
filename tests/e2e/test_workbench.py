"""The staff workbench (/workbench/) through the real proxy, identity and services, signed in with the
demo accounts: a group visit registered at the county 信访 window is forwarded with the leader's
sign-off, accepted and replied to by the department in its inbox, and rated by the person on the phone
page with the code from the printed receipt. axe-core checks every screen on the way.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import PHONE, ROOT, Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.integration.petition.conftest import resident_id

BEIJING = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.timeout(180)

WIDE = {"width": 1440, "height": 900}


def demo_accounts(platform: Platform) -> dict[str, dict[str, Any]]:  # noqa: F811
    plan = json.loads((Path(platform.nginx_log).parent / "demo-accounts.json").read_text(encoding="utf-8"))
    return {a["role"]: a for a in plan}


async def sign_in(page: Page, base: str, account: dict[str, Any]) -> None:
    await page.goto(f"{base}/workbench/")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await page.get_by_label("用户名").fill(account["username"])
    await page.get_by_label("密码").fill(account["password"])
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_text(account["display_name"])).to_be_visible()


async def choose(page: Page, label: str, option: str) -> None:
    """An Element Plus select: open it by its label, pick the option by its name."""
    box = page.get_by_role("combobox", name=label, exact=True)
    await page.locator(".el-select__wrapper", has=box).click()
    listbox = page.locator(f"#{await box.get_attribute('aria-controls')}")
    await listbox.get_by_role("option", name=option, exact=True).click()
    await expect(listbox).to_be_hidden()


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="退出").click()
    await expect(page).to_have_url(re.compile(r"#/login"))


@pytest.fixture(autouse=True)
def _web_built() -> None:
    assert (ROOT / "web" / "dist" / "workbench" / "index.html").exists(), "web/dist is missing: run scripts/bootstrap.sh"


async def test_a_group_visit_goes_from_the_window_to_the_department_and_back_to_the_person(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    accounts = demo_accounts(platform)
    window, handler = accounts["county_admin"], accounts["department_handler"]
    page = watched.page
    await page.set_viewport_size(WIDE)

    # The window signs in (the login page is checked too) and registers a group visit of 12 people.
    await page.goto(f"{base}/workbench/")
    await expect(page.get_by_role("button", name="登录")).to_be_visible()
    await assert_accessible(page, "sign-in")
    await sign_in(page, base, window)
    nav = page.get_by_role("navigation", name="主菜单")
    await expect(nav.get_by_text("账号管理")).to_be_visible()  # a county admin's menu
    await expect(nav.get_by_text("部门待办")).to_have_count(0)
    await nav.get_by_text("信访登记").click()
    await page.get_by_role("radio", name="集体访").click(force=True)
    await choose(page, "来源渠道", "走访")
    await choose(page, "事项性质", "申诉求决类")
    await choose(page, "民情类别", "社会矛盾")
    await choose(page, "子类", "拖欠工资")
    await choose(page, "所在乡镇", "城关街道")
    await choose(page, "所在村", "东关社区")
    await page.get_by_label("诉求内容").fill("十二名务工人员反映工地拖欠三个月工资，要求支付")
    await page.get_by_label("人数").fill("12")
    await page.get_by_label("信访人1姓名").fill("王代表")
    await page.get_by_label("信访人1手机号").fill("1381234")  # too short: the service names the field
    await page.get_by_label("信访人1身份证号").fill(resident_id(101))
    await page.get_by_label("信访人2姓名").fill("李代表")
    await page.get_by_label("信访人2手机号").fill("13812340002")
    await assert_accessible(page, "register form")
    await page.get_by_role("button", name="登记并出具受理凭证").click()
    field_error = page.locator(".el-form-item", has=page.get_by_label("信访人1手机号")).locator(".el-form-item__error")
    await expect(field_error).to_contain_text("手机")
    await page.get_by_label("信访人1手机号").fill("13812340001")
    await page.get_by_role("button", name="登记并出具受理凭证").click()

    # The printable receipt carries the lookup code, shown only there.
    receipt = page.get_by_role("article", name="受理凭证")
    await expect(receipt).to_be_visible()
    code = (await page.get_by_test_id("lookup-code").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code), code
    await assert_accessible(page, "receipt")
    matter_id = page.url.rsplit("/", 1)[1]

    # The worklist shows it with its routing clock; the window forwards it (交办) after the leader signs.
    await page.get_by_role("link", name="返回事项列表").click()
    await expect(page.get_by_text("集体").first).to_be_visible()
    await expect(page.locator(".el-tag", has_text=re.compile(r"剩 \d+ 天")).first).to_be_visible()
    await assert_accessible(page, "worklist")
    await page.goto(f"{base}/workbench/#/petition/matters/{matter_id}")
    # Registered at a Beijing time, shown as such on a device whose clock is set to UTC (conftest).
    r = await page.request.get(f"{base}/petition/matters/{matter_id}")
    at = datetime.fromisoformat((await r.json())["registered_at"]).astimezone(BEIJING)
    await expect(page.get_by_text(f"{at.year}/{at.month}/{at.day} {at:%H:%M:%S}").first).to_be_visible()
    await page.get_by_role("button", name="转送/交办").click()
    dialog = page.get_by_role("dialog", name="转送/交办")
    await choose(page, "承办部门", "县信访局")
    await dialog.get_by_label("签阅领导").fill("张副县长")
    await dialog.get_by_role("button", name="确认转送/交办").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已转送/交办")
    await expect(page.get_by_role("list", name="办理经过").or_(page.get_by_text("转送/交办 ·")).first).to_be_visible()
    await sign_out(page)

    # The department's handler finds it in the inbox, accepts it and replies.
    await sign_in(page, base, handler)
    await page.get_by_role("navigation", name="主菜单").get_by_text("部门待办").click()
    await expect(page.get_by_role("row").filter(has_text="拖欠工资").first).to_be_visible()
    await assert_accessible(page, "department inbox")
    await page.get_by_role("link", name="办理").first.click()
    await page.get_by_role("button", name="受理").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已受理")
    await page.get_by_role("button", name="答复").click()
    await page.get_by_role("dialog", name="出具答复意见").get_by_label("答复意见").fill("已督促用工单位于本月底前足额支付")
    await page.get_by_role("button", name="提交答复").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已答复")
    await expect(page.get_by_role("dialog")).to_have_count(0)  # closed, not fading out under axe's eyes
    await assert_accessible(page, "matter replied")

    # The representative rates the reply on the phone page with the receipt's code.
    await page.set_viewport_size(PHONE)
    await page.goto(f"{base}/m/#/matter")
    await page.get_by_label("查询码").fill(code)
    await page.get_by_role("button", name="查询进度").click()
    await expect(page.get_by_role("region", name="事项进度")).to_contain_text("已答复")
    await page.get_by_label("手机后四位").fill("0001")
    await page.get_by_role("radiogroup", name="满意度").get_by_role("radio").first.click()  # 满意 (its name starts with an icon glyph)
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("status")).to_have_text("感谢您的评价")
    # Expected in the browser's log only: /auth/me's 401 before each sign-in, the refused registration's 422.
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me", "status of 422")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
    assert all(u.startswith(base) for u in watched.requested_urls() if u.startswith("http"))
