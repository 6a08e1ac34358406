"""Screenshots of the web front end's main screens for the docs, from the running platform.

    ./scripts/platform &                     # wait for the demo county to load
    .venv/bin/python -m bench.web_screenshots [--base http://127.0.0.1:8100] [--out docs/images]

Signs in with the demo accounts printed by ./scripts/platform (.devstack/demo-accounts.json): the county
信访 window's worklist, register form and a matter; the department's inbox; then the citizens' phone
pages at 375 px; the county admin's reference data, the township's households not visited this month
and a household's card and help plan, the dashboard a county supervisor opens from the workbench, the
supervisor's 领导待办 queues, the station's 点单派单 board and the team's 接单 view on the phone.
Nothing is changed on the platform (no form is submitted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from tests.e2e.browser import PHONE, chromium_launch_args

WIDE = {"width": 1440, "height": 900}


async def _signed_in(browser: Browser, base: str, account: dict[str, str]) -> Page:
    context = await browser.new_context(viewport=WIDE, device_scale_factor=1)
    page = await context.new_page()
    r = await page.request.post(f"{base}/identity/auth/login",
                                data={"username": account["username"], "password": account["password"]})
    assert r.ok, await r.text()
    return page


async def shoot(base: str, out: Path, accounts: dict[str, dict[str, str]]) -> list[Path]:
    saved: list[Path] = []

    async def snap(page: Page, name: str, full: bool = False) -> None:
        await page.wait_for_timeout(400)  # transitions settle
        path = out / f"{name}.png"
        await page.screenshot(path=str(path), full_page=full)
        saved.append(path)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**chromium_launch_args())
        try:
            login = await (await browser.new_context(viewport=WIDE)).new_page()
            await login.goto(f"{base}/workbench/")
            await login.get_by_role("button", name="登录").wait_for()
            await snap(login, "workbench-login")

            admin = await _signed_in(browser, base, accounts["county_admin"])
            await admin.goto(f"{base}/workbench/#/petition/worklist")
            await admin.locator(".el-table__body tr").first.wait_for()
            await snap(admin, "workbench-worklist")
            await admin.goto(f"{base}/workbench/#/petition/register")
            await admin.get_by_role("button", name="登记并出具受理凭证").wait_for()
            await snap(admin, "workbench-register", full=True)
            await admin.goto(f"{base}/workbench/#/petition/worklist")
            await admin.get_by_text("只看超期").click()
            await admin.wait_for_timeout(800)
            await admin.get_by_role("link", name="办理").first.click()
            await admin.get_by_role("list", name="办理经过").or_(admin.locator(".el-timeline")).first.wait_for()
            await snap(admin, "workbench-matter", full=True)

            handler = await _signed_in(browser, base, accounts["department_handler"])
            await handler.goto(f"{base}/workbench/#/department/inbox")
            await handler.locator(".el-table__body tr").first.wait_for()
            await snap(handler, "workbench-inbox")

            await admin.goto(f"{base}/workbench/#/admin/reference")
            await admin.get_by_role("tabpanel", name="村/社区").locator(".el-table__body tr").first.wait_for()
            await snap(admin, "workbench-reference")

            township = await _signed_in(browser, base, accounts["township_operator"])
            await township.goto(f"{base}/workbench/#/liaison/unvisited")
            await township.get_by_role("status").wait_for()
            await snap(township, "workbench-unvisited")
            household = township.locator(".el-table__body a").first
            if await household.count():  # the demo county has paired households not visited this month
                await household.click()
                await township.get_by_role("region", name="帮扶计划").wait_for()
                await snap(township, "workbench-household", full=True)

            leader = await _signed_in(browser, base, accounts["county_supervisor"])
            await leader.goto(f"{base}/workbench/#/dashboard")
            await leader.wait_for_url("**/reporting/dashboard/")
            await leader.locator("#live[data-status='live']").wait_for()
            await leader.wait_for_timeout(1500)  # the charts' first drawing (ECharts animates ~1 s)
            await snap(leader, "workbench-dashboard")

            await leader.goto(f"{base}/workbench/#/petition/queues")
            await leader.get_by_role("radiogroup", name="待办队列").wait_for()
            await leader.locator(".el-radio-button", has_text="待签批转送").click()
            await leader.wait_for_timeout(800)
            await snap(leader, "workbench-queues")

            await township.goto(f"{base}/workbench/#/volunteer/board")
            await township.locator(".el-table").first.wait_for()
            await township.wait_for_timeout(800)
            await snap(township, "workbench-station-board")

            team_context = await browser.new_context(viewport=PHONE, device_scale_factor=2)
            team = await team_context.new_page()
            r = await team.request.post(f"{base}/identity/auth/login", data={
                "username": accounts["team"]["username"], "password": accounts["team"]["password"]})
            assert r.ok, await r.text()
            await team.goto(f"{base}/m/#/team")
            await team.get_by_text("我的服务队").wait_for()
            teams = await (await team.request.get(f"{base}/volunteer/teams")).json()
            busiest = max(teams, key=lambda t: t.get("open_assignments", 0), default=None)
            if busiest is not None:  # the member picks their team once (remembered on the phone)
                await team.get_by_label("我的服务队").select_option(value=busiest["id"])
            await team.wait_for_timeout(800)
            await snap(team, "mobile-team", full=True)

            phone = await (await browser.new_context(viewport=PHONE, device_scale_factor=2)).new_page()
            await phone.goto(f"{base}/m/")
            await phone.get_by_text("志愿者报名").first.wait_for()
            await snap(phone, "mobile-home")
            await phone.goto(f"{base}/m/#/order")
            await phone.get_by_role("button", name="提交点单").wait_for()
            await snap(phone, "mobile-order", full=True)
            await phone.goto(f"{base}/m/#/matter")
            await phone.get_by_role("button", name="查询进度").wait_for()
            await snap(phone, "mobile-lookup")
        finally:
            await browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--accounts", type=Path, default=Path(".devstack/demo-accounts.json"))
    args = parser.parse_args()
    listed = json.loads(args.accounts.read_text(encoding="utf-8"))
    accounts = {a["role"]: a for a in listed}
    accounts["team"] = next(a for a in listed if a["username"] == "demo.team")  # a township operator too
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.base.rstrip("/"), args.out, accounts)):
        print(path)


if __name__ == "__main__":
    main()
