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
    ("kafka.strimzi.io/v1beta2", "KafkaUser"): ["spec.authentication.type", "spec.authorization.type",
                                                "spec.authorization.acls"],
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
    assert Counter(o["kind"] for o in crs) == {"Kafka": 1, "KafkaNodePool": 1, "KafkaTopic": 6, "Cluster": 1,
                                               "KafkaUser": len(SERVICES)}  # one topic per stream (identity, liaison too)
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
    for name in ("minqing.petition.events", "minqing.safety.events", "minqing.volunteer.events",
                 "minqing.liaison.events"):
        assert topics[name]["partitions"] == 6 and topics[name]["config"]["retention.ms"] == -1
    assert topics["minqing.deadletter"]["partitions"] == 3
    assert topics["minqing.deadletter"]["config"]["retention.ms"] == 30 * 24 * 3600 * 1000


#: Strimzi's ACL operation names for minqing_kit.kafka_access's.
STRIMZI_OPERATIONS = {"READ": "Read", "WRITE": "Write", "DESCRIBE": "Describe", "IDEMPOTENT_WRITE": "IdempotentWrite",
                      "ALL": "All"}
STRIMZI_RESOURCES = {"topic", "group", "cluster", "transactionalId"}


def _strimzi_rules(user: Obj) -> set[tuple[str, str, bool, str]]:
    """(resource type, name, prefixed, operation) of a KafkaUser's ACLs, checked against Strimzi's schema."""
    out = set()
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        assert resource["type"] in STRIMZI_RESOURCES, resource
        assert set(acl["operations"]) <= set(STRIMZI_OPERATIONS.values()), acl
        if resource["type"] == "cluster":
            assert set(resource) == {"type"}
        else:
            assert resource["patternType"] in ("literal", "prefix") and resource["name"], resource
        for op in acl["operations"]:
            out.add((resource["type"], resource.get("name", "kafka-cluster"), resource.get("patternType") == "prefix", op))
    return out


def _table_rules(rules: list[Any]) -> set[tuple[str, str, bool, str]]:
    return {(r.resource, r.name, r.prefixed, STRIMZI_OPERATIONS[r.operation]) for r in rules}


def test_kafka_signs_in_and_authorizes_each_service_as_the_access_table_says(rendered: list[Obj]) -> None:
    """SCRAM on the listener, `simple` authorization, one KafkaUser per service with exactly the ACLs of
    minqing_kit.kafka_access, and each Deployment signs in as its own service with that user's Secret."""
    from minqing_kit.kafka_access import service, service_rules

    kafka = _by_kind(rendered, "Kafka")["minqing"]["spec"]["kafka"]
    (listener,) = kafka["listeners"]
    assert listener["authentication"] == {"type": "scram-sha-512"}
    assert kafka["authorization"]["type"] == "simple"
    users = _by_kind(rendered, "KafkaUser")
    assert set(users) == set(SERVICES)
    for name, user in users.items():
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "minqing"
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert _strimzi_rules(user) == _table_rules(service_rules(service(name))), name
    for deployment in _by_kind(rendered, "Deployment").values():
        svc = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
        if svc == "web":  # static files: never talks to Kafka
            continue
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["MINQING_KAFKA_USERNAME"]["value"] == svc
        assert env["MINQING_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": svc, "key": "password"}


def test_example_department_user_reads_only_its_streams() -> None:
    from minqing_kit.kafka_access import department_rules

    (user,) = list(yaml.safe_load_all((K8S_DIR / "examples" / "department-kafkauser.yaml").read_text(encoding="utf-8")))
    assert user["kind"] == "KafkaUser" and user["metadata"]["name"] == "dept.emergency"
    for path in CRD_REQUIRED[(user["apiVersion"], user["kind"])]:
        _get(user, path)
    rules = _strimzi_rules(user)
    assert rules == _table_rules(department_rules("emergency", ["safety"]))
    assert {op for *_, op in rules} <= {"Read", "Describe"}  # no write anywhere


def test_postgres_cluster_creates_every_service_database(rendered: list[Obj]) -> None:
    cluster = _by_kind(rendered, "Cluster")["minqing-pg"]
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    created = {initdb["database"]} | {sql.split()[2] for sql in initdb["postInitSQL"]}
    assert created == set(SERVICES)
    assert cluster["spec"]["instances"] >= 3


def test_deployments_probes_resources_and_replicas(rendered: list[Obj]) -> None:
    deployments = _by_kind(rendered, "Deployment")
    services = _by_kind(rendered, "Service")
    assert set(deployments) == {f"{svc}-{role}" for svc in SERVICES for role in ("api", "worker")} | {"web"}
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
    assert images == {"registry.example.gov.cn/minqing/minqing:0.1.0", "registry.example.gov.cn/minqing/minqing-web:0.1.0"}
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
        if name == "web":  # static files only: no forwarded headers read, no settings
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            command = " ".join(c.get("command", []) + c.get("args", []))
            assert "*" not in command and "forwarded-allow-ips" not in command, name
            assert {"configMapRef": {"name": "minqing-config"}} in c["envFrom"], name


def test_one_address_ingress(rendered: list[Obj]) -> None:
    """The Ingress routes /<service>/ to each API (prefix stripped, the API under `--root-path /<service>`),
    over TLS with the operator's certificate, security headers on, public petition routes rate-limited."""
    ingresses = _by_kind(rendered, "Ingress")
    assert set(ingresses) == {"minqing", "minqing-public", "minqing-web"}
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
                      "/petition/public/(.*)": "petition-api", "/(workbench|m|static)(/|$)(.*)": "web"}
    public = ingresses["minqing-public"]["metadata"]["annotations"]
    assert public["nginx.ingress.kubernetes.io/limit-rps"] == "2"
    assert public["nginx.ingress.kubernetes.io/rewrite-target"] == "/public/$1"
    for svc in SERVICES:
        (api_c,) = deployments[f"{svc}-api"]["spec"]["template"]["spec"]["containers"]
        assert api_c["command"][-2:] == ["--root-path", f"/{svc}"]
    headers = _by_kind(rendered, "ConfigMap")["minqing-security-headers"]["data"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_kafka_users_manifest_is_the_access_table_rendered() -> None:
    """deploy/k8s/base/kafka-users.yaml is generated (python -m minqing_kit.kafka_access services --strimzi):
    a row added to the table without regenerating the manifest fails here."""
    from minqing_kit.kafka_access import strimzi_users

    assert (K8S_DIR / "base" / "kafka-users.yaml").read_text(encoding="utf-8") == strimzi_users()


def test_the_ingress_serves_the_built_web_pages(rendered: list[Obj]) -> None:
    """/workbench/, /m/ and /static/ reach the `web` Deployment unchanged (no rewrite), / redirects to the
    workbench; the web server's config serves each SPA with its index.html fallback, as deploy/nginx does,
    and the image bakes that config and the Vite build."""
    import re

    web_ingress = _by_kind(rendered, "Ingress")["minqing-web"]
    notes = web_ingress["metadata"]["annotations"]
    assert "nginx.ingress.kubernetes.io/rewrite-target" not in notes
    assert notes["nginx.ingress.kubernetes.io/app-root"] == "/workbench/"
    (path,) = web_ingress["spec"]["rules"][0]["http"]["paths"]
    pattern = re.compile("^" + path["path"])
    for url in ("/workbench/", "/workbench/static/x.js", "/m/", "/m", "/static/workbench-1.js"):
        assert pattern.match(url), url
    for url in ("/metrics", "/petition/matters", "/mobile/"):
        assert not pattern.match(url), url
    web = _by_kind(rendered, "Deployment")["web"]
    (c,) = web["spec"]["template"]["spec"]["containers"]
    assert c["ports"][0]["containerPort"] == 8080 and c["readinessProbe"]["httpGet"]["path"] == "/workbench/"
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert web["spec"]["replicas"] >= 2 and "web" in _by_kind(rendered, "PodDisruptionBudget")
    service = _by_kind(rendered, "Service")["web"]
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    conf = (K8S_DIR.parent / "nginx" / "web-static.conf").read_text(encoding="utf-8")
    assert "listen 8080;" in conf
    for spa in ("workbench", "m"):
        assert f"try_files $uri /{spa}/index.html;" in conf
    dockerfile = (K8S_DIR.parent / "web.Dockerfile").read_text(encoding="utf-8")
    assert "npm run build" in dockerfile and "web-static.conf" in dockerfile and "nginx-unprivileged" in dockerfile
