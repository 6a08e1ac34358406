"""`python -m devstack`: start, wait for, stop and wipe the local Kafka and PostgreSQL.

    python -m devstack setup          resolve Kafka jars, install PostgreSQL if missing
    python -m devstack up             start both in the background and wait until ready
    python -m devstack up --brokers 3 the same with a three-node Kafka cluster (RF 3, min.insync 2)
    python -m devstack wait           wait until both answer (round trip / SELECT 1)
    python -m devstack status         show what runs
    python -m devstack down           stop both (controlled shutdown)
    python -m devstack wipe           stop both and delete their data
    python -m devstack run kafka      run one in the foreground (for the honcho Procfile)
    python -m devstack service petition api|worker   run a service process against the stack
    python -m devstack proxy          nginx in the foreground: the one address http://127.0.0.1:8100/
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from devstack.errors import StackError
from devstack.kafka import KafkaNode, ensure_jars, kafka_for
from devstack.postgres import PostgresNode, find_pg_bin
from devstack.settings import DevstackSettings, load_settings
from devstack.stack import Stack


def _say(msg: str) -> None:
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def post_start_kafka(settings: DevstackSettings) -> None:
    """Create the project's topics once the broker answers (the contract owns their list)."""
    try:
        from minqing_contract.topics import create_topics
    except ImportError:  # contract not present yet
        return
    from devstack.kafka import admin_connection, bootstrap_access

    created = create_topics(admin_connection(settings), settings.kafka_replication_factor, settings.kafka_min_insync)
    bootstrap_access(settings)
    if created:
        _say(f"devstack: created topics {', '.join(created)}")


def run_foreground(component: str, settings: DevstackSettings) -> int:
    """Start one component as a child, make it ready, then wait on it, forwarding stop signals."""
    node = kafka_for(settings) if component == "kafka" else PostgresNode(settings)
    node.start()
    assert node.proc is not None
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        node.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        waited = node.wait_ready()
        if isinstance(node, PostgresNode):
            node.create_databases()
            _say(f"devstack: PostgreSQL ready on {settings.pg_dsn()} after {waited:.1f}s")
        else:
            post_start_kafka(settings)
            _say(f"devstack: Kafka ready on {settings.kafka_bootstrap} after {waited:.1f}s")
    except StackError as exc:
        if stopping:
            return 0
        _say(f"devstack: {component} failed to start: {exc}")
        node.stop()
        return 1
    while node.proc is not None and node.proc.poll() is None:
        time.sleep(0.5)
    return 0 if stopping else (node.proc.returncode if node.proc else 0)


def up(settings: DevstackSettings) -> None:
    stack = Stack(settings)
    stack.start()
    post_start_kafka(settings)
    mode = f"{settings.kafka_brokers} brokers" if settings.kafka_brokers > 1 else "1 broker"
    _say(f"devstack: up in {stack.timings['total_s']:.1f}s — Kafka ({mode}) {settings.kafka_bootstrap}, "
         f"PostgreSQL {settings.pg_dsn()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup", "up", "wait", "status", "down", "wipe", "run", "service", "proxy"])
    parser.add_argument("component", nargs="?", help="kafka|postgres (run), or a service name (service)")
    parser.add_argument("role", nargs="?", choices=["api", "worker"], help="for `service`")
    parser.add_argument("--brokers", type=int, choices=[1, 3], default=None,
                        help="Kafka nodes: 1 (default) or 3 (a cluster; remembered by down/status/service)")
    args = parser.parse_args(argv)
    settings = load_settings(args.brokers)
    try:
        if args.command == "setup":
            t0 = time.monotonic()
            ensure_jars(settings)
            find_pg_bin(settings)
            _say(f"devstack: Kafka jars and PostgreSQL present ({time.monotonic() - t0:.1f}s)")
        elif args.command == "up":
            up(settings)
        elif args.command == "wait":
            kafka_for(settings).wait_ready()
            PostgresNode(settings).wait_ready()
            _say("devstack: Kafka and PostgreSQL ready")
        elif args.command == "status":
            nodes: list[KafkaNode | PostgresNode] = [KafkaNode(settings, i) for i in range(1, settings.kafka_brokers + 1)]
            for node in (*nodes, PostgresNode(settings)):
                pid = node._pid()
                label = f"KafkaNode {node.node_id}" if isinstance(node, KafkaNode) else type(node).__name__
                _say(f"{label}: {'running, pid ' + str(pid) if pid else 'stopped'}")
        elif args.command == "down":
            kafka_for(settings).stop()
            PostgresNode(settings).stop()
            _say("devstack: stopped")
        elif args.command == "wipe":
            kafka_for(settings).wipe()
            PostgresNode(settings).wipe()
            # the demo's "history loaded" marker describes the data just deleted: the next
            # ./scripts/platform makes the history again instead of carrying on live with an empty county
            settings.demo_history_marker.unlink(missing_ok=True)
            _say(f"devstack: wiped {settings.home}")
        elif args.command == "service":
            from devstack.services import run_service

            if args.component is None or args.role is None:
                parser.error("service needs a service name and a role: e.g. service petition api")
            return run_service(args.component, args.role)
        elif args.command == "proxy":
            from devstack.proxy import run_proxy

            return run_proxy(settings)
        elif args.command == "run":
            if args.component not in ("kafka", "postgres"):
                parser.error("run needs a component: kafka or postgres")
            return run_foreground(args.component, settings)
    except StackError as exc:
        _say(f"devstack: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
