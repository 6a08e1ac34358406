"""驻村联户 screens through the real proxy, identity, liaison and petition services: the township
stations a cadre and pairs a household with them (set up over the API, as the township's admin); the
cadre, on a 375 px phone (/m/#/cadre), signs in, records today's presence in the village and a household
visit with a problem raised for handling; the township operator's workbench page 驻村考勤 shows this
week's compliance with that one day counted and who is still short. axe-core checks every screen.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import expect

from minqing_kit.workdays import WorkdayCalendar
from tests.e2e.browser import PHONE, Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, sign_in  # noqa: F401
from tests.integration.petition.conftest import resident_id

pytestmark = pytest.mark.timeout(180)


def plan(platform: Platform) -> dict[str, dict[str, Any]]:  # noqa: F811
    accounts = json.loads((Path(platform.nginx_log).parent / "demo-accounts.json").read_text(encoding="utf-8"))
    return {a["username"]: a for a in accounts}


async def session(base: str, account: dict[str, Any]) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    client = httpx.AsyncClient(base_url=base, timeout=20)
    login = await client.post("/identity/auth/login", json={"username": account["username"], "password": account["password"]})
    assert login.status_code == 200, login.text
    client.headers["X-CSRF-Token"] = client.cookies.get("mq_csrf") or ""
    return client, login.json()["account"]


async def test_a_cadre_records_presence_and_a_visit_on_the_phone_and_the_township_sees_the_week(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    accounts = plan(platform)
    cadre_account, township_admin = accounts["demo.operator"], accounts["demo.township.admin"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    head = f"赵{uuid.uuid4().hex[:2]}柱"

    # The township stations the cadre in a village and pairs a household with them (API set-up).
    cadre_http, cadre = await session(base, cadre_account)
    admin_http, admin = await session(base, township_admin)
    try:
        reference = (await admin_http.get("/volunteer/public/reference")).json()
        township = next(t for t in reference["townships"] if t["code"] == admin["township"])
        village = township["villages"][0]
        r = await cadre_http.put("/liaison/cadres/me", json={"township_code": cadre["township"], "name": "王驻村",
                                                            "work_phone": "0972-8000001"})
        assert r.status_code == 200, r.text
        r = await admin_http.post("/liaison/stationings", json={"cadre_id": cadre["id"], "village_code": village["code"],
                                                               "starts_on": today.replace(day=1).isoformat()})
        assert r.status_code == 201, r.text
        r = await admin_http.post("/liaison/households", json={
            "village_code": village["code"], "income_band": "below_4k",
            "members": [{"name": head, "relation": "户主", "employment": "farming",
                         "id_number": resident_id(uuid.uuid4().int % 1000)}]})
        assert r.status_code == 201, r.text
        household = r.json()["id"]
        r = await admin_http.post(f"/liaison/households/{household}/pairing", json={"cadre_id": cadre["id"]})
        assert r.status_code in (200, 201), r.text
    finally:
        await cadre_http.aclose()
        await admin_http.aclose()

    # The cadre on the phone: sign in, record today in the village.
    await page.set_viewport_size(PHONE)
    await page.goto(f"{base}/m/#/cadre")
    await expect(page.get_by_role("button", name="登录")).to_be_visible()
    await assert_accessible(page, "cadre sign-in")
    await page.get_by_label("用户名").fill(cadre_account["username"])
    await page.get_by_label("密码").fill(cadre_account["password"])
    await page.get_by_role("button", name="登录").click()
    presence = page.get_by_role("form", name="今日在岗")
    await expect(presence).to_contain_text(cadre_account["display_name"])
    await expect(page.get_by_label("联系户")).to_have_value(household)
    await assert_accessible(page, "cadre desk")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await presence.get_by_role("radio", name="在村").click()
    await presence.get_by_role("button", name="登记在岗").click()
    await page.get_by_role("dialog").filter(has_text="确认提交").get_by_role("button", name="确认").click()
    await expect(page.get_by_role("status")).to_have_text(f"已登记 {today.isoformat()}：在村")

    # A household visit with a problem raised: an empty 所见 is refused beside the field first.
    visit = page.get_by_role("form", name="入户走访")
    await visit.get_by_label("所闻").fill("户主反映自来水管冬季冻裂，吃水困难")
    await page.get_by_label("问题类别").select_option("livelihood")
    await page.get_by_label("子类").select_option("drinking_water")
    await visit.get_by_label("问题描述").fill("入户水管冻裂，需更换保温管")
    await visit.get_by_role("button", name="提交走访记录").click()
    await page.get_by_role("dialog").filter(has_text="确认提交").get_by_role("button", name="确认").click()
    seen_field = visit.locator(".van-field", has=page.get_by_label("所见"))
    await expect(seen_field.locator(".van-field__error-message")).not_to_be_empty()
    await visit.get_by_label("所见").fill("院内水管裸露，已冻裂")
    await visit.get_by_role("button", name="提交走访记录").click()
    await page.get_by_role("dialog").filter(has_text="确认提交").get_by_role("button", name="确认").click()
    await expect(page.get_by_role("status")).to_have_text("走访已记录，问题已交办")
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await assert_accessible(page, "visit recorded")

    # The township operator sees this week's compliance: the cadre's one day counted, still short.
    await page.context.clear_cookies()
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, township_admin)
    await page.get_by_role("navigation", name="主菜单").get_by_text("驻村考勤").click()
    row = page.locator(".el-table__row", has_text="王驻村")
    await expect(row).to_contain_text(village["name"])
    cells = [c.strip() for c in await row.locator("td").all_inner_texts()]
    required, in_village = int(cells[2]), int(cells[3])
    assert in_village == (1 if WorkdayCalendar().is_workday(today) else 0), cells  # only working days count
    assert ("未达标" in cells[6] or "无法达标" in cells[6]) == (in_village < required), cells
    await expect(page.get_by_role("status")).to_contain_text("名尚未达到本周驻村天数")
    await assert_accessible(page, "week compliance")

    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me", "status of 422")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
