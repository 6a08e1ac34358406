"""A broken Java or PostgreSQL makes the test session fail loudly, with the reason; nothing skips."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _run_inner_session(tmp_path: Path, env_override: dict[str, str]) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "test_needs_stack.py"
    test_file.write_text(textwrap.dedent("""
        def test_uses_stack(stack):
            assert stack.bootstrap
    """))
    (tmp_path / "conftest.py").write_text("from tests.conftest import stack  # noqa: F401\n")
    env = {**os.environ, **env_override, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), str(test_file)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )


@pytest.mark.parametrize(
    ("env_override", "expected"),
    [
        ({"MINQING_DEV_JAVA": "/nonexistent/bin/java"}, "Java not found at '/nonexistent/bin/java'"),
        ({"MINQING_DEV_PG_BIN": "/nonexistent/pg/bin"}, "PostgreSQL binaries not found in MINQING_DEV_PG_BIN=/nonexistent/pg/bin"),
    ],
    ids=["missing-java", "missing-postgres"],
)
def test_broken_dependency_fails_the_session(tmp_path: Path, env_override: dict[str, str], expected: str) -> None:
    result = _run_inner_session(tmp_path, env_override)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert expected in output
    assert "1 error" in output
    assert "skipped" not in output


def test_java_that_is_not_a_jvm_fails_with_broker_log(tmp_path: Path) -> None:
    fake_java = tmp_path / "java"
    fake_java.write_text("#!/bin/sh\necho 'this is not a JVM' >&2\nexit 3\n")
    fake_java.chmod(0o755)
    result = _run_inner_session(tmp_path, {"MINQING_DEV_JAVA": str(fake_java)})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Kafka storage format failed" in output
    assert "this is not a JVM" in output
