"""Playwright on Debian's Chromium for the browser tests, and axe-core's accessibility check.

pytest-playwright-asyncio (pytest-playwright's async twin: the suite's fixtures and tests share one
asyncio loop, which the sync plugin cannot join) provides `browser`, `context` and `page`; the
launch arguments here point it at Debian's `chromium` (never a downloaded browser). `Watched` records
what a page logs and requests, so a test can assert no errors and no outside requests.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import ConsoleMessage, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}  # the citizens' pages must work this narrow


def chromium_launch_args() -> dict[str, Any]:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium is missing: install it with `scripts/bootstrap.sh --test` (Debian package chromium)")
    return {"executable_path": path, "args": ["--no-sandbox", "--disable-dev-shm-usage"]}


class Watched:
    """A page with its console errors, uncaught exceptions and requested URLs recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.logged: list[str] = []
        self.urls: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.logged.append(f"exception: {exc}"))
        page.on("request", lambda req: self.urls.append(req.url))

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "assert"):
            where = msg.location.get("url", "") if msg.location else ""
            self.logged.append(f"console: {msg.text} {where}".rstrip())

    def errors(self) -> list[str]:
        return list(self.logged)

    def requested_urls(self) -> list[str]:
        return list(self.urls)

    async def goto(self, url: str) -> None:
        await self.page.goto(url)

    async def js(self, expression: str) -> Any:
        return await self.page.evaluate(expression)

    async def wait_for(self, expression: str, timeout: float = 15) -> Any:
        """Polls until the expression is truthy (errors while the page is still loading count as not yet)."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = await self.page.evaluate(expression)
            except Exception as error:
                last = error
            if last and not isinstance(last, Exception):
                return last
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression} (last: {last})")
            await asyncio.sleep(0.1)


async def assert_accessible(page: Page, where: str = "") -> None:
    """axe-core on the page as it is now: no serious or critical violation.

    Evaluated over the DevTools protocol, so the proxy's Content-Security-Policy (`script-src 'self'`)
    stays on while the test injects the checker.
    """
    assert AXE.exists(), f"{AXE} is missing: run scripts/bootstrap.sh (npm ci in web/)"
    # Judge the page at rest: a dialog still fading out (Element Plus animates its close) has half-opaque
    # text that axe measures as low contrast. Wait for every running CSS transition/animation to finish.
    await page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})"
                                 ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                                 " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe-core on {where or page.url}: " + json.dumps(bad, ensure_ascii=False, indent=1)
