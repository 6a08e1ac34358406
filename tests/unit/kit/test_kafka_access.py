"""The Kafka access table (minqing_kit.kafka_access) follows the contract: pure, no broker."""

from __future__ import annotations

import pytest

from minqing_contract.topics import DEAD_LETTER, STREAMS
from minqing_kit.kafka_access import (
    SERVICES,
    department_rules,
    department_user,
    service,
    service_rules,
)
from minqing_kit.kafka_auth import KafkaConnection


def _writes(name: str) -> set[str]:
    return {r.name for r in service_rules(service(name)) if r.operation == "WRITE"}


def test_every_stream_is_written_by_exactly_its_own_service() -> None:
    for stream, spec in STREAMS.items():
        writers = [row.name for row in SERVICES if spec.name in _writes(row.name)]
        assert writers == [stream], f"{spec.name} must have one writer, the service of that name: {writers}"
    for row in SERVICES:
        assert _writes(row.name) <= {DEAD_LETTER.name, *(s.name for k, s in STREAMS.items() if k == row.name)}


def test_services_read_only_the_streams_their_row_names_and_use_their_own_groups() -> None:
    for row in SERVICES:
        rules = service_rules(row)
        read_topics = {r.name for r in rules if r.resource == "topic" and r.operation == "READ"}
        assert read_topics == {STREAMS[s].name for s in row.reads}
        groups = {r.name for r in rules if r.resource == "group"}
        assert groups == {*row.groups, *row.faust_apps}
        assert all(r.operation != "ALL" for r in rules)  # faust needs nothing beyond a plain consumer
    assert {r.name for r in service_rules(service("reporting")) if r.operation == "READ" and r.resource == "topic"} \
        == {spec.name for spec in STREAMS.values()}


def test_a_department_reads_under_its_prefix_and_writes_nothing() -> None:
    rules = department_rules("emergency", ["safety", "petition"])
    assert {r.principal for r in rules} == {"User:dept.emergency"}
    assert {r.operation for r in rules} == {"READ", "DESCRIBE"}
    assert {(r.resource, r.name) for r in rules if r.operation == "READ"} == {
        ("group", "dept.emergency."), ("topic", "minqing.safety."), ("topic", "minqing.petition.")}
    assert all(r.prefixed for r in rules)


@pytest.mark.parametrize("code", ["", "A", "Emergency", "emer gency", "x" * 41, "../admin", "dept.x"])
def test_a_department_code_is_refused_unless_plain(code: str) -> None:
    with pytest.raises(ValueError, match="department code"):
        department_user(code)


def test_unknown_stream_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown stream 'weather'"):
        department_rules("emergency", ["weather"])


def test_client_options_sign_in_only_with_a_user() -> None:
    assert KafkaConnection("k:9092").options() == {"bootstrap_servers": "k:9092"}
    signed = KafkaConnection("k:9092", "petition", "pw").options()
    assert signed["security_protocol"] == "SASL_PLAINTEXT" and signed["sasl_mechanism"] == "SCRAM-SHA-512"
    assert signed["sasl_plain_username"] == "petition" and signed["sasl_plain_password"] == "pw"
    assert "pw" not in repr(KafkaConnection("k:9092", "petition", "pw"))
    credentials = KafkaConnection("k:9092", "petition", "pw").faust_options()["broker_credentials"]
    assert credentials.mechanism.value == "SCRAM-SHA-512" and credentials.username == "petition"
