"""The county 信访 window records a 复查 decision in the workbench, through the real proxy, identity and
petition service, signed in with the demo accounts. A matter replied to by the department and then
asked for review (申请复查, recorded over the public API as the window does for the person) waits in the
领导待办 「复查复核待决定」 queue; the window opens it, submits the 复查决定 dialog empty (the service's 422 is
shown beside the outcome field), chooses 变更 with an opinion, confirms, and the matter leaves the queue
with 「已复查」 and the outcome in its timeline. A 复核 request then comes back to the queue and its 复核决定
(维持) makes the matter final (已复核终结). axe-core checks the queue and the dialog.

督办 needs an overdue matter; the real platform's clocks run in days and the public API cannot back-date a
registration, so the 督办 path is covered by tests/integration/petition/test_leaders.py (test clock), not here.
"""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.async_api import expect

from minqing_contract.divisions import load_county
from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import Platform, platform  # noqa: F401  (the one address with the services)
from tests.e2e.test_workbench import WIDE, _web_built, demo_accounts, sign_in  # noqa: F401
from tests.e2e.test_workbench_leaders import TOWNSHIP_NAME, VILLAGE_NAME, _phone, _post, _register
from tests.e2e.test_workbench_liaison import session

pytestmark = pytest.mark.timeout(180)  # the platform's start-up included; the journey itself is held < 60 s


async def test_review_decided_in_the_dialog_leaves_the_queue_with_its_outcome(
        platform: Platform, watched: Watched) -> None:  # noqa: F811
    base = platform.base
    accounts = demo_accounts(platform)
    window, handler = accounts["county_admin"], accounts["department_handler"]
    started = time.monotonic()

    admin, _ = await session(base, window)
    county = load_county()
    town = next(t for t in county.townships if t.name == TOWNSHIP_NAME)
    village = next(v for v in town.villages if v.name == VILLAGE_NAME)
    tag = uuid.uuid4().hex[:6]
    matter = await _register(admin, {"township": town.code, "village": village.code},
                             f"拖欠工资，复查用例 {tag}", _phone())
    await _post(admin, f"/matters/{matter}/assign",
                {"department": handler["department"], "mode": "assign", "signed_by": "张副县长"})
    hnd, _ = await session(base, handler)
    await _post(hnd, f"/matters/{matter}/accept")
    await _post(hnd, f"/matters/{matter}/reply", {"text": f"已督促企业支付工资 {tag}"})
    await hnd.aclose()
    under_review = await _post(admin, f"/matters/{matter}/review", {"reason": "对答复不服，申请复查"})
    assert under_review["status"] == "under_review"
    await admin.aclose()

    page = watched.page
    await page.set_viewport_size(WIDE)
    await sign_in(page, base, window)
    await page.get_by_role("navigation", name="主菜单").get_by_text("领导待办").click()
    await page.get_by_text("复查复核待决定").click()
    row = page.get_by_role("row").filter(has_text="复查中")
    await expect(row).to_have_count(1)  # the platform is this test's own
    await assert_accessible(page, "review queue")
    await row.get_by_role("button", name="查看").click()

    await page.get_by_role("button", name="复查决定").click()
    dialog = page.get_by_role("dialog", name="复查决定")
    await dialog.get_by_label("决定意见").fill(f"原答复未核实工资台账，变更为责令限期支付 {tag}")
    await dialog.get_by_role("button", name="提交决定").click()  # no outcome chosen: the service says which field
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(dialog.locator(".el-form-item__error")).to_have_count(1)
    await expect(page.get_by_label("状态", exact=True)).to_have_text("复查中")
    await dialog.get_by_text("变更原处理意见").click()
    await assert_accessible(page, "review decision dialog")
    await dialog.get_by_role("button", name="提交决定").click()
    confirm = page.get_by_role("dialog", name="确认操作")
    await expect(confirm).to_contain_text("复查决定（变更）")
    await confirm.get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已复查")
    await expect(page.get_by_label("办理经过")).to_contain_text(f"复查决定 · 已复查（变更：原答复未核实工资台账，变更为责令限期支付 {tag}）")
    await expect(page.get_by_role("button", name="复查决定")).to_have_count(0)

    await page.get_by_role("navigation", name="主菜单").get_by_text("领导待办").click()
    await page.get_by_text("复查复核待决定").click()
    await expect(page.get_by_text("暂无待办")).to_be_visible()
    await expect(page.get_by_role("row").filter(has_text="复查中")).to_have_count(0)

    # The person is still not satisfied: 复核 (recorded over the API), decided in the same dialog, and final.
    admin, _ = await session(base, window)
    await _post(admin, f"/matters/{matter}/re-review", {"reason": "对复查决定不服，申请复核"})
    await admin.aclose()
    await page.reload()
    await page.get_by_text("复查复核待决定").click()
    row = page.get_by_role("row").filter(has_text="复核中")
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name="查看").click()
    await page.get_by_role("button", name="复核决定").click()
    dialog = page.get_by_role("dialog", name="复核决定")
    await expect(dialog).to_contain_text("复核意见为终结意见")
    await dialog.get_by_text("维持原处理意见").click()
    await dialog.get_by_label("决定意见").fill(f"维持复查决定 {tag}")
    await dialog.get_by_role("button", name="提交决定").click()
    await page.get_by_role("dialog", name="确认操作").get_by_role("button", name="确认").click()
    await expect(page.get_by_label("状态", exact=True)).to_have_text("已复核终结")
    await expect(page.get_by_label("办理经过")).to_contain_text(f"复核决定 · 已复核终结（维持：维持复查决定 {tag}）")

    assert time.monotonic() - started < 60, "the journey must stay under a minute"
    expected = ("status of 401 (Unauthorized) " + base + "/identity/auth/me", "status of 422")
    assert [e for e in watched.errors() if not any(x in e for x in expected)] == []
