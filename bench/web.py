"""The web front end's weight and first load through the proxy (a measurement, not a test).

    .venv/bin/python -m bench.web                       # against ./scripts/platform on :8100
    .venv/bin/python -m bench.web --base http://127.0.0.1:8100 --runs 10

Bundle sizes: what each page loads before it can draw (its entry script, the chunks it preloads and its
stylesheets, raw and gzip -6 as nginx sends them) and the whole build, read from web/dist. First load:
Debian's Chromium (Playwright), a fresh browser context per run (empty cache), from navigation to the
page's first control being visible: the sign-in form of /workbench/, the menu of /m/, and — signed in
with the demo county admin — the worklist with its rows (`--account` file from ./scripts/platform).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

from bench._common import pct
from tests.e2e.browser import chromium_launch_args

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def bundle_sizes() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for page in ("workbench", "m"):
        html = (DIST / page / "index.html").read_text(encoding="utf-8")
        files = sorted(set(re.findall(r'(?:src|href)="/(static/[^"]+)"', html)))
        raw = {f: (DIST / f).read_bytes() for f in files}
        out[page] = {"files": len(files), "raw_kb": round(sum(len(b) for b in raw.values()) / 1024, 1),
                     "gzip_kb": round(sum(_gz(b) for b in raw.values()) / 1024, 1)}
    every = [p for p in (DIST / "static").iterdir() if p.suffix in (".js", ".css")]
    out["whole build"] = {"files": len(every), "raw_kb": round(sum(p.stat().st_size for p in every) / 1024, 1),
                          "gzip_kb": round(sum(_gz(p.read_bytes()) for p in every) / 1024, 1)}
    return out


async def _timed(browser: Any, url: str, ready: Any, before: Any = None) -> float:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        if before is not None:
            await before(page)
        t0 = time.perf_counter()
        await page.goto(url)
        await ready(page)
        return (time.perf_counter() - t0) * 1000
    finally:
        await context.close()


async def first_loads(base: str, runs: int, account: dict[str, str] | None) -> dict[str, list[float]]:
    async def login_form(page: Page) -> None:
        await page.get_by_role("button", name="登录").wait_for()

    async def phone_menu(page: Page) -> None:
        await page.get_by_text("志愿者报名").first.wait_for()

    async def signed_in(page: Page) -> None:
        r = await page.request.post(f"{base}/identity/auth/login", data=account)
        assert r.ok, await r.text()

    async def worklist_rows(page: Page) -> None:
        await page.locator(".el-table__body tr").first.wait_for()

    times: dict[str, list[float]] = {"workbench sign-in page": [], "phone pages (/m/)": []}
    if account:
        times["worklist, signed in"] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**chromium_launch_args())
        try:
            for _ in range(runs):
                times["workbench sign-in page"].append(await _timed(browser, f"{base}/workbench/", login_form))
                times["phone pages (/m/)"].append(await _timed(browser, f"{base}/m/", phone_menu))
                if account:
                    times["worklist, signed in"].append(await _timed(
                        browser, f"{base}/workbench/#/petition/worklist", worklist_rows, signed_in))
        finally:
            await browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--account", type=Path, default=Path(".devstack/demo-accounts.json"),
                        help="demo accounts file (the county admin signs in for the worklist)")
    args = parser.parse_args()
    print("bundle sizes (before the first draw):")
    for name, s in bundle_sizes().items():
        print(f"  {name:12} {s['files']:3} files  {s['raw_kb']:8.1f} KiB raw  {s['gzip_kb']:7.1f} KiB gzip")
    account = None
    if args.account.exists():
        admin = next(a for a in json.loads(args.account.read_text(encoding="utf-8")) if a["role"] == "county_admin")
        account = {"username": admin["username"], "password": admin["password"]}
    times = asyncio.run(first_loads(args.base.rstrip("/"), args.runs, account))
    print(f"first load through {args.base} (fresh context each run, {args.runs} runs):")
    for name, values in times.items():
        print(f"  {name:24} median {statistics.median(values):6.0f} ms   p90 {pct(values, 90):6.0f} ms"
              f"   max {max(values):6.0f} ms")


if __name__ == "__main__":
    main()
