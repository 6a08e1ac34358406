"""Session-wide real infrastructure: one Apache Kafka broker and one PostgreSQL cluster.

Started once per test session on free ports in a temporary directory and torn down at the end,
also after failures. If either cannot start, every test that needs it errors with the reason:
nothing is skipped, nothing is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.stack import Stack, temporary_stack

pytest_plugins = ["tests.seeds"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: `MINQING_TEST_BROKERS=3` runs the whole session on a three-node Kafka cluster (RF 3, min.insync 2).
TEST_BROKERS = int(os.environ.get("MINQING_TEST_BROKERS", "1"))
#: In-process service apps do not poll an identity service for reference data (its default address may
#: be a developer's running platform); the tests of the refresh set MINQING_REFERENCE_URL themselves.
os.environ.setdefault("MINQING_REFERENCE_URL", "")


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Ports and home are the session's own; fsync off: the tests never survive a power cut anyway.
    with temporary_stack("minqing-test-stack-", pg_fsync=False, kafka_brokers=TEST_BROKERS) as s:
        yield s


@pytest.fixture(scope="session")
def cluster_stack() -> Iterator[Stack]:
    """A three-broker Kafka cluster (and its own PostgreSQL) for the tests that kill brokers, started on
    first use (only those tests pay for three more JVMs). Always its own, also when the session runs on a
    cluster: the fault tests compare whole-topic counts and kill nodes, which other tests must not feel."""
    with temporary_stack("minqing-test-cluster-", pg_fsync=False, kafka_brokers=3) as s:
        s.create_topics()
        yield s


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
