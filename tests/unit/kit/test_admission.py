"""Admission control without I/O: a request that finds no place within the wait is refused quickly; one
that finds a place freed within it proceeds."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from minqing_kit.admission import AdmissionLimit


async def test_the_request_past_the_limit_gets_503_with_retry_after_quickly() -> None:
    release = asyncio.Event()

    async def slow(_: Request) -> JSONResponse:
        await release.wait()
        return JSONResponse({"ok": True})

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = AdmissionLimit(Starlette(routes=[Route("/work", slow, methods=["POST"]), Route("/healthz", healthz)]),
                         limit=2, wait_s=0.05)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        admitted = [asyncio.create_task(client.post("/work")) for _ in range(2)]
        while app.in_flight < 2:
            await asyncio.sleep(0)
        started = time.perf_counter()
        refused = await client.post("/work")
        took = time.perf_counter() - started
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused.json()["error"]["rule"] == "too_busy" and 0.04 <= took < 0.5
        assert (await client.get("/healthz")).status_code == 200  # never refused
        waiting = asyncio.create_task(client.post("/work"))  # a place frees within the wait: admitted
        await asyncio.sleep(0.01)
        release.set()
        assert [r.status_code for r in await asyncio.gather(*admitted, waiting)] == [200, 200, 200]
        assert app.in_flight == 0 and (await client.post("/work")).status_code == 200
