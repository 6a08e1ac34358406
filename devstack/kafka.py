"""Apache Kafka (KRaft, combined broker + controller nodes) run from Maven-resolved jars.

One node by default; `kafka_brokers=3` runs three combined nodes forming a 3-voter quorum
(`KafkaCluster`, docs/scaling.md), each with its own ports and folder, from the same jars.

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


def node_dir(settings: DevstackSettings, node_id: int = 1) -> Path:
    """The single node keeps `kafka_dir`; cluster nodes get `kafka_dir/node-<id>`."""
    return settings.kafka_dir if settings.kafka_brokers == 1 else settings.kafka_dir / f"node-{node_id}"


def quorum_voters(settings: DevstackSettings) -> str:
    """Every node is a voter (combined mode): 3 voters tolerate one lost controller."""
    return ",".join(f"{i}@127.0.0.1:{controller}" for i, (_, controller) in enumerate(settings.kafka_ports(), 1))


def replication_properties(settings: DevstackSettings) -> list[str]:
    """Internal topics and defaults replicated like the project's topics (1/1 single, 3/2 cluster)."""
    rf, isr = settings.kafka_replication_factor, settings.kafka_min_insync
    return [
        f"default.replication.factor={rf}",
        f"min.insync.replicas={isr}",
        f"offsets.topic.replication.factor={rf}",
        f"transaction.state.log.replication.factor={rf}",
        f"transaction.state.log.min.isr={isr}",
    ]


def server_properties(settings: DevstackSettings, node_id: int = 1) -> str:
    host = "127.0.0.1"
    port, controller_port = settings.kafka_ports()[node_id - 1]
    return "\n".join([
        "process.roles=broker,controller",
        f"node.id={node_id}",
        f"controller.quorum.voters={quorum_voters(settings)}",
        f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        f"advertised.listeners=PLAINTEXT://{host}:{port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={node_dir(settings, node_id) / 'data'}",
        "num.partitions=3",
        *replication_properties(settings),
        "offsets.topic.num.partitions=10",
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
    def __init__(self, settings: DevstackSettings, node_id: int = 1) -> None:
        self.settings = settings
        self.node_id = node_id
        self.port, self.controller_port = settings.kafka_ports()[node_id - 1]
        self.dir = node_dir(settings, node_id)
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

    def prepare(self, cluster_id: str | None = None) -> None:
        """Resolve jars, write the config and format the storage on first use (cluster nodes share an id)."""
        java = self._java()
        classpath = self._classpath()
        self.dir.mkdir(parents=True, exist_ok=True)
        had_credentials = self.settings.kafka_credentials_file.exists()
        self.props.write_text(server_properties(self.settings, self.node_id) + security_properties(self.settings))
        self.props.chmod(0o600)  # it holds the admin's and the controller's passwords
        if (self.dir / "data" / "meta.properties").exists():
            if not had_credentials:
                raise StackError(f"{self.dir} was formatted before Kafka had users (SASL/SCRAM): "
                                 "run `python -m devstack wipe` once to recreate it")
            return
        cluster_id = cluster_id or _random_cluster_id()
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

    def start(self, cluster_id: str | None = None) -> None:
        """Start the broker in the background (used by tests and `devstack up`)."""
        for port in (self.port, self.controller_port):
            ensure_port_free(port, "Kafka")
        self.prepare(cluster_id)
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
            if not _accepts(f"127.0.0.1:{self.port}"):
                # not listening yet: a client would back off for up to 30 s (kafka-python), so wait here
                time.sleep(0.2)
                continue
            try:
                round_trip(admin_connection(self.settings), self.settings.kafka_replication_factor,
                           self.settings.kafka_min_insync, brokers=self.settings.kafka_brokers)
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

    def kill(self) -> None:
        """SIGKILL, no controlled shutdown (the fault tests' lost broker)."""
        pid = self._pid()
        if pid is not None:
            terminate(pid, signal.SIGKILL, 10.0, self.proc)
        (self.dir / "kafka.pid").unlink(missing_ok=True)
        self.proc = None

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
class KafkaCluster:
    """`kafka_brokers` combined nodes from the same jars, one quorum; the same face as `KafkaNode`."""

    def __init__(self, settings: DevstackSettings) -> None:
        self.settings = settings
        self.nodes = [KafkaNode(settings, i) for i in range(1, settings.kafka_brokers + 1)]
        self.dir = settings.kafka_dir
        self.log_file = self.nodes[0].log_file

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return self.nodes[0].proc

    def _cluster_id(self) -> str:
        """One id for every node, kept beside them so a node formatted later joins the same cluster."""
        path = self.dir / "cluster.id"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            path.write_text(_random_cluster_id())
        return path.read_text().strip()

    def start(self) -> None:
        cluster_id = self._cluster_id()
        started: list[KafkaNode] = []
        try:
            for node in self.nodes:
                node.start(cluster_id)
                started.append(node)
        except StackError:
            for node in started:
                node.stop()
            raise

    def node(self, node_id: int) -> KafkaNode:
        return self.nodes[node_id - 1]

    def restart(self, node_id: int) -> None:
        """Start one node again (after `kill`/`stop`), on its own data."""
        self.node(node_id).start(self._cluster_id())

    def wait_ready(self, timeout: float | None = None) -> float:
        """Ready = every node registered and a replicated round trip (acks=all) succeeds."""
        timeout = timeout or self.settings.ready_timeout_s
        started = time.monotonic()
        last_error: Exception | None = None
        while time.monotonic() - started < timeout:
            for node in self.nodes:
                if node.proc is not None and node.proc.poll() is not None:
                    raise StackError(f"Kafka node {node.node_id} exited with code {node.proc.returncode}.\n"
                                     + log_tail(node.log_file))
            try:
                round_trip(admin_connection(self.settings), self.settings.kafka_replication_factor,
                           self.settings.kafka_min_insync, brokers=len(self.nodes))
                return time.monotonic() - started
            except Exception as exc:  # nodes still starting or electing: retry until the deadline
                last_error = exc
                time.sleep(0.5)
        raise StackError(f"Kafka cluster not ready after {timeout:.0f}s ({last_error!r}).\n"
                         + "\n".join(log_tail(n.log_file) for n in self.nodes))

    def stop(self, timeout: float = 30.0) -> None:
        for node in self.nodes:
            node.stop(timeout)

    def pids(self) -> list[int]:
        return [pid for node in self.nodes if (pid := node._pid()) is not None]

    def _pid(self) -> int | None:
        return self.nodes[0]._pid()

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def kafka_for(settings: DevstackSettings) -> KafkaNode | KafkaCluster:
    """The single node, or the cluster when `kafka_brokers` > 1."""
    return KafkaNode(settings) if settings.kafka_brokers == 1 else KafkaCluster(settings)


def _random_cluster_id() -> str:
    import base64

    while True:  # like Kafka's Uuid.randomUuid: never a leading '-', which the CLI would read as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def round_trip(kafka: KafkaConnection | str, replication_factor: int = 1, min_insync: int = 1, *,
               brokers: int = 1) -> None:
    """Create the readiness topic if needed, produce one record and read it back; with `brokers` > 1,
    first require that many brokers registered (a replicated topic needs them)."""
    from minqing_kit.kafka_auth import client_options

    options = client_options(kafka)
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(**options, request_timeout_ms=5000)
    try:
        if brokers > 1:
            registered = len(admin.describe_cluster()["brokers"])
            if registered < brokers:
                raise StackError(f"{registered} of {brokers} brokers registered")
        try:
            admin.create_topics([NewTopic(READY_TOPIC, num_partitions=1, replication_factor=replication_factor,
                                          topic_configs={"min.insync.replicas": str(min_insync)})])
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
