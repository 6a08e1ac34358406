"""The petition workbench's leader and department paths through the real proxy, identity and petition
service, signed in with the demo accounts. At the window, typing a phone number that has an open matter
shows 「可能为重复信访」 with a link to it. The department handler asks for a 20-day extension
(申请延期) on one matter and returns (退回) another; the county supervisor approves the extension in the
领导待办 queue and the matter's reply deadline moves; the returned matter is back at the window, which
forwards it again. Set-up steps (registration, forwarding, acceptance) go over the same public API the
pages use, so the browser time goes to the screens under test. axe-core checks each new screen.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from minqing_contract.divisions import load_county
from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, choose, demo_accounts, sign_in, sign_out  # noqa: F401
from tests.e2e.test_workbench_liaison import session

pytestmark = pytest.mark.timeout(180)  # the platform's start-up included; the journey itself is held < 60 s

TOWNSHIP_NAME, VILLAGE_NAME = "城关街道", "东关社区"


async def _register(client: httpx.AsyncClient, place: dict[str, str], content: str, phone: str) -> str:
    body = {"channel": "visit", "kind": "claim", "category": "dispute", "subcategory": "wage_arrears",
            "township_code": place["township"], "village_code": place["village"], "content": content,
            "petitioners": [{"name": "赵测试", "phone": phone}], "headcount": 1}
    r = await client.post("/petition/matters", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["matter_id"])


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await client.post(f"/petition{path}", json=body or {})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _phone() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


async def test_extension_approved_in_the_leaders_queue_and_a_return_re_forwarded_with_the_repeat_hint(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    accounts = demo_accounts(platform)
    window, handler, supervisor = accounts["county_admin"], accounts["department_handler"], accounts["county_supervisor"]
    department = handler["department"]
    started = time.monotonic()

    admin, _ = await session(base, window)
    county = load_county()
    town = next(t for t in county.townships if t.name == TOWNSHIP_NAME)
    village = next(v for v in town.villages if v.name == VILLAGE_NAME)
    place = {"township": town.code, "village": village.code}
    tag = uuid.uuid4().hex[:6]
    phone = _phone()
    extended = await _register(admin, place, f"拖欠工资，申请延期用例 {tag}", phone)
    returned = await _register(admin, place, f"拖欠工资，退回用例 {tag}", _phone())
    sign = {"department": department, "mode": "assign", "signed_by": "张副县长"}
    await _post(admin, f"/matters/{extended}/assign", sign)
    await _post(admin, f"/matters/{returned}/assign", sign)
    hnd, _ = await session(base, handler)
    before = await _post(hnd, f"/matters/{extended}/accept")
    reply_before = next(d["last_day"] for d in before["deadlines"] if d["kind"] == "reply")
    await admin.aclose()

    page = watched.page
    await page.set_viewport_size(WIDE)

    # The window: typing the phone of a person with an open matter shows the repeat hint with its link.
    await sign_in(page, base, window)
    await page.get_by_role("navigation", name="主菜单").get_by_text("信访登记").click()
    await page.get_by_label("信访人1姓名").fill("赵测试")
    await page.get_by_label("信访人1手机号").fill(phone[:7])  # half-typed: no hint
    await page.get_by_label("信访人1手机号").fill(phone)
    hint = page.get_by_role("status").filter(has_text="可能为重复信访")
    await expect(hint).to_be_visible()
    await expect(hint.get_by_role("link")).to_have_attribute("href", re.compile(extended))
    await assert_accessible(page, "register form with the repeat hint")
    await page.get_by_label("信访人1手机号").fill(_phone())  # someone else: the hint goes
    await expect(hint).to_have_count(0)
    await sign_out(page)

    # The department asks for 20 more days on one matter and returns the other.
    await sign_in(page, base, handler)
    inbox = page.get_by_role("navigation", name="主菜单").get_by_text("部门待办")
    await inbox.click()
    await expect(page.get_by_role("combobox", name="排序", exact=True)).to_be_visible()
    await page.goto(f"{base}/workbench/#/petition/matters/{extended}")
    await page.get_by_role("button", name="申请延期").click()
    dialog = page.get_by_role("dialog", name="申请延期")
    await dialog.get_by_label("延长天数").fill("20")
    await dialog.get_by_label("延期理由").fill(f"需调取工资台账 {tag}")
    await assert_accessible(page, "extension request form")
    await dialog.get_by_role("button", name="提交延期申请").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_text("延期申请（待审批）")).to_be_visible()
    await page.goto(f"{base}/workbench/#/petition/matters/{returned}")
    await page.get_by_role("button", name="退回").click()
    await page.get_by_role("dialog", name="退回（不属于本部门职责）").get_by_label("退回理由").fill("属于住建部门职责")
    await page.get_by_role("button", name="确认退回").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_role("status")).to_have_text("已退回信访窗口，由窗口重新转送。")
    await expect(page).to_have_url(re.compile(r"#/department/inbox"))
    await sign_out(page)

    # The supervisor approves the request in the 领导待办 queue; the reply deadline moves.
    await sign_in(page, base, supervisor)
    await page.get_by_role("navigation", name="主菜单").get_by_text("领导待办").click()
    row = page.get_by_role("row").filter(has_text=f"需调取工资台账 {tag}")
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("20 天")
    await assert_accessible(page, "leaders' queue")
    await row.get_by_role("button", name="批准", exact=True).click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(row).to_have_count(0)
    await page.goto(f"{base}/workbench/#/petition/matters/{extended}")
    await expect(page.get_by_text("20 天：需调取工资台账")).to_be_visible()
    after = (await hnd.get(f"/petition/matters/{extended}")).json()
    reply_after = next(d["last_day"] for d in after["deadlines"] if d["kind"] == "reply")
    assert reply_after > reply_before
    await expect(page.get_by_role("row").filter(has_text="答复期限")).to_contain_text(reply_after)
    await hnd.aclose()
    await sign_out(page)

    # The window finds the returned matter back at the start (已退回) and forwards it again.
    await sign_in(page, base, window)
    await page.get_by_role("navigation", name="主菜单").get_by_text("信访事项").click()
    await expect(page.get_by_text("已退回", exact=True)).to_have_count(1)  # the platform is this test's own
    await page.goto(f"{base}/workbench/#/petition/matters/{returned}")
    await expect(page.get_by_text("退回 · 已登记")).to_be_visible()
    await page.get_by_role("button", name="转送/交办").click()
    forward = page.get_by_role("dialog", name="转送/交办")
    await choose(page, "承办部门", next(d.name for d in county.departments if d.code != department))
    await forward.get_by_label("签阅领导").fill("张副县长")
    await forward.get_by_role("button", name="确认转送/交办").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已转送/交办")
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await assert_accessible(page, "matter forwarded again")

    assert time.monotonic() - started < 60, "the journey must stay under a minute"
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me",)
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
