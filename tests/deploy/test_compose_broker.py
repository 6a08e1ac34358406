"""docker-compose's broker script (deploy/kafka/compose-broker.sh) run for real, without Docker: the same
Apache Kafka release as the image (devstack's Maven-resolved jars behind `kafka-storage.sh` /
`kafka-server-start.sh` shims), configured from KAFKA_* variables and the env file's passwords like the
container. topic-init's command (`kafka_access bootstrap`) then creates the topics and the service
users; a service writes its own topic and is refused another's; an anonymous client is refused."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from devstack.kafka import ensure_jars
from devstack.settings import DevstackSettings
from devstack.stack import free_port
from minqing_kit.kafka_access import SERVICE_NAMES
from minqing_kit.kafka_auth import KafkaConnection

from .conftest import REPO

PASSWORDS = {"ADMIN": "compose-test-admin-0123456789", "CONTROLLER": "compose-test-controller-0123456789",
             **{name.upper(): f"compose-test-{name}-0123456789" for name in SERVICE_NAMES}}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = DevstackSettings()
    libs = ensure_jars(settings)
    home = tmp_path_factory.mktemp("compose-broker")
    bin_dir = home / "bin"
    bin_dir.mkdir()
    log_opts = f"-Dlog4j.configuration=file:{settings.kafka_log4j} -Dkafka.logs.dir={home / 'logs'}"
    for name, main in (("kafka-storage.sh", "kafka.tools.StorageTool"), ("kafka-server-start.sh", "kafka.Kafka")):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/bash\nexec java -Xms384m -Xmx384m {log_opts} -cp "{libs}/*" {main} "$@"\n')
        shim.chmod(0o755)
    port, controller = free_port(), free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(home), "MINQING_KAFKA_BIN": str(bin_dir),
           "CLUSTER_ID": "bWlucWluZy1zaW5nbGUtaG9zdA", "KAFKA_NODE_ID": "1", "KAFKA_PROCESS_ROLES": "broker,controller",
           "KAFKA_LISTENERS": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
           "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}", "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
           "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT", "KAFKA_CONTROLLER_QUORUM_VOTERS": f"1@127.0.0.1:{controller}",
           "KAFKA_LOG_DIRS": str(home / "data"), "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
           "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
           "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1", "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
           **{f"MINQING_KAFKA_PASSWORD_{k}": v for k, v in PASSWORDS.items()}}
    log = (home / "broker.log").open("wb")
    proc = subprocess.Popen(["bash", str(REPO / "deploy/kafka/compose-broker.sh")], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (home / "broker.log").read_text(errors="replace")[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the compose broker did not listen within 90 s"
                time.sleep(0.3)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def _send(kafka: KafkaConnection, topic: str) -> None:
    producer = AIOKafkaProducer(**kafka.options(), acks="all", enable_idempotence=True, request_timeout_ms=10000)
    async with asyncio.timeout(40):
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"compose", key=b"compose")
        finally:
            await producer.stop()


async def test_compose_broker_signs_in_and_authorizes_as_topic_init_configured(broker: str, tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MINQING_KAFKA_BOOTSTRAP": broker,
           "MINQING_KAFKA_USERNAME": "admin", **{f"MINQING_KAFKA_PASSWORD_{k}": v for k, v in PASSWORDS.items()}}
    init = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "minqing_kit.kafka_access", "bootstrap"],
                                   cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr[-3000:]
    assert "service users and ACLs: petition, safety" in init.stdout
    petition = KafkaConnection(broker, "petition", PASSWORDS["PETITION"])
    await _send(petition, "minqing.petition.events")
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(petition, "minqing.safety.events")
    with pytest.raises(KafkaConnectionError):  # anonymous: the listener speaks SASL only
        await _send(KafkaConnection(broker), "minqing.petition.events")
