"""End-to-end tests share the integration fixtures (real stack, topics, fresh databases) and drive
Debian's Chromium with Playwright (tests/e2e/browser.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from tests.e2e.browser import Watched, chromium_launch_args
from tests.integration.conftest import make_db, topics  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright-asyncio launches Debian's Chromium with these (no browser download)."""
    return chromium_launch_args()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """The browser's device clock is set to UTC, not Beijing (whatever the machine's zone): every screen must
    still show the county's (Beijing) time."""
    return {**browser_context_args, "timezone_id": "UTC"}


@pytest.fixture
async def watched(page: Page) -> Watched:
    # async: Page.on() subscribes through the running loop; a sync fixture found no current loop when an
    # earlier test in the session had left the main thread without one.
    return Watched(page)
