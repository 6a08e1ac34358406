"""Prometheus metrics shared by every service: one registry (the default), one naming scheme.

Names follow Prometheus conventions (`minqing_` prefix, `_total` counters, base units). Labels carry
only bounded values (service, event type, consumer, reason class, route template) — never an id,
township code of a person, or any free text — so cardinality stays small.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from prometheus_client import Counter, Gauge, Histogram

V = TypeVar("V")

EVENTS_PUBLISHED = Counter(
    "minqing_events_published",
    "Events the outbox relay published to Kafka (acknowledged by the broker).",
    ["service", "type"],
)
OUTBOX_BACKLOG = Gauge(
    "minqing_outbox_backlog",
    "Outbox rows written but not yet published.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "minqing_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row (0 when the outbox is empty).",
    ["service"],
)
EVENTS_CONSUMED = Counter(
    "minqing_events_consumed",
    "Events a consumer applied (duplicates excluded).",
    ["consumer", "type"],
)
EVENTS_DUPLICATE = Counter(
    "minqing_events_duplicate",
    "Redelivered events a consumer recognised and skipped.",
    ["consumer"],
)
EVENTS_DEAD_LETTERED = Counter(
    "minqing_events_dead_lettered",
    "Messages a consumer sent to the dead-letter topic, by reason class (decode, schema, domain).",
    ["consumer", "reason"],
)
CONSUMER_LAG = Gauge(
    "minqing_consumer_lag_messages",
    "Messages between a consumer group's position and the partition's high-water mark.",
    ["consumer", "topic", "partition"],
)
HTTP_REQUESTS = Counter(
    "minqing_http_requests",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "minqing_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DEADLINES_FIRED = Counter(
    "minqing_deadline_events",
    "Deadline events (approaching / overdue) emitted by a service's deadline watcher.",
    ["service", "kind"],
)
BACKGROUND_RESTARTS = Counter(
    "minqing_background_restarts",
    "Restarts of a supervised background loop after it crashed (outbox relay, watchers, timers).",
    ["task"],
)
BACKGROUND_HEARTBEAT = Gauge(
    "minqing_background_heartbeat_timestamp_seconds",
    "Unix time of a supervised background loop's last completed cycle.",
    ["task"],
)

# --- Business gauges (issue 8): refreshed from each service's own database by its worker. ---------
# `township` is a 12-digit division code: bounded by the county's size (tens of values).
PETITIONS_OPEN = Gauge("minqing_petitions_open", "Petition matters not yet closed, by township.", ["township"])
PETITIONS_OVERDUE = Gauge("minqing_petitions_overdue", "Petition matters past a statutory deadline, by township.",
                          ["township"])
HAZARDS_OPEN = Gauge("minqing_hazards_open", "Hazards not yet closed (销号), by township and level.",
                     ["township", "level"])
HAZARDS_OVERDUE = Gauge("minqing_hazards_overdue", "Hazards past their rectification deadline, by township.",
                        ["township"])
ENTERPRISES_SUSPENDED = Gauge("minqing_enterprises_suspended", "Enterprises under production suspension, by township.",
                              ["township"])
ACCIDENTS_REPORTED = Counter("minqing_accidents_reported", "Accidents recorded, by township, grade and whether fatal.",
                             ["township", "grade", "fatal"])
VOLUNTEER_REQUESTS_PENDING = Gauge("minqing_volunteer_requests_pending",
                                   "Volunteer requests submitted but not yet accepted by a team, by township.",
                                   ["township"])
LIAISON_CADRES_SHORT = Gauge(
    "minqing_liaison_cadres_short",
    "Stationed cadres whose latest closed weeks fell short of the seasonal minimum, by township and how many weeks"
    " running (1 = the latest week, 2 = two weeks running or more).", ["township", "weeks"])
LIAISON_WEEKS_CLOSED = Counter("minqing_liaison_week_closures",
                               "Cadre-weeks closed against the seasonal minimum, by township and outcome.",
                               ["township", "met"])
WORKDAY_CALENDAR_NEXT_YEAR_MISSING = Gauge(
    "minqing_workday_calendar_next_year_missing",
    "1 when the holiday schedule the county needs next is not entered: next year's in December, this year's"
    " ever (working-day deadlines are then provisional); 0 otherwise.")
ADMISSION_REFUSED = Counter(
    "minqing_http_admission_refused",
    "Requests answered 503 at once because as many as the pool's connections were already in progress.",
)


class TownshipSeries(Generic[V]):
    """The townships a per-township gauge has shown. Each refresh sets every one of them, so a township
    whose count fell to nothing reads `empty` (0) rather than keeping its last value."""

    def __init__(self, empty: V) -> None:
        self.empty = empty
        self.seen: set[str] = set()

    def each(self, counts: Mapping[str, V]) -> list[tuple[str, V]]:
        self.seen |= counts.keys()
        return [(township, counts.get(township, self.empty)) for township in sorted(self.seen)]
