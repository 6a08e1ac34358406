"""Prometheus configuration and alert rules: promtool accepts them, the unit tests pass, every
process is scraped and every alert uses only names the services export."""

from __future__ import annotations

import re

import yaml

from .conftest import PROMETHEUS_DIR, SERVICES, run
from .promql import PROMETHEUS_SYNTHETIC, exported_metric_names, metric_names

CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULES = PROMETHEUS_DIR / "alerts.yml"
RULE_TESTS = PROMETHEUS_DIR / "alerts_test.yml"

REQUIRED_ALERTS = {
    "MinqingServiceDown", "MinqingOutboxStale", "MinqingConsumerLagGrowing", "MinqingDeadLetters",
    "MinqingPetitionsOverdueRising", "MinqingHazardsOverdueRising", "MinqingFatalAccident",
    "MinqingWorkdayCalendarMissing", "MinqingCadresShortTwoWeeks",
}


def _rules() -> list[dict]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_promtool_check_config(promtool: str) -> None:
    out = run([promtool, "check", "config", str(CONFIG)])
    assert "SUCCESS" in out.stdout + out.stderr


def test_promtool_check_rules(promtool: str) -> None:
    out = run([promtool, "check", "rules", str(RULES)])
    assert f"SUCCESS: {len(_rules())} rules found" in out.stdout


def test_promtool_test_rules(promtool: str) -> None:
    out = run([promtool, "test", "rules", str(RULE_TESTS)])
    assert "SUCCESS" in out.stdout + out.stderr


def test_every_process_is_scraped() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    expected = {f"{svc}-api:{api}" for svc, (api, _) in SERVICES.items()}
    expected |= {f"{svc}-worker:{worker}" for svc, (_, worker) in SERVICES.items()}
    expected.add("localhost:9090")
    assert targets == expected
    assert config["rule_files"] == ["alerts.yml"]


def test_required_alerts_exist_with_severity_and_bilingual_annotations() -> None:
    rules = {rule["alert"]: rule for rule in _rules()}
    assert set(rules) == REQUIRED_ALERTS
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        for key in ("summary", "description"):
            text = rule["annotations"][key]
            assert re.search(r"[\u4e00-\u9fff]", text), f"{name}.{key} has no Chinese"
            parts = re.split(r"\s*/ ", text, maxsplit=1)  # "中文 / English"
            assert len(parts) == 2 and re.search(r"[A-Za-z]{4,}", parts[1]), f"{name}.{key} has no English"
    assert rules["MinqingServiceDown"]["for"] == "1m"
    assert "> 60" in rules["MinqingOutboxStale"]["expr"]
    assert "> 1000" in rules["MinqingConsumerLagGrowing"]["expr"]
    assert 'fatal="true"' in rules["MinqingFatalAccident"]["expr"]


def test_every_rule_is_unit_tested_firing_and_quiet() -> None:
    doc = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in doc["tests"]:
        for check in case["alert_rule_test"]:
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    assert firing == REQUIRED_ALERTS
    assert quiet == REQUIRED_ALERTS


def test_alert_rules_use_only_exported_metrics() -> None:
    exported = exported_metric_names() | PROMETHEUS_SYNTHETIC
    for rule in _rules():
        used = metric_names(rule["expr"])
        assert used, f"{rule['alert']}: no metric found in {rule['expr']!r}"
        assert used <= exported, f"{rule['alert']} queries unknown metrics {sorted(used - exported)}"


def test_metric_name_extraction() -> None:
    """The extractor the two checks above rely on."""
    assert metric_names('histogram_quantile(0.99, sum by (service, le) (rate(a_bucket{x="y z"}[5m])))') == {"a_bucket"}
    assert metric_names("sum(x offset 1h) or vector(0) unless on (a) b_total") == {"x", "b_total"}
    assert metric_names('max by (township) (g{township=~"$township"}[$__rate_interval])') == {"g"}
    assert "minqing_events_dead_lettered_total" in exported_metric_names()
    assert "minqing_events_dead_lettered" not in exported_metric_names()
    assert "minqing_http_request_duration_seconds_bucket" in exported_metric_names()
