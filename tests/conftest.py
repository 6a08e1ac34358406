"""Session-wide real infrastructure: one Apache Kafka broker and one PostgreSQL cluster.

Started once per test session on free ports in a temporary directory and torn down at the end,
also after failures. If either cannot start, every test that needs it errors with the reason:
nothing is skipped, nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.stack import Stack, temporary_stack

pytest_plugins = ["tests.seeds"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Ports and home are the session's own; fsync off: the tests never survive a power cut anyway.
    with temporary_stack("minqing-test-stack-", pg_fsync=False) as s:
        yield s


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
