"""Session-wide real infrastructure: one Apache Kafka broker and one PostgreSQL cluster.

Started once per test session on free ports in a temporary directory and torn down at the end,
also after failures. If either cannot start, every test that needs it errors with the reason:
nothing is skipped, nothing is mocked.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.settings import DevstackSettings
from devstack.stack import Stack, free_port

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _test_settings(home: Path) -> DevstackSettings:
    # Ports and home are the session's own; java / pg_bin / jar cache still come from the environment.
    return DevstackSettings(
        home=home,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        pg_port=free_port(),
        pg_fsync=False,
        kafka_heap="768m",
    )


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="minqing-test-stack-"))
    s = Stack(_test_settings(home))
    try:
        s.start()
        yield s
    finally:
        s.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
