"""A single-node Apache Kafka (KRaft, combined broker + controller) run from Maven-resolved jars.

The jars are resolved once per pom content into a cache folder; a second start downloads nothing.
Readiness is a real round trip: create a topic, produce a record, read it back (as `admin`).

Security (`security_properties`, appended to the server properties): the client listener speaks
SASL/SCRAM-SHA-512, the controller listener SASL/PLAIN (KRaft cannot authenticate controllers with
SCRAM: its credentials live in the metadata the controllers serve), the StandardAuthorizer refuses
whatever no ACL allows. The passwords are generated once per stack home (`credentials.json`, 0600,
never in the repo): `admin` (super user, created at format time with `--add-scram`; the broker's own
inter-broker login), `controller` (PLAIN, super user) and one per service. `bootstrap_access` then
creates the services' users and ACLs from `minqing_kit.kafka_access` (idempotent, on every start).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from devstack.errors import StackError, log_tail
from devstack.proc import ensure_port_free, terminate
from devstack.settings import DevstackSettings
from minqing_kit.kafka_access import ADMIN_USER, SERVICE_NAMES, ensure_services
from minqing_kit.kafka_auth import SCRAM_MECHANISM, KafkaConnection

READY_TOPIC = "__devstack_ready"


def _pom_digest(settings: DevstackSettings) -> str:
    return hashlib.sha256(settings.kafka_pom.read_bytes()).hexdigest()[:16]


def libs_dir(settings: DevstackSettings) -> Path:
    return settings.kafka_libs_cache / _pom_digest(settings)


def ensure_jars(settings: DevstackSettings) -> Path:
    """Resolve the broker's jars with Maven unless this pom's jars are already cached."""
    target = libs_dir(settings)
    marker = target / ".complete"
    if marker.exists():
        return target
    if shutil.which(settings.mvn) is None:
        raise StackError(f"Maven ('{settings.mvn}') not found: install it (apt-get install maven)")
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    proc = subprocess.run(
        [settings.mvn, "-q", "-B", "-f", str(settings.kafka_pom), "dependency:copy-dependencies",
         f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise StackError("Maven could not resolve the Kafka jars:\n" + (proc.stdout + proc.stderr)[-4000:])
    (tmp / ".complete").write_text(_pom_digest(settings))
    if target.exists():  # another process won the race; keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.rename(target)
    return target


def server_properties(settings: DevstackSettings) -> str:
    host = "127.0.0.1"
    return "\n".join([
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@{host}:{settings.kafka_controller_port}",
        f"listeners=PLAINTEXT://{host}:{settings.kafka_port},CONTROLLER://{host}:{settings.kafka_controller_port}",
        f"advertised.listeners=PLAINTEXT://{host}:{settings.kafka_port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={settings.kafka_dir / 'data'}",
        "num.partitions=3",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=10",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=4",
        "group.initial.rebalance.delay.ms=0",
        # Topics are created by the project with their partitions and retention, never implicitly.
        "auto.create.topics.enable=false",
        "",
    ])


CONTROLLER_USER = "controller"


def credentials(settings: DevstackSettings) -> dict[str, str]:
    """The stack's Kafka passwords, generated on first use (and for any service added since)."""
    path = settings.kafka_credentials_file
    creds: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [user for user in (ADMIN_USER, CONTROLLER_USER, *SERVICE_NAMES) if user not in creds]
    if missing:
        creds.update({user: secrets.token_urlsafe(24) for user in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps(creds, indent=1))
        tmp.replace(path)
    return creds


def admin_connection(settings: DevstackSettings) -> KafkaConnection:
    """The super user's connection: devstack and the tests only (topics, users, test helpers)."""
    return KafkaConnection(settings.kafka_bootstrap, ADMIN_USER, credentials(settings)[ADMIN_USER])


def service_connection(settings: DevstackSettings, service: str) -> KafkaConnection:
    return KafkaConnection(settings.kafka_bootstrap, service, credentials(settings)[service])


def security_properties(settings: DevstackSettings) -> str:
    """SASL on both listeners and ACL authorization; overrides the protocol map of `server_properties`
    (later keys win), whatever listeners it declares (named PLAINTEXT and CONTROLLER)."""
    creds = credentials(settings)
    scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain_login = "org.apache.kafka.common.security.plain.PlainLoginModule"
    controller_pw = creds[CONTROLLER_USER]
    return "\n".join([
        "# -- security (devstack.kafka.security_properties) --",
        "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT",
        f"sasl.enabled.mechanisms={SCRAM_MECHANISM}",
        f"sasl.mechanism.inter.broker.protocol={SCRAM_MECHANISM}",
        f"listener.name.plaintext.sasl.enabled.mechanisms={SCRAM_MECHANISM}",
        f"listener.name.plaintext.{SCRAM_MECHANISM.lower()}.sasl.jaas.config={scram_login} required"
        f' username="{ADMIN_USER}" password="{creds[ADMIN_USER]}";',
        "sasl.mechanism.controller.protocol=PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
        f"listener.name.controller.plain.sasl.jaas.config={plain_login} required"
        f' username="{CONTROLLER_USER}" password="{controller_pw}" user_{CONTROLLER_USER}="{controller_pw}";',
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        f"super.users=User:{ADMIN_USER};User:{CONTROLLER_USER}",
        "",
    ])


def bootstrap_access(settings: DevstackSettings) -> None:
    """Create the services' SCRAM users and their ACLs (idempotent; after the broker answers)."""
    from minqing_kit.kafka_access import admin_client

    creds = credentials(settings)
    with admin_client(admin_connection(settings)) as client:
        ensure_services(client, {name: creds[name] for name in SERVICE_NAMES})


class KafkaNode:
    def __init__(self, settings: DevstackSettings) -> None:
        self.settings = settings
        self.dir = settings.kafka_dir
        self.props = self.dir / "server.properties"
        self.log_file = self.dir / "kafka.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def _java(self) -> str:
        java = shutil.which(self.settings.java)
        if java is None:
            raise StackError(f"Java not found at '{self.settings.java}': Kafka needs Java 17+ (apt-get install openjdk-17-jre-headless)")
        return java

    def _classpath(self) -> str:
        return str(ensure_jars(self.settings)) + "/*"

    def prepare(self) -> None:
        """Resolve jars, write the config and format the storage on first use."""
        java = self._java()
        classpath = self._classpath()
        self.dir.mkdir(parents=True, exist_ok=True)
        had_credentials = self.settings.kafka_credentials_file.exists()
        self.props.write_text(server_properties(self.settings) + security_properties(self.settings))
        self.props.chmod(0o600)  # it holds the admin's and the controller's passwords
        if (self.dir / "data" / "meta.properties").exists():
            if not had_credentials:
                raise StackError(f"{self.dir} was formatted before Kafka had users (SASL/SCRAM): "
                                 "run `python -m devstack wipe` once to recreate it")
            return
        cluster_id = _random_cluster_id()
        admin_scram = f"{SCRAM_MECHANISM}=[name={ADMIN_USER},password={credentials(self.settings)[ADMIN_USER]}]"
        proc = subprocess.run(
            [java, "-cp", classpath, *self._log_opts(), "kafka.tools.StorageTool", "format",
             "-t", cluster_id, "-c", str(self.props), "--ignore-formatted", "--add-scram", admin_scram],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise StackError("Kafka storage format failed:\n" + (proc.stdout + proc.stderr)[-4000:])

    def _log_opts(self) -> list[str]:
        return [f"-Dlog4j.configuration=file:{self.settings.kafka_log4j}", f"-Dkafka.logs.dir={self.dir / 'logs'}"]

    def command(self) -> list[str]:
        heap = self.settings.kafka_heap
        return [self._java(), f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                *self._log_opts(), "-cp", self._classpath(), "kafka.Kafka", str(self.props)]

    def start(self) -> None:
        """Start the broker in the background (used by tests and `devstack up`)."""
        for port in (self.settings.kafka_port, self.settings.kafka_controller_port):
            ensure_port_free(port, "Kafka")
        self.prepare()
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        (self.dir / "kafka.pid").write_text(str(self.proc.pid))

    def wait_ready(self, timeout: float | None = None) -> float:
        """Block until a create-topic/produce/consume round trip succeeds; return seconds waited."""
        timeout = timeout or self.settings.ready_timeout_s
        started = time.monotonic()
        last_error: Exception | None = None
        while time.monotonic() - started < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise StackError(f"Kafka exited with code {self.proc.returncode}.\n" + log_tail(self.log_file))
            if not _accepts(self.settings.kafka_bootstrap):
                # not listening yet: a client would back off for up to 30 s (kafka-python), so wait here
                time.sleep(0.2)
                continue
            try:
                round_trip(admin_connection(self.settings))
                return time.monotonic() - started
            except Exception as exc:  # broker still starting: retry until the deadline
                last_error = exc
                time.sleep(0.5)
        raise StackError(f"Kafka not ready after {timeout:.0f}s ({last_error!r}).\n" + log_tail(self.log_file))

    def stop(self, timeout: float = 30.0) -> None:
        pid = self._pid()
        if pid is None:
            return
        terminate(pid, signal.SIGTERM, timeout, self.proc)  # controlled shutdown
        (self.dir / "kafka.pid").unlink(missing_ok=True)
        self.proc = None

    def _pid(self) -> int | None:
        if self.proc is not None:
            return self.proc.pid
        pid_file = self.dir / "kafka.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _accepts(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def _random_cluster_id() -> str:
    import base64

    while True:  # like Kafka's Uuid.randomUuid: never a leading '-', which the CLI would read as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def round_trip(kafka: KafkaConnection | str) -> None:
    """Create the readiness topic if needed, produce one record and read it back."""
    from minqing_kit.kafka_auth import client_options

    options = client_options(kafka)
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(**options, request_timeout_ms=5000)
    try:
        try:
            admin.create_topics([NewTopic(READY_TOPIC, num_partitions=1, replication_factor=1)])
        except TopicAlreadyExistsError:
            pass
    finally:
        admin.close()
    marker = uuid.uuid4().bytes
    producer = KafkaProducer(**options, acks="all", request_timeout_ms=5000, max_block_ms=5000)
    try:
        meta = producer.send(READY_TOPIC, marker).get(timeout=5)
    finally:
        producer.close()
    consumer = KafkaConsumer(**options, enable_auto_commit=False, consumer_timeout_ms=5000)
    try:
        tp = TopicPartition(READY_TOPIC, 0)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        for record in consumer:
            if record.value == marker:
                return
        raise StackError("readiness record not read back")
    finally:
        consumer.close()
