"""County admin and leaders' screens through the real proxy and services, in Debian's Chromium:
the county admin adds a village under 参考数据 and the 信访登记 form lists it at once (and the petition
service accepts a registration naming it within its refresh interval); a county leader
opens 全县驾驶舱 from the workbench menu and it reads its figures and live stream with the session
cookie (no token in any URL, none typed) through nginx; the township's 本月未走访 list shows a
household without a visit this month and drops it once a visit is recorded. axe-core checks each screen.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Request, expect

from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, sign_in  # noqa: F401
from tests.e2e.test_workbench_liaison import plan, session
from tests.integration.petition.conftest import resident_id

pytestmark = pytest.mark.timeout(180)  # the platform's start-up; each test's browser part stays under 60 s


def allowed(watched: Watched, *extra: str) -> list[str]:
    expected = ("status of 401 (Unauthorized)", *extra)
    return [e for e in watched.errors() if not any(x in e for x in expected)]


async def test_the_admin_adds_a_village_and_the_registration_form_lists_it(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    admin = plan(platform)["demo.admin"]
    name = f"试点{uuid.uuid4().hex[:3]}村"
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, admin)
    await page.get_by_role("navigation", name="主菜单").get_by_text("参考数据").click()
    form = page.get_by_role("form", name="新增村社区")
    await expect(page.get_by_role("tabpanel", name="村/社区").locator(".el-table__row").first).to_be_visible()
    await assert_accessible(page, "reference data")
    await choose(page, "所属乡镇", "忠庄镇")
    # A code outside the township: the API's 422 is shown beside the field.
    await form.get_by_label("村代码").fill("990102102951")
    await form.get_by_label("村名称").fill(name)
    await form.get_by_role("button", name="新增村/社区").click()
    await expect(form.locator(".el-form-item__error")).to_contain_text("乡镇代码前 9 位")
    code = f"990102101{random.randint(900, 999)}"
    await form.get_by_label("村代码").fill(code)
    await form.get_by_role("button", name="新增村/社区").click()
    await page.get_by_label("名称或代码").fill(code)
    await page.get_by_role("form", name="筛选村社区").get_by_role("button", name="查询").click()
    await expect(page.get_by_role("tabpanel", name="村/社区").locator(".el-table__row")).to_have_count(1)
    await expect(page.get_by_role("tabpanel", name="村/社区")).to_contain_text(name)

    # The window's registration form offers it under its township (a fresh page load).
    await page.goto(f"{base}/workbench/#/petition/register")
    await page.reload()
    await choose(page, "所在乡镇", "忠庄镇")
    box = page.get_by_role("combobox", name="所在村", exact=True)
    await page.locator(".el-select__wrapper", has=box).click()
    await expect(page.get_by_role("option", name=name)).to_be_visible()
    assert allowed(watched, "status of 422") == []

    # …and the petition service accepts a registration naming it within its refresh interval (1 s here).
    http, _ = await session(base, admin)
    try:
        body = {"channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
                "township_code": "990102101000", "village_code": code, "content": "新设村的工资拖欠诉求",
                "petitioners": [{"name": "王新测", "phone": "13812340001", "id_number": resident_id(7),
                                 "is_representative": False}], "headcount": 1}
        deadline = time.monotonic() + 15
        while (r := await http.post("/petition/matters", json=body)).status_code == 422 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert r.status_code == 201, r.text
    finally:
        await http.aclose()


async def test_a_leader_opens_the_dashboard_from_the_workbench_with_the_session_cookie(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    leader = plan(platform)["demo.supervisor"]
    seen: list[tuple[str, dict[str, str]]] = []

    async def note(request: Request) -> None:
        if "/reporting/api/" in request.url:
            seen.append((request.url, await request.all_headers()))
    page.on("request", note)
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, leader)
    await page.get_by_role("navigation", name="主菜单").get_by_text("全县驾驶舱").click()
    await expect(page).to_have_url(re.compile(r"/reporting/dashboard/$"))
    await watched.wait_for("document.getElementById('live').getAttribute('data-status') === 'live'")
    assert await watched.js("document.getElementById('token-form').hidden") is True
    await assert_accessible(page, "dashboard from the workbench")
    urls = [u for u, _ in seen]
    assert any("/reporting/api/dashboard" in u for u in urls) and any("/reporting/api/stream" in u for u in urls)
    for url, headers in seen:  # the session cookie, never a token in the URL or a typed bearer token
        assert "token" not in url and "authorization" not in headers, (url, headers)
        assert "mq_access=" in headers.get("cookie", ""), url
    assert "token" not in page.url
    assert allowed(watched) == []


async def test_the_not_visited_list_drops_a_household_once_it_is_visited(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    accounts = plan(platform)
    cadre_account, township_admin = accounts["demo.operator"], accounts["demo.township.admin"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    head = f"钱{uuid.uuid4().hex[:2]}福"
    cadre_http, cadre = await session(base, cadre_account)
    admin_http, admin = await session(base, township_admin)
    try:
        reference = (await admin_http.get("/identity/reference")).json()
        village = next(t for t in reference["townships"] if t["code"] == admin["township"])["villages"][0]
        r = await cadre_http.put("/liaison/cadres/me", json={"township_code": cadre["township"], "name": "李联户",
                                                            "work_phone": "0972-8000002"})
        assert r.status_code == 200, r.text
        r = await admin_http.post("/liaison/households", json={
            "village_code": village["code"], "income_band": "below_4k",
            "members": [{"name": head, "relation": "户主", "employment": "farming",
                         "id_number": resident_id(uuid.uuid4().int % 1000)}]})
        assert r.status_code == 201, r.text
        household = r.json()["id"]
        r = await admin_http.post(f"/liaison/households/{household}/pairing", json={"cadre_id": cadre["id"]})
        assert r.status_code in (200, 201), r.text
        r = await admin_http.post(f"/liaison/households/{household}/plan", json={"title": "申请危房改造补助",
                                                                                "due_on": today.isoformat()})
        assert r.status_code == 201, r.text

        await page.set_viewport_size(WIDE)
        await sign_in(page, base, township_admin)
        await page.get_by_role("navigation", name="主菜单").get_by_text("本月未走访").click()
        table = page.get_by_role("main")
        row = table.locator(".el-table__row", has_text=head)
        await expect(row).to_contain_text("李联户")
        await expect(row).to_contain_text("从未走访")
        await assert_accessible(page, "not visited this month")
        # The household's card and help plan.
        await row.get_by_role("link", name=head).click()
        await expect(page.get_by_role("region", name="干群联系卡")).to_contain_text("李联户")
        await expect(page.get_by_role("region", name="帮扶计划")).to_contain_text("申请危房改造补助")
        await assert_accessible(page, "household card and plan")

        r = await cadre_http.post(f"/liaison/households/{household}/visits", json={
            "visited_on": today.isoformat(), "seen": "房屋墙体开裂", "said": "户主希望尽快改造"})
        assert r.status_code == 201, r.text
    finally:
        await cadre_http.aclose()
        await admin_http.aclose()
    await page.goto(f"{base}/workbench/#/liaison/unvisited")
    await expect(page.get_by_role("status")).to_have_text(re.compile(r"本月尚有 \d+ 户未走访"))
    await expect(table.locator(".el-table__row", has_text=head)).to_have_count(0)
    assert allowed(watched) == []

