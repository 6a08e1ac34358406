"""The per-node Kafka properties of single and cluster mode (pure: no process started)."""

from __future__ import annotations

from pathlib import Path

from devstack.kafka import node_dir, server_properties
from devstack.settings import DevstackSettings


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_single_node_keeps_one_replica_and_its_folder(tmp_path: Path) -> None:
    s = DevstackSettings(home=tmp_path, kafka_port=19092, kafka_controller_port=19093)
    p = _props(server_properties(s))
    assert s.kafka_bootstrap == "127.0.0.1:19092"
    assert p["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert (p["offsets.topic.replication.factor"], p["min.insync.replicas"]) == ("1", "1")
    assert node_dir(s) == s.kafka_dir


def test_three_nodes_form_one_quorum_with_replicated_internal_topics(tmp_path: Path) -> None:
    s = DevstackSettings(home=tmp_path, kafka_brokers=3, kafka_port=19092, kafka_controller_port=19093,
                         kafka_node_ports=(19102, 19112), kafka_node_controller_ports=(19103, 19113))
    assert s.kafka_bootstrap == "127.0.0.1:19092,127.0.0.1:19102,127.0.0.1:19112"
    assert (s.kafka_replication_factor, s.kafka_min_insync) == (3, 2)
    nodes = [_props(server_properties(s, i)) for i in (1, 2, 3)]
    voters = "1@127.0.0.1:19093,2@127.0.0.1:19103,3@127.0.0.1:19113"
    assert {p["controller.quorum.voters"] for p in nodes} == {voters}
    assert [p["node.id"] for p in nodes] == ["1", "2", "3"]
    assert [p["advertised.listeners"] for p in nodes] == [f"PLAINTEXT://127.0.0.1:{port}" for port in (19092, 19102, 19112)]
    assert len({p["log.dirs"] for p in nodes}) == 3
    for p in nodes:
        assert (p["offsets.topic.replication.factor"], p["transaction.state.log.min.isr"]) == ("3", "2")
        assert (p["default.replication.factor"], p["min.insync.replicas"]) == ("3", "2")


def test_cluster_ports_default_to_steps_of_ten(tmp_path: Path) -> None:
    s = DevstackSettings(home=tmp_path, kafka_brokers=3)
    assert s.kafka_ports() == [(9092, 9093), (9102, 9103), (9112, 9113)]
