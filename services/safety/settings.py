"""Settings of the safety service (env `MINQING_*`)."""

from __future__ import annotations

from pydantic import Field

from minqing_kit.settings import ServiceSettings


class SafetySettings(ServiceSettings):
    service: str = "safety"
    metrics_port: int | None = 9202
    #: How often the worker looks for overdue hazards and refreshes the hazard/suspension gauges.
    safety_overdue_interval_seconds: float = Field(default=60.0, gt=0)
    #: Most hazards one watcher pass notifies (the rest follow on the next pass).
    safety_overdue_batch: int = Field(default=500, gt=0)
