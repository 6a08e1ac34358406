"""The subscriber guide's examples work as written, against the real broker."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from devstack.stack import Stack
from minqing_contract import encode
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
async def published(stack: Stack, topics: list[str]) -> list:  # type: ignore[type-arg]
    enterprise = uuid.uuid4()
    records = [encode(inspection(enterprise), source="/minqing/safety", sequence=i) for i in (1, 2)]
    await _publish(stack.kafka_admin, records)
    return records


async def test_kcat_example_shows_decodable_events(stack: Stack, published: list) -> None:  # type: ignore[type-arg]
    command = _guide_block("## Reading with kcat").replace("\\\n", " ")
    argv = shlex.split(command.replace("127.0.0.1:9092", stack.bootstrap).replace(
        "minqing.petition.events", published[0].topic))
    assert argv[0] == "kcat"
    out = await asyncio.to_thread(subprocess.run, argv, capture_output=True, encoding="utf-8", errors="replace",
                                  timeout=60, check=False)
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


async def test_tail_command_filters_and_decodes(stack: Stack, published: list) -> None:  # type: ignore[type-arg]
    township = dict(published[0].headers)["ce_township"].decode()
    argv = [sys.executable, "-m", "minqing_contract.tail", "safety", "--bootstrap", stack.bootstrap,
            "--from-beginning", "--type", "safety.inspection_recorded", "--township", township, "--idle-exit", "3"]
    out = await asyncio.to_thread(subprocess.run, argv, capture_output=True, encoding="utf-8", errors="replace", timeout=90, check=False)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    subject = dict(published[0].headers)["ce_subject"].decode()
    mine = [e for e in lines if e["subject"] == subject]
    assert [e["sequence"] for e in mine] == [1, 2]
    assert all(e["type"] == "safety.inspection_recorded" and e["township"] == township for e in lines)
    other = [sys.executable, "-m", "minqing_contract.tail", "safety", "--bootstrap", stack.bootstrap,
             "--from-beginning", "--type", "safety.accident_reported", "--township", township, "--idle-exit", "3"]
    none = await asyncio.to_thread(subprocess.run, other, capture_output=True, encoding="utf-8", errors="replace", timeout=90, check=False)
    assert subject not in none.stdout
