"""The citizens' phone pages (/m/, no account) at 375 px through the real proxy and services.

One journey per test: a person looks up their matter with the receipt code and rates the reply; a
villager orders a volunteer service for their village and follows it while the station acts; a
person signs up as a volunteer. Each page is checked with axe-core and for horizontal overflow.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import PHONE, ROOT, Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import demo_accounts, sign_in
from tests.integration.conftest import bearer
from tests.integration.petition.conftest import resident_id

pytestmark = pytest.mark.timeout(150)

COUNTY = "990102000000"
ZHONGZHUANG = "990102101000"  # 忠庄镇
QINLE = "990102101201"  # 勤乐村
ADMIN = bearer("county_admin", COUNTY, sub="e2e-admin")
RSJ = bearer("department_handler", COUNTY, sub="e2e-rsj", department="rsj")
PHONE_NUMBER = "13812340001"


@pytest.fixture(autouse=True)
def _web_built() -> None:
    assert (ROOT / "web" / "dist" / "m" / "index.html").exists(), "web/dist is missing: run scripts/bootstrap.sh"


async def _api(base: str, method: str, path: str, headers: dict[str, str], body: Any = None,
               expect_status: int = 200) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        r = await client.request(method, path, json=body, headers=headers)
    assert r.status_code == expect_status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


async def _phone(page: Page) -> None:
    await page.set_viewport_size(PHONE)


async def _fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


async def test_a_person_looks_up_their_matter_and_rates_the_reply(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    receipt = await _api(base, "POST", "/petition/matters", ADMIN, {
        "channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
        "township_code": ZHONGZHUANG, "village_code": QINLE, "content": "工地拖欠三个月工资，要求支付",
        "petitioners": [{"name": "王测", "phone": PHONE_NUMBER, "id_number": resident_id(101),
                         "is_representative": False}], "headcount": 1}, expect_status=201)
    mid, code = receipt["matter_id"], receipt["lookup_code"]
    await _api(base, "POST", f"/petition/matters/{mid}/assign", ADMIN,
               {"department": "rsj", "mode": "assign", "signed_by": "e2e-leader"})
    await _api(base, "POST", f"/petition/matters/{mid}/accept", RSJ)
    await _api(base, "POST", f"/petition/matters/{mid}/reply", RSJ, {"text": "已督促用工单位支付拖欠工资"})

    page = watched.page
    await _phone(page)
    await page.goto(f"{base}/m/")
    await page.get_by_text("查询信访事项进度").click()
    await page.get_by_label("查询码").fill(code.lower())
    await page.get_by_role("button", name="查询进度").click()
    progress = page.get_by_role("region", name="事项进度")
    await expect(progress).to_contain_text("已答复")
    await expect(progress).to_contain_text("社会矛盾 · 拖欠工资")  # the category's labels, not its codes
    await assert_accessible(page, "matter lookup")
    await _fits(page)

    # A dropped connection (the rating never reaches the service) is said in Chinese, not the browser's
    # "TypeError: Failed to fetch"; the person can simply try again.
    await page.route("**/petition/public/**", lambda route: route.abort("connectionfailed"))
    await page.get_by_label("手机后四位").fill(PHONE_NUMBER[-4:])
    await page.get_by_role("radio", name="基本满意").click()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("alert")).to_contain_text("网络连接失败")
    await page.unroute("**/petition/public/**")

    # A wrong phone tail is refused with the service's message; the right one records the rating.
    await page.get_by_label("手机后四位").fill("0000")
    await page.get_by_role("radio", name="基本满意").click()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await page.get_by_label("手机后四位").fill(PHONE_NUMBER[-4:])
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("status")).to_have_text("感谢您的评价")
    staff = await _api(base, "GET", f"/petition/matters/{mid}", ADMIN)
    assert staff["satisfaction"] == "basically_satisfied"
    await assert_accessible(page, "matter rated")
    assert [e for e in watched.errors() if "status of 404" not in e and "ERR_CONNECTION_FAILED" not in e] == []
    assert all(u.startswith(base) for u in watched.requested_urls() if u.startswith("http"))


async def test_a_villager_orders_a_service_and_follows_it(platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    page = watched.page
    await _phone(page)
    await page.goto(f"{base}/m/#/order")
    await page.get_by_label("所在村", exact=True).click()
    await page.get_by_role("dialog", name="选择所在村").get_by_text("忠庄镇", exact=True).click()
    await page.get_by_role("dialog", name="选择所在村").get_by_text("勤乐村", exact=True).click()
    await expect(page.get_by_label("所在村", exact=True)).to_have_value("忠庄镇 / 勤乐村")
    await page.get_by_label("服务类别", exact=True).click()
    picker = page.get_by_role("dialog", name="选择服务类别")
    await picker.get_by_text("助老助残", exact=True).click()
    await picker.get_by_role("button", name="确认").click()
    await expect(page.get_by_label("服务类别", exact=True)).to_have_value("助老助残")
    await page.get_by_role("radio", name="较急").click()
    await page.get_by_label("需求描述").fill("帮独居老人修理屋顶漏水")
    await page.get_by_label("姓名").fill("赵大爷")
    await page.get_by_label("手机号").fill("1371234")
    await assert_accessible(page, "order form")
    await _fits(page)
    await page.get_by_role("button", name="提交点单").click()
    await expect(page.get_by_text("请输入11位手机号")).to_be_visible()  # checked before anything is sent
    await page.get_by_label("手机号").fill("13712345678")
    await page.get_by_role("button", name="提交点单").click()

    await page.wait_for_url(re.compile(r"/m/#/order/[0-9a-f-]{36}$"))
    request_id = page.url.rsplit("/", 1)[1]
    steps = page.get_by_role("region", name="办理进度")
    await expect(steps).to_contain_text("已点单")
    await expect(page.get_by_text("勤乐村")).to_be_visible()
    await assert_accessible(page, "order progress")
    await _fits(page)

    # The station sees the order (with the villager's contact) and approves it on its 点单派单 board in the
    # workbench; the villager's page follows.
    staff = await _api(base, "GET", f"/volunteer/requests/{request_id}", ADMIN)
    assert staff["requester_phone"] == "13712345678" and staff["urgency"] == "high"
    station = await page.context.new_page()
    await station.set_viewport_size({"width": 1440, "height": 900})
    await sign_in(station, base, demo_accounts(platform)["county_admin"])
    await station.get_by_role("navigation", name="主菜单").get_by_text("点单派单").click()
    row = station.get_by_role("row").filter(has_text="帮独居老人修理屋顶漏水")
    await row.get_by_role("button", name="审单通过").click()
    await station.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(row).to_contain_text("已审单")
    await expect(station.get_by_role("dialog", name="确认操作")).to_be_hidden()
    await assert_accessible(station, "volunteer board")
    await station.close()
    await page.reload()
    await expect(steps).to_contain_text("审单通过")
    assert [e for e in watched.errors() if "/identity/auth/me" not in e] == []  # 401 before signing in


async def test_a_person_signs_up_as_a_volunteer(platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    page = watched.page
    await _phone(page)
    await page.goto(f"{base}/m/")
    await page.get_by_text("志愿者报名").first.click()
    await page.get_by_label("姓名").fill("陈思远")
    await page.get_by_label("手机号").fill("13800001111")
    await page.get_by_label("身份证号").fill("990102199203041234")
    await page.get_by_label("所在乡镇", exact=True).click()
    await page.get_by_role("dialog", name="选择乡镇").get_by_text("忠庄镇", exact=True).click()
    await page.get_by_role("checkbox", name="医疗健康").click()
    await assert_accessible(page, "volunteer sign-up")
    await _fits(page)
    await page.get_by_role("button", name="提交报名").click()
    await expect(page.get_by_role("status")).to_contain_text("报名成功")

    listed = await _api(base, "GET", "/volunteer/volunteers", ADMIN)
    [mine] = [v for v in listed["items"] if v["name"] == "陈思远"]
    assert mine["township_code"] == ZHONGZHUANG and mine["skills"] == ["medical"]
    assert watched.errors() == []
