"""Settings of the reporting service (env `MINQING_*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from minqing_kit.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[2]


class ReportingSettings(ServiceSettings):
    service: str = "reporting"
    metrics_port: int | None = 9204
    #: The reporting service publishes nothing: no outbox relay.
    run_relay: bool = False
    #: Consumer name: faust app id, Kafka consumer group and the name in logs and metrics.
    reporting_consumer: str = "reporting"
    #: The live ingest's consumer: "batch" (aiokafka getmany in the group, offsets in PostgreSQL) or the
    #: former "faust" agent (kept for comparison; about 20 times slower, see docs/scaling.md).
    reporting_ingest_engine: Literal["batch", "faust"] = "batch"
    #: Most events one ingest transaction applies, and how long a poll waits for messages.
    reporting_ingest_batch: int = Field(default=10000, gt=0)
    reporting_ingest_within_seconds: float = Field(default=0.2, gt=0)
    #: The dashboard and its live stream without a token (county scope). Unset: on in development and
    #: test, off in production. A token, when sent, always applies its own scope.
    reporting_public_dashboard: bool | None = None
    #: How often the live stream looks at the read models' version counter, and its keep-alive comment.
    reporting_stream_poll_seconds: float = Field(default=1.0, gt=0)
    reporting_stream_ping_seconds: float = Field(default=15.0, gt=0)
    #: Overrides of the ranking formula (JSON), e.g. {"red_top_n": 2, "components": {"petition": 0.5, ...}}.
    reporting_ranking: dict[str, Any] = Field(default_factory=dict)
    #: ECharts served at /dashboard/vendor/echarts.min.js (the npm package; intranets have no internet).
    #: Where a dashboard row opens its case: the petition API (`/matters/{id}`) and the safety API
    #: (`/hazards/{id}`), by default under the platform's one address (the proxy: /petition/, /safety/),
    #: which the dashboard fetches with its own token and shows in a case panel. The workbench will
    #: take their place once it exists.
    reporting_petition_case_url: str = "/petition"
    reporting_safety_case_url: str = "/safety"
    reporting_echarts_file: Path = REPO_ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"
    reporting_dashboard_dir: Path = Path(__file__).resolve().parent / "static" / "dashboard"

    @property
    def public_dashboard(self) -> bool:
        if self.reporting_public_dashboard is not None:
            return self.reporting_public_dashboard
        return self.env != "production"
