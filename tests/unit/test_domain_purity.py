"""Every service's domain stays pure: no frameworks, drivers, network, clock reads, prints or random ids.

Domains may import only the standard library, their own modules, the kit's pure helpers and — for the
reporting domain, whose input *is* the contract — the contract's models.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
FORBIDDEN = {
    "fastapi", "starlette", "asyncpg", "faust", "aiokafka", "kafka", "prometheus_client", "pydantic",
    "time", "socket", "requests", "httpx", "random", "secrets_", "minqing_contract",
}  # fmt: skip
PURE_KIT = {"minqing_kit.errors", "minqing_kit.guards", "minqing_kit.workdays"}
ALLOWED = {"reporting": {"minqing_contract"}}
MIN_MODULES = {"petition": 10, "safety": 10, "volunteer": 8, "reporting": 5}


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append(node.module or "")
    return found


@pytest.mark.parametrize("service", sorted(MIN_MODULES))
def test_domain_imports_no_framework_and_reads_no_clock(service: str) -> None:
    modules = sorted((SERVICES / service / "domain").glob("*.py"))
    assert len(modules) >= MIN_MODULES[service]
    forbidden = FORBIDDEN - ALLOWED.get(service, set())
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for name in _imports(tree):
            root = name.split(".")[0]
            assert root not in forbidden, f"{service}/{module.name} imports {name}"
            if root == "minqing_kit":
                assert name in PURE_KIT, f"{service}/{module.name} imports {name}, which is not a pure kit helper"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"now", "utcnow", "today"}, f"{service}/{module.name} reads the clock"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"print", "open", "uuid4"}, f"{service}/{module.name} calls {node.func.id}"
