"""Metric names a PromQL expression queries, and the names minqing_kit.metrics exports.

Not a PromQL parser: removes what cannot be a metric name (strings, label matchers, ranges and
offsets, grouping clauses, function calls, keywords, numbers, Grafana variables) and returns the
identifiers left. `promtool check rules` separately proves the expressions parse.
"""

from __future__ import annotations

import re

from prometheus_client.metrics import MetricWrapperBase

from minqing_kit import metrics

#: Series Prometheus itself writes for every target; allowed in rules and panels.
PROMETHEUS_SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
}

_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
}
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def exported_metric_names() -> set[str]:
    """Every series name the services' metrics produce (prometheus_client's suffix rules)."""
    names: set[str] = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            kind = value._type
            names.update(value._name + suffix for suffix in _SUFFIXES[kind])
    return names


def metric_names(expr: str) -> set[str]:
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)  # strings
    s = re.sub(r"\$\{?\w+(?::\w+)?\}?", " ", s)  # Grafana variables ($township, ${__rate_interval})
    s = re.sub(r"\{[^{}]*\}", " ", s)  # label matchers
    s = re.sub(r"\[[^\[\]]*\]", " ", s)  # ranges and subqueries
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", s)  # grouping labels
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    s = re.sub(r"@\s*\w+(?:\(\))?", " ", s)
    s = re.sub(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", " ", s)  # numbers
    names = set()
    for m in _IDENT.finditer(s):
        word = m.group(0)
        if s[m.end():].lstrip().startswith("("):  # function or aggregation call
            continue
        if word.lower() in _KEYWORDS:
            continue
        names.add(word)
    return names
