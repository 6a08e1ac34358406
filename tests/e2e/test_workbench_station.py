"""The volunteer station (新时代文明实践站/所) through the real proxy, identity and volunteer service: the
township's desk takes a villager's 点单 on their behalf, approves it (审单) and dispatches it
automatically (派单: the village's own team); the team's member signs in on the phone page at 375 px,
accepts (接单), starts, and closes it out with a volunteer's time (结单); the desk rates it (评单) and
finds the volunteer's hours in the list sorted by hours, with the 志愿服务记录证明 as a PDF carrying the
name and the hours. A request no team serves waits for a person (待人工派单), and the desk dispatches it
by hand; an order outside the station's work is refused at 审单 with a reason. axe-core checks every
screen on the way.

The volunteer API runs with a clock the test moves forward (tests/e2e/shifted_volunteer.py): a 结单
credits only time already past, and the journey takes seconds, not the hour and a half it records.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from pypdf import PdfReader

import tests.e2e.test_proxy as proxy
from tests.e2e.browser import PHONE, Watched, assert_accessible
from tests.e2e.shifted_volunteer import CLOCK_FILE_ENV
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, sign_in, sign_out  # noqa: F401
from tests.integration.conftest import bearer

pytestmark = pytest.mark.timeout(180)

COUNTY = "990102000000"
CHENGGUAN = "990102001000"  # 城关街道, the demo township (demo.operator, demo.team)
DONGGUAN = "990102001001"  # 东关社区
ADMIN = bearer("county_admin", COUNTY, sub="e2e-station-admin")
BUDGET_S = 60  # the browser journey's bound


@pytest.fixture(autouse=True)
def shifted_volunteer_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Before the platform starts: its volunteer API is the shifted-clock app, reading this file."""
    clock_file = tmp_path / "volunteer-clock-offset"
    clock_file.write_text("0", encoding="utf-8")
    monkeypatch.setenv(CLOCK_FILE_ENV, str(clock_file))
    real = proxy.command_for

    def command_for(service: str, role: str, *, port: int | None = None) -> list[str]:
        argv = real(service, role, port=port)
        if (service, role) == ("volunteer", "api"):
            argv = [a.replace("services.volunteer.entrypoints.api:app", "tests.e2e.shifted_volunteer:app") for a in argv]
        return argv

    monkeypatch.setattr(proxy, "command_for", command_for)
    yield clock_file


async def _api(base: str, method: str, path: str, body: Any = None, status: int = 201) -> Any:
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        r = await client.request(method, f"/volunteer{path}", json=body, headers=ADMIN)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


async def _network(base: str) -> dict[str, str]:
    """东关社区's station with an elder-care team of two volunteers (the county admin sets it up by API)."""
    station = await _api(base, "POST", "/stations", {"level": "village", "division_code": DONGGUAN,
                                                     "name": "东关社区新时代文明实践站"})
    team = await _api(base, "POST", "/teams", {"name": "东关社区助老志愿服务队", "home_station_id": station["id"],
                                               "specialties": ["elderly_disabled"], "capacity": 3})
    ids = {"station": station["id"], "team": team["id"]}
    for n, (name, id_number) in enumerate((("王小红", "990102199001011234"), ("李建国", "99010219850505123X"))):
        v = await _api(base, "POST", "/volunteers", {
            "name": name, "phone": f"1390000000{n}", "id_number": id_number, "township_code": CHENGGUAN,
            "skills": ["elderly_disabled"], "team_ids": [team["id"]],
            "available_time": [{"weekday": 5, "start": "08:00:00", "end": "12:00:00"}]})
        ids[name] = v["id"]
    return ids


async def confirm(page: Page) -> None:
    """Element Plus's box names its dialog; Vant's (on the phone) carries the title as text only."""
    dialog = page.get_by_role("dialog").filter(has_text="确认操作")
    await dialog.get_by_role("button", name="确认", exact=True).click()
    await expect(page.get_by_role("dialog").filter(has_text="确认操作")).to_have_count(0)


async def test_a_villages_order_is_approved_dispatched_accepted_on_the_phone_completed_and_rated(
        platform: Platform, watched: Watched, shifted_volunteer_clock: Path) -> None:  # noqa: F811
    base, page = platform.base, watched.page
    accounts = {a["username"]: a for a in demo_accounts_list(platform)}
    desk, member = accounts["demo.operator"], accounts["demo.team"]
    ids = await _network(base)
    # A request no team serves (legal aid): automatic dispatch finds none, so it waits for a person.
    stray = await _api(base, "POST", "/requests", {"category": "legal", "village_code": DONGGUAN, "description": "法律咨询：宅基地纠纷",
                                                   "urgency": "normal", "requester_name": "孙大娘"})
    await _api(base, "POST", f"/requests/{stray['id']}/approve", status=200)
    assert (await _api(base, "POST", f"/requests/{stray['id']}/dispatch", {"team_id": None}, status=200)
            )["status"] == "needs_manual_dispatch"
    # An order outside what the station does (refused at 审单 with a reason).
    await _api(base, "POST", "/requests", {"category": "neighbourhood", "village_code": DONGGUAN, "urgency": "low",
                                           "description": "请志愿者代为缴纳罚款", "requester_name": "钱先生"})
    started = time.monotonic()

    # The desk takes the villager's order by phone: 点单 on their behalf.
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, desk)
    await page.get_by_role("navigation", name="主菜单").get_by_text("点单派单").click()
    await expect(page.get_by_role("alert").filter(has_text="待人工派单")).to_contain_text("1 件点单无服务队接单")
    await page.get_by_role("button", name="代群众点单").click()
    form = page.get_by_role("dialog", name="代群众点单")
    await choose(page, "所在乡镇", "城关街道")
    await choose(page, "所在村", "东关社区")
    await choose(page, "服务类别", "助老助残")
    await form.get_by_label("需求描述").fill("帮独居老人打扫院子、换灯泡")
    await form.get_by_label("群众姓名").fill("赵大爷")
    await form.get_by_label("联系电话").fill("1371234")  # too short: the service names the field
    await form.get_by_role("button", name="提交点单").click()
    phone_error = form.locator(".el-form-item", has=page.get_by_label("联系电话")).locator(".el-form-item__error")
    await expect(phone_error).to_be_visible()
    await assert_accessible(page, "order on a villager's behalf")
    await form.get_by_label("联系电话").fill("13712345678")
    await form.get_by_role("button", name="提交点单").click()
    await expect(form).to_be_hidden()
    row = page.get_by_role("row").filter(has_text="帮独居老人打扫院子")
    await expect(row).to_contain_text("已点单")
    await expect(row).to_contain_text("东关社区")

    # 审单, then 自动派单: the village's own team, at the village level.
    await row.get_by_role("button", name="审单通过").click()
    await confirm(page)
    await expect(row).to_contain_text("已审单")
    await row.get_by_role("button", name="自动派单").click()
    await confirm(page)
    await expect(row).to_contain_text("已派单")
    await expect(row).to_contain_text("东关社区助老志愿服务队")
    await expect(row).to_contain_text("村级")
    await row.get_by_role("button", name="派单记录").click()
    await expect(page.get_by_role("list", name="派单记录")).to_contain_text("派单")
    await assert_accessible(page, "station board with the dispatch trail")
    await page.keyboard.press("Escape")

    # 审单 refuses the other order, with the reason the villager will be told.
    refused = page.get_by_role("row").filter(has_text="代为缴纳罚款")
    await refused.get_by_role("button", name="驳回").click()
    prompt = page.get_by_role("dialog", name="审单驳回")
    await prompt.get_by_role("textbox").fill("不属于志愿服务范围，请到乡镇便民服务中心办理")
    await prompt.get_by_role("button", name="驳回").click()
    await expect(refused).to_contain_text("已驳回")

    # The legal-aid request: dispatched by hand to the one team there is.
    stray_row = page.get_by_role("row").filter(has_text="宅基地纠纷")
    await expect(stray_row).to_contain_text("待人工派单")
    await stray_row.get_by_role("button", name="人工派单").click()
    await choose(page, "服务队", "东关社区助老志愿服务队")
    await page.get_by_role("button", name="确认人工派单").click()
    await confirm(page)
    await expect(stray_row).to_contain_text("已派单")
    await expect(page.get_by_role("alert").filter(has_text="待人工派单")).to_have_count(0)
    await sign_out(page)

    # The team's member, on the phone: signs in, picks the team, accepts and starts.
    await page.set_viewport_size(PHONE)
    await page.goto(f"{base}/m/#/team")
    await page.get_by_label("用户名").fill(member["username"])
    await page.get_by_label("密码").fill(member["password"])
    await page.get_by_role("button", name="登录").click()
    await page.get_by_label("我的服务队").select_option(label="东关社区助老志愿服务队")
    card = page.get_by_role("article", name="点单：帮独居老人打扫院子、换灯泡")
    await expect(card).to_contain_text("已派单")
    await expect(card).to_contain_text("赵大爷 13712345678")
    await assert_accessible(page, "team's phone view")
    await _fits(page)
    await card.get_by_role("button", name="接单").click()
    await confirm(page)
    await expect(card).to_contain_text("已接单")
    await card.get_by_role("button", name="开始服务").click()
    await confirm(page)
    await expect(card).to_contain_text("服务中")

    # An hour and a half later (the service's clock), the close-out: 王小红 served 90 minutes.
    await asyncio.to_thread(shifted_volunteer_clock.write_text, str(2 * 3600), encoding="utf-8")
    await card.get_by_role("button", name="结单").click()
    close_out = card.get_by_role("form", name="结单")
    await close_out.get_by_label("王小红（分钟）").fill("90")
    await assert_accessible(page, "close-out form")
    await _fits(page)
    await close_out.get_by_role("button", name="提交结单").click()
    await confirm(page)
    await expect(page.get_by_role("status")).to_have_text("已结单")
    await expect(card).to_have_count(0)  # no longer open for the team

    # The desk rates it and finds the hours and the certificate.
    await page.set_viewport_size(WIDE)
    await page.goto(f"{base}/workbench/")
    await expect(page.get_by_text(member["display_name"])).to_be_visible()  # the phone's sign-in holds here too
    await sign_out(page)
    await sign_in(page, base, desk)
    await page.get_by_role("navigation", name="主菜单").get_by_text("点单派单").click()
    await expect(row).to_contain_text("已完成")
    await row.get_by_role("button", name="评单").click()
    rating = page.get_by_role("dialog", name="评单")
    await rating.get_by_role("textbox").fill("5")
    await rating.get_by_role("button", name="提交").click()
    await expect(row).to_contain_text("已评单")

    await page.get_by_role("navigation", name="主菜单").get_by_text("志愿者与时长").click()
    first = page.get_by_role("row").nth(1)
    await expect(first).to_contain_text("王小红")  # sorted by hours, most first
    await expect(first).to_contain_text("1.5")
    await assert_accessible(page, "volunteers with hours")
    link = page.get_by_role("link", name="下载证明 PDF：王小红")
    pdf = await page.request.get(base + str(await link.get_attribute("href")))  # the session's cookies
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf", await pdf.text()
    body = await pdf.body()
    assert body.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "王小红" in text and "1.5" in text and "东关社区助老志愿服务队" in text, text
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_S, f"the station journey took {elapsed:.0f} s"
    assert ids["王小红"] in text  # the certificate names the volunteer's number too
    # Expected in the browser's log only: /auth/me's 401 before each sign-in, the refused order's 422.
    expected = ("/identity/auth/me", "status of 422")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []


def demo_accounts_list(platform: Platform) -> list[dict[str, Any]]:  # noqa: F811
    plan: list[dict[str, Any]] = json.loads(
        (Path(platform.nginx_log).parent / "demo-accounts.json").read_text(encoding="utf-8"))
    return plan


async def _fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"

