"""Shared paths and the command-line tools the deployment tests drive (never skipped when missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
GRAFANA_DIR = DEPLOY / "grafana"
K8S_DIR = DEPLOY / "k8s"

# The services of the README's plan: each runs an API and a worker process.
SERVICES = {"petition": (8101, 9201), "safety": (8102, 9202), "volunteer": (8103, 9203), "reporting": (8104, 9204),
            "identity": (8105, 9205)}


def require_tool(name: str, debian_package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: run `scripts/bootstrap.sh --test` "
                    f"(or `apt-get install -y {debian_package}`)", pytrace=False)
    return path


def run(args: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool; a non-zero exit fails the test with the tool's own output."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}",
                    pytrace=False)
    return proc


@pytest.fixture(scope="session")
def promtool() -> str:
    return require_tool("promtool", "prometheus")


@pytest.fixture(scope="session")
def docker_compose() -> str:
    return require_tool("docker-compose", "docker-compose")
