"""Kubernetes manifests (kustomize): render base and production overlay, validate built-in kinds with
kubernetes-validate (strict schemas) and the Strimzi / CloudNativePG custom resources structurally,
and check what the deployment promises: replicas, probes, resources, topics matching the contract."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from typing import Any

import kubernetes_validate
import pytest
import yaml

from minqing_contract.topics import ALL_TOPICS

from .conftest import K8S_DIR, SERVICES
from .kustomize import render

BASE = K8S_DIR / "base"
PRODUCTION = K8S_DIR / "overlays" / "production"
# Oldest and newest Kubernetes releases the manifests are checked against.
K8S_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())

Obj = dict[str, Any]

CRD_REQUIRED: dict[tuple[str, str], list[str]] = {
    ("kafka.strimzi.io/v1beta2", "Kafka"): ["spec.kafka.version", "spec.kafka.listeners", "spec.entityOperator"],
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"): ["spec.replicas", "spec.roles", "spec.storage.type"],
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): ["spec.partitions", "spec.replicas", "spec.config"],
    ("postgresql.cnpg.io/v1", "Cluster"): ["spec.instances", "spec.storage.size", "spec.bootstrap.initdb.database"],
}


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request: pytest.FixtureRequest) -> list[Obj]:
    return render(BASE if request.param == "base" else PRODUCTION)


def _get(obj: Obj, dotted: str) -> Any:
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(dotted)
        cur = cur[part]
    return cur


def _by_kind(objs: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _is_builtin(obj: Obj) -> bool:
    return (obj["apiVersion"], obj["kind"]) not in CRD_REQUIRED


def test_unique_and_namespaced(rendered: list[Obj]) -> None:
    keys = Counter((o["kind"], o["metadata"]["name"]) for o in rendered)
    assert all(n == 1 for n in keys.values()), keys
    for obj in rendered:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "minqing", obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "minqing"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_builtin_kinds_validate(rendered: list[Obj], version: str) -> None:
    builtin = [o for o in rendered if _is_builtin(o)]
    assert {o["kind"] for o in builtin} >= {"Namespace", "ConfigMap", "Secret", "Deployment", "Service",
                                             "PodDisruptionBudget"}
    for obj in builtin:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} invalid for Kubernetes {version}: {exc.message} "
                        f"at {'.'.join(map(str, exc.path))}", pytrace=False)


def test_custom_resources_are_structurally_complete(rendered: list[Obj]) -> None:
    crs = [o for o in rendered if not _is_builtin(o)]
    assert Counter(o["kind"] for o in crs) == {"Kafka": 1, "KafkaNodePool": 1, "KafkaTopic": 5, "Cluster": 1}  # one per stream (identity too) + dead letters
    for obj in crs:
        for path in CRD_REQUIRED[(obj["apiVersion"], obj["kind"])]:
            _get(obj, path)  # KeyError names the missing field
        if obj["apiVersion"].startswith("kafka.strimzi.io") and obj["kind"] != "Kafka":
            assert obj["metadata"]["labels"]["strimzi.io/cluster"] == "minqing", obj["metadata"]["name"]


def test_kafka_is_a_three_node_kraft_cluster(rendered: list[Obj]) -> None:
    kafka = _by_kind(rendered, "Kafka")["minqing"]
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert "zookeeper" not in kafka["spec"]
    (pool,) = _by_kind(rendered, "KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False


def test_topics_match_the_contract(rendered: list[Obj]) -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in _by_kind(rendered, "KafkaTopic").values()}
    assert set(topics) == {spec.name for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        assert topics[spec.name]["partitions"] == spec.partitions
        assert str(topics[spec.name]["config"]["retention.ms"]) == spec.config["retention.ms"]
    for name in ("minqing.petition.events", "minqing.safety.events", "minqing.volunteer.events"):
        assert topics[name]["partitions"] == 6 and topics[name]["config"]["retention.ms"] == -1
    assert topics["minqing.deadletter"]["partitions"] == 3
    assert topics["minqing.deadletter"]["config"]["retention.ms"] == 30 * 24 * 3600 * 1000


def test_postgres_cluster_creates_every_service_database(rendered: list[Obj]) -> None:
    cluster = _by_kind(rendered, "Cluster")["minqing-pg"]
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    created = {initdb["database"]} | {sql.split()[2] for sql in initdb["postInitSQL"]}
    assert created == set(SERVICES)
    assert cluster["spec"]["instances"] >= 3


def test_deployments_probes_resources_and_replicas(rendered: list[Obj]) -> None:
    deployments = _by_kind(rendered, "Deployment")
    services = _by_kind(rendered, "Service")
    assert set(deployments) == {f"{svc}-{role}" for svc in SERVICES for role in ("api", "worker")}
    for svc, (api_port, worker_port) in SERVICES.items():
        api, worker = deployments[f"{svc}-api"], deployments[f"{svc}-worker"]
        assert 2 <= api["spec"]["replicas"] <= 3
        assert worker["spec"]["replicas"] >= 2
        (api_c,) = api["spec"]["template"]["spec"]["containers"]
        (worker_c,) = worker["spec"]["template"]["spec"]["containers"]
        assert api_c["command"][:2] == ["uvicorn", f"services.{svc}.entrypoints.api:app"]
        assert api_c["ports"][0]["containerPort"] == api_port
        assert api_c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert api_c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert worker_c["command"] == ["python", "-m", f"services.{svc}.entrypoints.worker"]
        assert worker_c["ports"][0]["containerPort"] == worker_port
        for c in (api_c, worker_c):
            assert {"livenessProbe", "readinessProbe"} <= set(c)
            assert set(c["resources"]) == {"requests", "limits"}
            assert {"cpu", "memory"} <= set(c["resources"]["limits"])
            env = {e["name"]: e for e in c["env"]}
            assert env["MINQING_DATABASE_URL"]["value"] == f"postgresql://minqing-pg-rw:5432/{svc}"
            assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "minqing-pg-app"
            assert {"configMapRef": {"name": "minqing-config"}} in c["envFrom"]
            assert {"secretRef": {"name": "minqing-secrets"}} in c["envFrom"]
        for name, d in ((f"{svc}-api", api), (f"{svc}-worker-metrics", worker)):
            assert services[name]["spec"]["selector"] == d["spec"]["selector"]["matchLabels"]
            assert d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()


def test_production_overlay_scales_out_and_pins_the_image() -> None:
    base = _by_kind(render(BASE), "Deployment")
    prod = _by_kind(render(PRODUCTION), "Deployment")
    for svc in SERVICES:
        assert prod[f"{svc}-api"]["spec"]["replicas"] == 3 > base[f"{svc}-api"]["spec"]["replicas"]
    for name in ("volunteer-worker", "reporting-worker"):
        assert prod[name]["spec"]["replicas"] == 3
    images = {c["image"] for d in prod.values() for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {"registry.example.gov.cn/minqing/minqing:0.1.0"}
    (worker_c,) = prod["reporting-worker"]["spec"]["template"]["spec"]["containers"]
    assert worker_c["resources"]["limits"]["memory"] == "1536Mi"
    assert worker_c["livenessProbe"]  # strategic merge kept the rest of the container


def test_renderer_matches_kubectl_kustomize_where_installed() -> None:
    """The suite renders with tests/deploy/kustomize.py; where kubectl exists, it must agree exactly."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return  # the Python renderer above is the suite's renderer; nothing further to compare with
    for directory in (BASE, PRODUCTION):
        out = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True,
                             timeout=60)
        theirs = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(out.stdout) if o}
        ours = {(o["kind"], o["metadata"]["name"]): o for o in render(directory)}
        assert ours == theirs, directory


def test_forwarded_headers_are_trusted_only_from_configured_proxies(rendered: list[Obj]) -> None:
    """Before: `--forwarded-allow-ips "*"` let any client pick its address with X-Forwarded-For and so
    bypass the public lookup's rate limit."""
    config = _by_kind(rendered, "ConfigMap")["minqing-config"]["data"]
    allowed = config["FORWARDED_ALLOW_IPS"]
    assert allowed and "*" not in allowed
    for name, d in _by_kind(rendered, "Deployment").items():
        for c in d["spec"]["template"]["spec"]["containers"]:
            command = " ".join(c.get("command", []) + c.get("args", []))
            assert "*" not in command and "forwarded-allow-ips" not in command, name
            assert {"configMapRef": {"name": "minqing-config"}} in c["envFrom"], name


def test_one_address_ingress(rendered: list[Obj]) -> None:
    """The Ingress routes /<service>/ to each API (prefix stripped, the API under `--root-path /<service>`),
    over TLS with the operator's certificate, security headers on, public petition routes rate-limited."""
    ingresses = _by_kind(rendered, "Ingress")
    assert set(ingresses) == {"minqing", "minqing-public"}
    deployments = _by_kind(rendered, "Deployment")
    routed = {}
    for ingress in ingresses.values():
        spec, notes = ingress["spec"], ingress["metadata"]["annotations"]
        assert spec["ingressClassName"] == "nginx"
        assert spec["tls"][0]["secretName"] == "minqing-tls"
        assert notes["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"
        assert notes["nginx.ingress.kubernetes.io/custom-headers"] == "minqing/minqing-security-headers"
        for path in spec["rules"][0]["http"]["paths"]:
            routed[path["path"]] = path["backend"]["service"]["name"]
    assert routed == {**{f"/{svc}(/|$)(.*)": f"{svc}-api" for svc in SERVICES},
                      "/petition/public/(.*)": "petition-api"}
    public = ingresses["minqing-public"]["metadata"]["annotations"]
    assert public["nginx.ingress.kubernetes.io/limit-rps"] == "2"
    assert public["nginx.ingress.kubernetes.io/rewrite-target"] == "/public/$1"
    for svc in SERVICES:
        (api_c,) = deployments[f"{svc}-api"]["spec"]["template"]["spec"]["containers"]
        assert api_c["command"][-2:] == ["--root-path", f"/{svc}"]
    headers = _by_kind(rendered, "ConfigMap")["minqing-security-headers"]["data"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
