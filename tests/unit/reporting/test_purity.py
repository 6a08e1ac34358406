"""The domain stays pure: no frameworks, drivers or clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[3] / "services" / "reporting" / "domain"
FORBIDDEN = {"fastapi", "asyncpg", "faust", "aiokafka", "prometheus_client", "pydantic", "kafka", "time"}


def test_domain_imports_no_framework_and_reads_no_clock() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 6
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                roots = set()
            assert not roots & FORBIDDEN, f"{module.name} imports {roots & FORBIDDEN}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"now", "utcnow", "today"}, f"{module.name} reads the clock"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{module.name} prints"
