"""Every service's live /metrics output passes `promtool check metrics` (Prometheus' own linter)."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import subprocess

import httpx
import pytest

from devstack.stack import Stack
from tests.integration.conftest import DbFactory, asgi_client, bearer, service_env

# service → (module with the app factory, factory name, a request that exercises a route)
SERVICES = {
    "petition": ("services.petition.entrypoints.api", "create_petition_app", "/matters"),
    "safety": ("services.safety.entrypoints.api", "create_safety_app", "/enterprises"),
    "volunteer": ("services.volunteer.entrypoints.api", "create_volunteer_app", "/requests"),
    "reporting": ("services.reporting.entrypoints.api", "create_reporting_app", "/api/figures"),
    "liaison": ("services.liaison.entrypoints.api", "create_liaison_app", "/households"),
}


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool is missing: run scripts/bootstrap.sh --test (Debian package prometheus)"
    return path


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_live_metrics_pass_promtool(service: str, stack: Stack, topics: list[str], make_db: DbFactory,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    module_name, factory, probe = SERVICES[service]
    module = importlib.import_module(module_name)
    service_env(monkeypatch, stack, await make_db(), service, reporting_public_dashboard="false")  # app migrates
    async with asgi_client(getattr(module, factory)()) as client:
        client: httpx.AsyncClient  # type: ignore[no-redef]
        assert (await client.get(probe, headers=bearer("county_admin"))).status_code == 200
        assert (await client.get(probe)).status_code == 401
        text = (await client.get("/metrics")).text
    assert f'route="{probe}",service="{service}",status="401"' in text
    result = await asyncio.to_thread(subprocess.run, [promtool(), "check", "metrics"], input=text,
                                     capture_output=True, text=True,
                                     timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
