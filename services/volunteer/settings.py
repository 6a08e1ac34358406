"""Settings of the volunteer service (env `MINQING_*`)."""

from __future__ import annotations

from pydantic import Field

from minqing_kit.settings import ServiceSettings


class VolunteerSettings(ServiceSettings):
    service: str = "volunteer"
    metrics_port: int | None = 9203
    #: A dispatched request not accepted within this time escalates one level up (minutes; may be
    #: fractional so tests can use seconds).
    volunteer_accept_timeout_minutes: float = Field(default=30, gt=0)
    #: How often the worker looks for requests to escalate and refreshes the pending gauge.
    volunteer_escalation_interval_seconds: float = Field(default=15.0, gt=0)
    #: Faust app id (Kafka consumer group of the auto-dispatch agent).
    volunteer_worker_id: str = "minqing-volunteer-worker"
