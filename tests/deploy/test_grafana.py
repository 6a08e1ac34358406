"""Grafana: provisioning points at the dashboards, dashboards query only exported metrics and their
queries parse (promtool checks them as recording rules)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .conftest import GRAFANA_DIR, run
from .promql import PROMETHEUS_SYNTHETIC, exported_metric_names, metric_names

DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))


def _targets(dashboard: dict) -> list[tuple[str, str]]:
    out = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                out.append((inner["title"], target["expr"]))
    return out


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_dashboards_exist() -> None:
    assert {p.name for p in DASHBOARDS} == {"operations.json", "county.json"}
    uids = [_load(p)["uid"] for p in DASHBOARDS]
    assert len(set(uids)) == len(uids)


def test_provisioning_wires_prometheus_and_dashboards() -> None:
    ds = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/prometheus.yml").read_text(encoding="utf-8"))
    (source,) = ds["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    prov = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/minqing.yml").read_text(encoding="utf-8"))
    (provider,) = prov["providers"]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    for path in DASHBOARDS:
        for panel in _load(path)["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == source["uid"], panel["title"]


def test_every_panel_queries_exported_metrics() -> None:
    exported = exported_metric_names() | PROMETHEUS_SYNTHETIC
    for path in DASHBOARDS:
        targets = _targets(_load(path))
        assert targets, path.name
        for title, expr in targets:
            used = metric_names(expr)
            assert used, f"{path.name} / {title}: no metric in {expr!r}"
            assert used <= exported, f"{path.name} / {title} queries unknown metrics {sorted(used - exported)}"


def test_operations_dashboard_covers_the_brief() -> None:
    exprs = " ".join(e for _, e in _targets(_load(GRAFANA_DIR / "dashboards/operations.json")))
    assert re.search(r"histogram_quantile\(0\.99,.*minqing_http_request_duration_seconds_bucket", exprs)
    for name in ("minqing_http_requests_total", "minqing_events_published_total", "minqing_events_consumed_total",
                 "minqing_consumer_lag_messages", "minqing_outbox_backlog", "minqing_outbox_oldest_age_seconds",
                 "minqing_events_dead_lettered_total"):
        assert name in exprs, name


def test_county_dashboard_shows_every_business_gauge_by_township() -> None:
    dashboard = _load(GRAFANA_DIR / "dashboards/county.json")
    exprs = " ".join(e for _, e in _targets(dashboard))
    for name in ("minqing_petitions_open", "minqing_petitions_overdue", "minqing_hazards_open", "minqing_hazards_overdue",
                 "minqing_enterprises_suspended", "minqing_volunteer_requests_pending", "minqing_accidents_reported_total"):
        assert name in exprs, name
    assert "by (township)" in exprs
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["township"]


def test_panel_queries_parse(promtool: str, tmp_path: Path) -> None:
    rules = []
    for path in DASHBOARDS:
        for n, (_, expr) in enumerate(_targets(_load(path))):
            concrete = expr.replace("$__rate_interval", "1m").replace("$township", ".*")
            rules.append({"record": f"dashboard:{path.stem}:{n}", "expr": concrete})
    rule_file = tmp_path / "panels.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}), encoding="utf-8")
    out = run([promtool, "check", "rules", str(rule_file)])
    assert f"SUCCESS: {len(rules)} rules found" in out.stdout
