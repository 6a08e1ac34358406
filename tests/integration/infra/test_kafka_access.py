"""Who may read which stream, against the real broker (SASL/SCRAM + ACLs, devstack's configuration).

A department granted `safety` by the county admin's command reads that stream under its group prefix;
it is refused by Kafka for a stream it was not granted, for a group outside its prefix, and for any
write; a service cannot write another service's topic; a client without a valid credential does not
get in at all. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from devstack.stack import Stack
from minqing_contract.topics import DEAD_LETTER, STREAMS
from minqing_kit.kafka_access import admin_client, departments
from minqing_kit.kafka_auth import KafkaConnection

SAFETY, PETITION = STREAMS["safety"].name, STREAMS["petition"].name
STEP_S = 20.0  # any single broker interaction below


@dataclass(frozen=True)
class Department:
    code: str
    kafka: KafkaConnection
    marker: bytes  # a record on the safety stream, published for this test


def _access(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """The county admin's command, as an operator runs it (admin credential from the environment)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}, **stack.kafka_env()}
    return subprocess.run([sys.executable, "-m", "minqing_kit.kafka_access", *args], capture_output=True, text=True,
                          timeout=60, env=env, check=False)


async def _publish(kafka: KafkaConnection, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(**kafka.options(), acks="all", request_timeout_ms=10000)
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(topic, value, key=value), STEP_S)
    finally:
        await producer.stop()


@pytest.fixture
async def department(stack: Stack, topics: list[str]) -> AsyncIterator[Department]:
    code = f"t{uuid.uuid4().hex[:10]}"
    granted = _access(stack, "grant", "--department", code, "--streams", "safety")
    assert granted.returncode == 0, granted.stderr
    user = re.search(r"^username: (\S+)$", granted.stdout, re.M).group(1)  # type: ignore[union-attr]
    password = re.search(r"^password: (\S+)$", granted.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert user == f"dept.{code}" and len(password) >= 32
    marker = f"acl-{uuid.uuid4()}".encode()
    await _publish(stack.kafka_admin, SAFETY, marker)
    yield Department(code, stack.kafka_admin.as_user(user, password), marker)
    _access(stack, "revoke", "--department", code)


async def _read_until(kafka: KafkaConnection, topic: str, group: str, marker: bytes) -> bool:
    consumer = AIOKafkaConsumer(topic, **kafka.options(), group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=False, request_timeout_ms=10000)
    await consumer.start()
    try:
        async with asyncio.timeout(STEP_S * 2):
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                if any(r.value == marker for records in batch.values() for r in records):
                    return True
    finally:
        await consumer.stop()


async def _refused(kafka: KafkaConnection, topic: str, group: str | None) -> KafkaError:
    """Consume until Kafka refuses; returns the error (fails if records arrive or nothing happens)."""
    consumer = AIOKafkaConsumer(topic, **kafka.options(), group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=False, request_timeout_ms=10000)
    try:
        async with asyncio.timeout(STEP_S):
            await consumer.start()
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                assert not batch, f"read {topic} without a grant"
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError) as exc:
        return exc
    finally:
        await consumer.stop()


async def test_a_granted_department_reads_its_stream_under_its_group_prefix(stack: Stack,
                                                                             department: Department) -> None:
    assert await _read_until(department.kafka, SAFETY, f"dept.{department.code}.duty-desk", department.marker)
    with admin_client(stack.kafka_admin) as client:
        listed = departments(client)[department.code]
    assert {(r.resource, r.name, r.operation) for r in listed} == {
        ("group", f"dept.{department.code}.", "READ"), ("topic", "minqing.safety.", "READ"),
        ("topic", "minqing.safety.", "DESCRIBE")}
    shown = _access(stack, "list")
    assert f"{department.code}: streams safety;" in shown.stdout, shown.stdout + shown.stderr


async def test_a_department_is_refused_an_ungranted_stream_and_a_foreign_group(department: Department) -> None:
    exc = await _refused(department.kafka, PETITION, f"dept.{department.code}.duty-desk")
    assert isinstance(exc, TopicAuthorizationFailedError)
    exc = await _refused(department.kafka, SAFETY, "reporting")  # another principal's group
    assert isinstance(exc, GroupAuthorizationFailedError)


@pytest.mark.parametrize("topic", [SAFETY, PETITION, DEAD_LETTER.name])
async def test_a_department_cannot_write_anywhere(department: Department, topic: str) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await _publish(department.kafka, topic, b"forged")


async def test_a_service_writes_its_own_topic_and_not_another_services(stack: Stack, topics: list[str]) -> None:
    await _publish(stack.kafka_as("petition"), PETITION, f"own-{uuid.uuid4()}".encode())
    await _publish(stack.kafka_as("petition"), DEAD_LETTER.name, f"dlq-{uuid.uuid4()}".encode())
    for service, foreign in (("petition", SAFETY), ("safety", PETITION), ("reporting", PETITION)):
        with pytest.raises(TopicAuthorizationFailedError):
            await _publish(stack.kafka_as(service), foreign, b"forged")


async def test_nobody_gets_in_without_a_valid_credential(stack: Stack, department: Department) -> None:
    for kafka in (KafkaConnection(stack.bootstrap),  # anonymous: the listener speaks SASL only
                  department.kafka.as_user(department.kafka.username or "", "wrong-password-0123456789")):
        consumer = AIOKafkaConsumer(SAFETY, **kafka.options(), group_id=f"dept.{department.code}.x",
                                    request_timeout_ms=5000)
        with pytest.raises(KafkaConnectionError):  # aiokafka reports SASL failures as a failed bootstrap
            async with asyncio.timeout(STEP_S):
                await consumer.start()
        await consumer.stop()


async def test_a_revoked_department_no_longer_gets_in(stack: Stack, department: Department) -> None:
    partial = _access(stack, "revoke", "--department", department.code, "--streams", "safety")
    assert partial.returncode == 0, partial.stderr
    exc = await _refused(department.kafka, SAFETY, f"dept.{department.code}.duty-desk")
    assert isinstance(exc, TopicAuthorizationFailedError)
    full = _access(stack, "revoke", "--department", department.code)
    assert full.returncode == 0, full.stderr
    consumer = AIOKafkaConsumer(SAFETY, **department.kafka.options(), request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        async with asyncio.timeout(STEP_S):
            await consumer.start()
    await consumer.stop()
