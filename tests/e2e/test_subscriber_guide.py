"""The subscriber guide's examples work as written, against the real broker, with the credential the
county admin's command grants a department (safety only): it reads what it was granted, Kafka refuses
it a stream it was not granted, and it cannot write."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from devstack.stack import Stack
from minqing_contract import encode
from minqing_kit.kafka_access import admin_client, grant, revoke
from minqing_kit.kafka_auth import KafkaConnection, client_options
from tests.factories import inspection

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "subscribers.md"


def _guide_block(after_heading: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(after_heading):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


async def _publish(bootstrap: KafkaConnection | str, records: list) -> None:  # type: ignore[type-arg]
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all")
    await producer.start()
    try:
        for r in records:
            await producer.send_and_wait(r.topic, value=r.value, key=r.key, headers=r.headers)
    finally:
        await producer.stop()


@pytest.fixture
def department(stack: Stack, topics: list[str]) -> Iterator[dict[str, str]]:
    """A department granted the safety stream: the environment its examples run with."""
    code = f"guide{uuid.uuid4().hex[:8]}"
    with admin_client(stack.kafka_admin) as client:
        granted = grant(client, code, ["safety"])
    assert granted.password is not None
    yield {**os.environ, "MINQING_KAFKA_USERNAME": granted.username, "MINQING_KAFKA_PASSWORD": granted.password}
    with admin_client(stack.kafka_admin) as client:
        revoke(client, code)


def _kcat(stack: Stack, command: str, env: dict[str, str], topic: str) -> subprocess.CompletedProcess[str]:
    command = command.replace("127.0.0.1:9092", stack.bootstrap).replace("minqing.petition.events", topic)
    assert shlex.split(command)[0] == "kcat"
    return subprocess.run(["bash", "-c", command], capture_output=True, encoding="utf-8", errors="replace",
                          timeout=60, check=False, env=env)


@pytest.fixture
async def published(stack: Stack, topics: list[str]) -> list:  # type: ignore[type-arg]
    enterprise = uuid.uuid4()
    records = [encode(inspection(enterprise), source="/minqing/safety", sequence=i) for i in (1, 2)]
    await _publish(stack.kafka_admin, records)
    return records


async def test_kcat_example_shows_decodable_events(stack: Stack, published: list,  # type: ignore[type-arg]
                                                   department: dict[str, str]) -> None:
    command = _guide_block("## Reading with kcat").replace("\\\n", " ")
    assert "sasl.username=" in command and "SCRAM-SHA-512" in command
    out = await asyncio.to_thread(_kcat, stack, command, department, published[0].topic)
    assert out.returncode == 0, out.stderr
    subjects = {dict(r.headers)["ce_subject"].decode() for r in published}
    blocks = [b for b in out.stdout.split("\n\n") if any(s in b for s in subjects)]
    assert len(blocks) == 2, out.stdout[-2000:]
    for block in blocks:
        headers = re.search(r"^headers=(.*)$", block, re.M).group(1)  # type: ignore[union-attr]
        assert "ce_type=safety.inspection_recorded" in headers
        assert "ce_specversion=1.0" in headers
        value = json.loads(re.search(r"^value=(.*)$", block, re.M).group(1))  # type: ignore[union-attr]
        assert value["enterprise_id"] in subjects


async def test_kcat_example_is_refused_an_ungranted_stream_and_any_write(
        stack: Stack, published: list, department: dict[str, str]) -> None:  # type: ignore[type-arg]
    command = _guide_block("## Reading with kcat").replace("\\\n", " ")
    refused = await asyncio.to_thread(_kcat, stack, command, department, "minqing.petition.events")
    assert refused.returncode != 0 and "authorization failed" in refused.stderr.lower(), refused.stderr
    assert "value=" not in refused.stdout
    # the same credential cannot write, not even to the stream it reads
    forged = await asyncio.to_thread(
        lambda: subprocess.run(["bash", "-c", _kcat_produce(stack, published[0].topic)], input="forged\n",
                               capture_output=True, encoding="utf-8", errors="replace", timeout=60, check=False,
                               env=department))
    assert forged.returncode != 0 and "authorization failed" in forged.stderr.lower(), forged.stderr


def _kcat_produce(stack: Stack, topic: str) -> str:
    return (f"kcat -P -b {stack.bootstrap} -t {topic} -X security.protocol=SASL_PLAINTEXT "
            "-X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=\"$MINQING_KAFKA_USERNAME\" "
            "-X sasl.password=\"$MINQING_KAFKA_PASSWORD\"")


async def test_python_example_reads_with_the_credential(stack: Stack, published: list,  # type: ignore[type-arg]
                                                        department: dict[str, str], tmp_path: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## Reading with Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    script = tmp_path / "example.py"
    script.write_text(code.replace("127.0.0.1:9092", stack.bootstrap), encoding="utf-8")
    subjects = {dict(r.headers)["ce_subject"].decode() for r in published}
    proc = await asyncio.create_subprocess_exec(sys.executable, str(script), env=department,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    seen: set[str] = set()
    try:
        async with asyncio.timeout(60):  # the example runs until stopped: read until both events showed
            assert proc.stdout is not None
            while seen != subjects:
                line = (await proc.stdout.readline()).decode()
                assert line, (await proc.stderr.read()).decode()[-2000:]  # type: ignore[union-attr]
                kind, _, subject = line.strip().partition(" ")
                if subject in subjects:
                    assert kind == "safety.inspection_recorded"
                    seen.add(subject)
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


async def test_tail_command_filters_and_decodes(stack: Stack, published: list,  # type: ignore[type-arg]
                                                department: dict[str, str]) -> None:
    township = dict(published[0].headers)["ce_township"].decode()
    argv = [sys.executable, "-m", "minqing_contract.tail", "safety", "--bootstrap", stack.bootstrap,
            "--from-beginning", "--type", "safety.inspection_recorded", "--township", township, "--idle-exit", "3"]
    out = await asyncio.to_thread(subprocess.run, argv, capture_output=True, encoding="utf-8", errors="replace", timeout=90,
                                  check=False, env=department)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    subject = dict(published[0].headers)["ce_subject"].decode()
    mine = [e for e in lines if e["subject"] == subject]
    assert [e["sequence"] for e in mine] == [1, 2]
    assert all(e["type"] == "safety.inspection_recorded" and e["township"] == township for e in lines)
    other = [sys.executable, "-m", "minqing_contract.tail", "safety", "--bootstrap", stack.bootstrap,
             "--from-beginning", "--type", "safety.accident_reported", "--township", township, "--idle-exit", "3"]
    none = await asyncio.to_thread(subprocess.run, other, capture_output=True, encoding="utf-8", errors="replace", timeout=90,
                                   check=False, env=department)
    assert subject not in none.stdout
    spread = [encode(inspection(uuid.uuid4()), source="/minqing/safety", sequence=1) for _ in range(8)]
    await _publish(stack.kafka_admin, spread)  # eight subjects: records on several partitions in one fetch
    limited = [sys.executable, "-m", "minqing_contract.tail", "safety", "--bootstrap", stack.bootstrap,
               "--from-beginning", "--limit", "1", "--idle-exit", "3"]
    one = await asyncio.to_thread(subprocess.run, limited, capture_output=True, encoding="utf-8", errors="replace",
                                  timeout=90, check=False, env=department)
    assert one.returncode == 0 and len(one.stdout.splitlines()) == 1, (one.stdout[-2000:], one.stderr[-2000:])
    ungranted = [sys.executable, "-m", "minqing_contract.tail", "petition", "--bootstrap", stack.bootstrap,
                 "--from-beginning", "--idle-exit", "3"]
    refused = await asyncio.to_thread(subprocess.run, ungranted, capture_output=True, encoding="utf-8",
                                      errors="replace", timeout=90, check=False, env=department)
    assert refused.returncode == 2 and "not granted" in refused.stderr, refused.stderr[-2000:]
