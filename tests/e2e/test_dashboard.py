"""The county dashboard, reached on the one address behind the workbench's sign-in, renders in headless
Chromium (Debian's package) with its charts, updates live through nginx, logs no console errors and
makes no external requests.

The reporting service is a tiny in-test Starlette app mounted exactly like the reporting service mounts
the page (static folder at /dashboard/, ECharts from node_modules at /dashboard/vendor/echarts.min.js),
with a fixture for /api/dashboard and a server-sent-event stream at /api/stream; in front of it runs the
real proxy (deploy/nginx: devstack.conf with minqing-locations.conf), so the page is
/reporting/dashboard/ and its stream goes through nginx's unbuffered /reporting/api/stream. The page is
authenticated by the workbench's session cookie (`mq_access`), never by a token in its URL. Debian's
Chromium is driven by Playwright (tests/e2e/browser.py); axe-core checks the page. The screenshot goes
to test-artifacts/dashboard.png (and to docs/images/dashboard.png with MINQING_UPDATE_DOCS_IMAGES=1).
"""
from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from devstack.proxy import nginx_command, prepare_prefix
from minqing_kit.http import ACCESS_COOKIE
from tests.e2e.browser import Watched, assert_accessible
from tests.e2e.test_proxy import SERVICES, _free_port, _nginx_conf

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "services" / "reporting" / "static" / "dashboard"
ECHARTS = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dashboard.json"
DOCS_IMAGE = ROOT / "docs" / "images" / "dashboard.png"
TOKEN = "e2e-token"
TOWNSHIP = "990102103000"  # 金山镇

pytestmark = pytest.mark.timeout(60)


# ----- the in-test service ---------------------------------------------------------------------------


class FakeReporting:
    """Serves the dashboard like the reporting service, records what the page asked for."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.dashboard_requests: list[tuple[dict[str, str], str | None]] = []
        self.stream_requests: list[tuple[dict[str, str], str | None]] = []
        self.case_requests: list[tuple[str, str | None]] = []
        self.require_token = False  # production: 401 without a bearer token (the public dashboard is off)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: list[asyncio.Queue[str | None]] = []
        self.app = Starlette(routes=[
            Route("/api/dashboard", self.dashboard),
            Route("/api/stream", self.stream),
            Route("/matters/{case_id}", self.case),  # /petition/matters/… through the proxy
            Route("/hazards/{case_id}", self.case),  # /safety/hazards/…
            Route("/dashboard/vendor/echarts.min.js", lambda _r: FileResponse(ECHARTS, media_type="text/javascript")),
            Mount("/dashboard", StaticFiles(directory=STATIC, html=True)),
        ])

    def view(self, township: str | None) -> dict[str, Any]:
        data = copy.deepcopy(self.payload)
        if township:
            data["scope"] = {"code": township, "name": next(t["name"] for t in data["townships"]
                                                            if t["code"] == township)}
        return data

    @staticmethod
    def credential(request: Request) -> str | None:
        """What the request carried: "Bearer <token>", "cookie:<token>" (the session cookie) or None."""
        if request.headers.get("authorization"):
            return request.headers["authorization"]
        cookie = request.cookies.get(ACCESS_COOKIE)
        return f"cookie:{cookie}" if cookie else None

    def _refused(self, request: Request) -> JSONResponse | None:
        if self.require_token and self.credential(request) not in (f"Bearer {TOKEN}", f"cookie:{TOKEN}"):
            return JSONResponse({"error": {"code": "unauthorized"}}, status_code=401)
        return None

    async def dashboard(self, request: Request) -> JSONResponse:
        self.dashboard_requests.append((dict(request.query_params), self.credential(request)))
        return self._refused(request) or JSONResponse(self.view(request.query_params.get("township")))

    async def case(self, request: Request) -> JSONResponse:
        """The petition or safety service's staff view of a case, as the dashboard's token reads it."""
        self.case_requests.append((request.url.path, self.credential(request)))
        refused = self._refused(request)
        if refused is not None:
            return refused
        if request.url.path.startswith("/matters/"):
            return JSONResponse({"id": request.path_params["case_id"], "status_zh": "已受理", "kind_zh": "申诉求决类",
                                 "category_zh": "民生保障", "subcategory_zh": "拖欠工资", "department": "县人社局",
                                 "registered_at": "2025-06-01T09:30:00+08:00",
                                 "deadlines": [{"kind": "reply", "label_zh": "答复期限", "last_day": "2025-07-31",
                                                "met_on_time": None}]})
        return JSONResponse({"id": request.path_params["case_id"], "level": "major", "status": "found",
                             "deadline": "2025-06-10T00:00:00+08:00",
                             "history": [{"at": "2025-06-01T10:00:00+08:00", "action": "found", "to_status": "found"}]})

    async def stream(self, request: Request) -> StreamingResponse | JSONResponse:
        self.stream_requests.append((dict(request.query_params), self.credential(request)))
        refused = self._refused(request)
        if refused is not None:
            return refused
        self.loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.queues.append(queue)

        async def events() -> AsyncIterator[str]:
            try:
                yield "retry: 300\n: connected\n\n"
                while not await request.is_disconnected():
                    try:
                        message = await asyncio.wait_for(queue.get(), timeout=0.5)
                    except TimeoutError:
                        continue
                    if message is None:  # the server drops the connection
                        return
                    yield message
            finally:
                self.queues.remove(queue)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    def push(self, data: dict[str, Any] | None) -> int:
        """Sends one `dashboard` event to every open stream (None: close the streams)."""
        message = None
        if data is not None:
            self.payload = data  # what /api/dashboard serves from now on
            message = "event: dashboard\ndata: " + json.dumps(data, ensure_ascii=False) + "\n\n"
        assert self.loop is not None
        for queue in list(self.queues):
            self.loop.call_soon_threadsafe(queue.put_nowait, message)
        return len(self.queues)


@pytest.fixture
def service() -> Iterator[tuple[FakeReporting, str]]:
    assert ECHARTS.exists(), f"{ECHARTS} is missing: run `npm ci` (scripts/bootstrap.sh)"
    fake = FakeReporting(json.loads(FIXTURE.read_text(encoding="utf-8")))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app, log_level="warning", lifespan="off",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the in-test server did not start"
        time.sleep(0.02)
    # The real proxy in front, every upstream the in-test app (it answers the prefix-stripped paths).
    workdir = Path(tempfile.mkdtemp(prefix="minqing-dashboard-"))
    workdir.chmod(0o755)
    listen = _free_port()
    conf = _nginx_conf(workdir, listen, dict.fromkeys(SERVICES, port))
    nginx = subprocess.Popen(nginx_command(conf, prepare_prefix(workdir / "prefix")), stdout=subprocess.DEVNULL,
                             stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert nginx.poll() is None, "nginx did not start"
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)
        yield fake, f"http://127.0.0.1:{listen}"
    finally:
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
        server.should_exit = True
        thread.join(5)
        sock.close()


# ----- the test ----------------------------------------------------------------------------------------

CHARTS_READY = """(() => {
  if (!window.echarts || document.body.dataset.state !== 'ready') return false;
  return ['trend-chart', 'township-chart'].every(id => {
    const node = document.getElementById(id);
    const chart = echarts.getInstanceByDom(node);
    if (!chart || !node.querySelector('canvas')) return false;
    const series = chart.getOption().series;
    return series.length > 0 && series.every(s => s.data.filter(v => v !== null).length > 0);
  });
})()"""


def card(figure: str) -> str:
    return f"document.querySelector('[data-figure=\"{figure}\"] .value').textContent"


async def test_dashboard_renders_updates_live_and_logs_no_errors(
        service: tuple[FakeReporting, str], watched: Watched, artifacts_dir: Path) -> None:
    fake, base = service
    fake.require_token = True
    fixture = copy.deepcopy(fake.payload)
    await watched.page.set_viewport_size({"width": 1600, "height": 1000})
    await watched.page.emulate_media(reduced_motion="reduce")
    # An old link with ?token= and no session: the page strips the token and does not use it; the server
    # answers 401 and the page offers the workbench's sign-in (or a token typed for machine use).
    dashboard = f"{base}/reporting/dashboard/"
    await watched.goto(f"{dashboard}?token=leaked-{TOKEN}")
    await watched.wait_for("!document.getElementById('token-form').hidden")
    assert await watched.js("location.search") == ""
    assert fake.dashboard_requests == [({}, None)] and fake.stream_requests == []
    assert "访问令牌" in await watched.js("document.getElementById('alert').textContent")
    assert await watched.js("document.querySelector('#token-form a').getAttribute('href')") \
        == "/workbench/#/login?next=/dashboard"
    # Signed in at the workbench: the session cookie (HttpOnly, Path=/) is what the page's requests carry.
    await watched.page.context.add_cookies([{"name": ACCESS_COOKIE, "value": TOKEN, "url": base, "httpOnly": True}])
    await watched.goto(dashboard)
    await watched.wait_for(CHARTS_READY)
    assert await watched.js("document.getElementById('token-form').hidden") is True
    await assert_accessible(watched.page, "the county dashboard")
    del fake.dashboard_requests[0]

    # Charts hold the fixture's series.
    trend = await watched.js("echarts.getInstanceByDom(document.getElementById('trend-chart')).getOption()")
    assert [s["name"] for s in trend["series"]] == ["信访受理", "发现隐患", "志愿点单"]
    assert trend["series"][0]["data"] == fixture["trend"]["petitions_received"]
    assert len(trend["xAxis"][0]["data"]) == 30
    bars = await watched.js("echarts.getInstanceByDom(document.getElementById('township-chart')).getOption()")
    assert bars["xAxis"][0]["data"] == [t["name"] for t in fixture["townships"]]
    assert bars["series"][0]["data"] == [t["petitions_received"] for t in fixture["townships"]]

    # Header, cards: counts, rates as percentages, money, null as "—".
    assert await watched.js("document.getElementById('scope-name').textContent") == "民和县"
    assert await watched.js("document.getElementById('updated-at').textContent") == "2025/06/15 10:30:00"
    expected = {
        "today.petitions_received": "12", "today.petitions_open": "87", "today.petitions_overdue": "5",
        "month.on_time_reply_rate": "93.5%", "month.satisfaction_rate": "91.2%",
        "today.hazards_found": "7", "today.hazards_open": "64", "today.hazards_overdue": "9",
        "today.major_hazards_supervised": "2", "today.enterprises_suspended": "1",
        "month.rectification_rate": "84.2%", "month.penalties": "4 起",
        "today.volunteer_requests": "23", "today.volunteer_completed": "19", "today.volunteer_hours": "46.5",
        "month.completion_rate": "90.3%", "month.person_times": "642",
        "volunteer.awaiting_manual_dispatch": "6", "volunteer.average_stars": "4.62 星",
        "volunteer.dispatch_minutes_p50": "18.5 分钟",
        "liaison.stationing_compliance": "88.1%", "liaison.visit_coverage": "85.4%", "liaison.problems_raised": "18",
    }
    shown = await watched.js(
        "Object.fromEntries([...document.querySelectorAll('.card[data-figure]')]"
        ".map(c => [c.dataset.figure, c.querySelector('.value').textContent]))")
    assert shown == expected
    assert await watched.js("document.querySelector('[data-sub=\"month.penalty_amount\"]').textContent") \
        == "金额 3.6 万元"
    # Every figure fits its card, whole, also five or seven cards to a panel on a 1440 px screen
    # ("93.5%", "18.5 分钟" once ran over the card's edge there).
    fits = ("[...document.querySelectorAll('.card .value')].every(v => v.scrollWidth <= v.clientWidth"
            " && v.getBoundingClientRect().width <= v.closest('.card').clientWidth)")
    for width in (1440, 1280):
        await watched.page.set_viewport_size({"width": width, "height": 1000})
        await watched.wait_for(fits)
    await watched.page.set_viewport_size({"width": 1600, "height": 1000})

    # Ranking table with 红榜 / 黑榜 and month-on-month arrows; overdue lists.
    rows = await watched.js("""[...document.querySelectorAll('#ranking-table tbody tr')].map(tr => ({
        cls: tr.className, township: tr.dataset.township,
        cells: [...tr.children].map(td => td.textContent)}))""")
    ranking = fixture["ranking"]
    assert [r["township"] for r in rows] == [r["township"] for r in ranking["rows"]]
    assert [r["township"] for r in rows if "red-list" in r["cls"]] == ranking["red_list"]
    assert sorted(r["township"] for r in rows if "black-list" in r["cls"]) == sorted(ranking["black_list"])
    first = rows[0]["cells"]
    assert first[:3] == ["1", "长征镇", "91.35"] and first[3].startswith("↑2") and first[8] == "红榜"
    assert first[7] == "88.60"  # 驻村联户 component
    assert rows[1]["cells"][3].startswith("↓1")
    assert rows[7]["cells"][6] == "—"  # a null component
    assert await watched.js("document.querySelectorAll('#overdue-petitions tbody tr').length") \
        == len(fixture["overdue"]["petitions"])
    assert await watched.js("document.querySelectorAll('#overdue-hazards tbody tr').length") \
        == len(fixture["overdue"]["hazards"])

    # Issue 18: an overdue row says what it is (category, department, enterprise) and links to the case.
    petition_rows = await watched.js("""[...document.querySelectorAll('#overdue-petitions tbody tr')].map(tr => ({
        key: tr.dataset.key, cells: [...tr.children].map(td => td.textContent),
        href: tr.querySelector('a') && tr.querySelector('a').href}))""")
    by_key = {r["key"]: r for r in petition_rows}
    for item in fixture["overdue"]["petitions"]:
        row = by_key[item["key"]]
        assert row["href"] == base + item["url"] and row["href"].endswith("/matters/" + item["case_id"])
        assert row["cells"][:3] == [item["township_name"], item["category_zh"], item["department_zh"] or "未交办"]
        assert item["case_id"][:8] not in "".join(row["cells"])  # no hex ids on the screen
    hazard_rows = await watched.js("""[...document.querySelectorAll('#overdue-hazards tbody tr')].map(tr => ({
        key: tr.dataset.key, cells: [...tr.children].map(td => td.textContent),
        href: tr.querySelector('a') && tr.querySelector('a').href}))""")
    first_hazard = fixture["overdue"]["hazards"][0]
    [shown_hazard] = [r for r in hazard_rows if r["key"] == first_hazard["key"]]
    assert shown_hazard["href"] == base + first_hazard["url"] and "/hazards/" in shown_hazard["href"]
    assert shown_hazard["cells"][1] == first_hazard["enterprise_name"]
    assert "某烟花爆竹企业" in [r["cells"][1] for r in hazard_rows]  # an enterprise registered without a name
    soon = await watched.js("document.querySelector('#due-soon-petitions tbody a').href")
    assert soon == base + fixture["due_soon"]["petitions"][0]["url"]

    # A click opens the case in the panel, fetched with the session (through the proxy to the service).
    first = fixture["overdue"]["petitions"][0]
    await watched.js(f"document.querySelector('#overdue-petitions tbody tr[data-key=\"{first['key']}\"] a').click()")
    await watched.wait_for("document.getElementById('case-dialog').dataset.state === 'shown'")
    assert fake.case_requests[-1] == (first["url"].removeprefix("/petition"), f"cookie:{TOKEN}")
    assert await watched.js("document.getElementById('case-dialog').open") is True
    assert await watched.js("document.getElementById('case-title').textContent") == first["category_zh"]
    panel = await watched.js("document.getElementById('case-fields').textContent")
    assert "已受理" in panel and "拖欠工资" in panel and "县人社局" in panel and "2025/06/01 09:30:00" in panel
    assert await watched.js("document.querySelector('#case-steps tbody').textContent") == "2025-07-31答复期限办理中"
    await watched.js("document.getElementById('case-close').click()")
    assert await watched.js("document.getElementById('case-dialog').open") is False
    await watched.js(f"document.querySelector('#overdue-hazards tbody tr[data-key=\"{first_hazard['key']}\"] a').click()")
    await watched.wait_for("document.getElementById('case-dialog').dataset.state === 'shown'")
    assert "重大隐患" in await watched.js("document.getElementById('case-fields').textContent")
    await watched.js("document.getElementById('case-close').click()")

    # The accident alert banner, and the accidents panel with deaths by grade.
    assert await watched.js("document.getElementById('accident-alert').hidden") is False
    banner = await watched.js("document.getElementById('accident-alert').textContent")
    assert banner == fixture["accident_alert"]["text_zh"] and "特别重大事故" in banner and "死亡30人" in banner
    assert await watched.js("document.getElementById('accident-alert').getAttribute('role')") == "alert"
    grades = await watched.js("""[...document.querySelectorAll('#accidents-table tbody tr')]
        .map(tr => [...tr.children].map(td => td.textContent))""")
    assert grades == [["一般事故", "1", "0", "1"], ["较大事故", "0", "0", "0"], ["重大事故", "0", "0", "0"],
                      ["特别重大事故", "1", "30", "2"]]
    assert await watched.js("document.getElementById('accidents-total').textContent") \
        == "共 2 起 · 死亡 30 人 · 重伤 3 人"
    categories = await watched.js("""[...document.querySelectorAll('#categories-table tbody tr')]
        .map(tr => [tr.children[0].textContent, tr.children[1].textContent])""")
    assert categories == [["经济发展", "21"], ["民生改善", "64"], ["社会矛盾", "38"], ["生产经营", "17"],
                          ["扶贫帮困", "19"], ["基层组织", "9"]]
    # Issue 15: the 驻村联户 panel, this month's stationing compliance and visit coverage per township;
    # a township with no cadre-week, paired household or problem is left out.
    assert await watched.js("document.querySelector('[data-sub=\"liaison.short_weeks\"]').textContent") \
        == "未达标 26 人·周"
    liaison = await watched.js("""[...document.querySelectorAll('#liaison-table tbody tr')]
        .map(tr => [tr.dataset.township, ...[...tr.children].map(td => td.textContent)])""")
    assert [r[0] for r in liaison] == [r["code"] for r in fixture["liaison"]["rows"] if r["cadre_weeks"]]
    assert liaison[0] == ["990102001000", "城关街道", "91.7%", "36（3）", "93.3%", "112/120", "4（3）"]
    assert liaison[5][1:] == ["双桥镇", "55.0%", "20（9）", "54.3%", "38/70", "3（0）"]
    low = await watched.js("""[...document.querySelectorAll('#liaison-table tbody tr')][5]
        .querySelectorAll('.bar.low').length""")
    assert low == 2  # both below 80 %: drawn in the warning colour
    assert await watched.js("document.getElementById('ranking-status').textContent") == "暂定"
    assert await watched.js("document.getElementById('ranking-comparison').hidden") is True

    # Auth: the session cookie on the fetch and on the event stream (through nginx), never a token in a URL.
    assert fake.dashboard_requests[0] == ({}, f"cookie:{TOKEN}")
    await watched.wait_for("document.getElementById('live').dataset.status === 'live'")
    assert fake.stream_requests[0] == ({}, f"cookie:{TOKEN}")
    assert await watched.js("location.search") == ""
    assert await watched.js("document.getElementById('live-text').textContent") == "实时"

    # Screenshot of the whole page.
    await asyncio.sleep(0.3)
    height = await watched.js("Math.ceil(document.documentElement.scrollHeight)")
    await watched.page.set_viewport_size({"width": 1600, "height": height})
    await watched.wait_for(CHARTS_READY)
    await asyncio.sleep(0.3)
    png = await watched.page.screenshot(type="png")
    assert png.startswith(b"\x89PNG")
    (artifacts_dir / "dashboard.png").write_bytes(png)
    if os.environ.get("MINQING_UPDATE_DOCS_IMAGES") == "1":  # a test run leaves the checkout clean otherwise
        shutil.copyfile(artifacts_dir / "dashboard.png", DOCS_IMAGE)

    # A live update over SSE changes the cards without reloading the page.
    await watched.js("window.__sameDocument = true")
    update = copy.deepcopy(fixture)
    update["generated_at"] = "2025-06-15T10:31:00+08:00"
    update["today"]["petitions_received"] = 13
    update["month"]["satisfaction_rate"] = None
    assert fake.push(update) >= 1
    await watched.wait_for(f"{card('today.petitions_received')} === '13'", timeout=10)
    assert await watched.js(card("month.satisfaction_rate")) == "—"
    assert await watched.js("document.getElementById('updated-at').textContent") == "2025/06/15 10:31:00"
    assert await watched.js("window.__sameDocument === true")
    assert len(fake.dashboard_requests) == 1

    # When the stream drops, the page reconnects and catches up with a fresh fetch.
    streams = len(fake.stream_requests)
    fake.push(None)
    await watched.wait_for("document.getElementById('live').dataset.status === 'live' && "
                           "Number(document.body.dataset.renders) >= 3", timeout=10)
    assert len(fake.stream_requests) == streams + 1
    assert len(fake.dashboard_requests) == 2
    assert await watched.js(card("today.petitions_received")) == "13"

    # The township selector re-queries with ?township= and reconnects the stream for that scope.
    await watched.js(f"""(() => {{ const s = document.getElementById('township-select');
        s.value = '{TOWNSHIP}'; s.dispatchEvent(new Event('change')); }})()""")
    await watched.wait_for("document.getElementById('scope-name').textContent === '民和县 · 金山镇'")
    assert fake.dashboard_requests[-1] == ({"township": TOWNSHIP}, f"cookie:{TOKEN}")
    await watched.wait_for("document.getElementById('live').dataset.status === 'live'")
    assert fake.stream_requests[-1] == ({"township": TOWNSHIP}, f"cookie:{TOKEN}")
    assert await watched.js("location.search") == f"?township={TOWNSHIP}"
    assert await watched.js("window.__sameDocument === true")

    # No console errors (but the browser's own note of the one expected 401 before the sign-in),
    # no exceptions, nothing loaded from anywhere but the service.
    await asyncio.sleep(0.2)
    expected_401 = f"console: Failed to load resource: the server responded with a status of 401 (Unauthorized) " \
                   f"{base}/reporting/api/dashboard"
    assert [e for e in watched.errors() if e != expected_401] == []
    outside = [u for u in watched.requested_urls() if not u.startswith((base + "/", "data:"))]
    assert outside == []
    assert not [u for u in watched.requested_urls() if TOKEN in u and "leaked-" not in u]


async def test_dashboard_without_data_shows_dashes_and_logs_no_errors(
        service: tuple[FakeReporting, str], watched: Watched) -> None:
    """A fresh service with nothing recorded yet: every figure missing, empty lists."""
    fake, base = service
    fake.payload = {"county": {"code": "990102000000", "name": "民和县"},
                    "scope": {"code": "990102000000", "name": "民和县"},
                    "generated_at": "2025-06-15T10:30:00+08:00", "today": {}, "month": {},
                    "trend": {"days": [], "petitions_received": [], "hazards_found": [], "volunteer_requests": []},
                    "townships": [], "ranking": {"period": "2025-05", "rows": [], "red_list": [], "black_list": [],
                                                 "provisional": False, "comparison": {
                                                     "available": False,
                                                     "note_zh": "上月数据不完整（2025年4月仅1天有数据），不作比较"}},
                    "overdue": {"petitions": [], "hazards": []}}
    await watched.goto(f"{base}/reporting/dashboard/")
    await watched.wait_for("document.body.dataset.state === 'ready' && "
                           "document.getElementById('live').dataset.status === 'live'")
    values = await watched.js("[...document.querySelectorAll('.card .value')].map(v => v.textContent)")
    assert values and set(values) == {"—"}
    assert await watched.js("document.querySelector('#ranking-table tbody').textContent") == "本期暂无排名数据"
    assert await watched.js("document.querySelector('#overdue-hazards tbody').textContent") == "暂无超期隐患"
    assert await watched.js("document.querySelector('#liaison-table tbody').textContent") == "本月暂无驻村联户数据"
    assert await watched.js("document.getElementById('accident-alert').hidden") is True
    assert await watched.js("document.getElementById('ranking-comparison').textContent") == "上月数据不完整（2025年4月仅1天有数据），不作比较"
    assert fake.dashboard_requests == [({}, None)]  # no token anywhere: development access
    assert watched.errors() == []
