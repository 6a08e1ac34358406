"""Settings of the liaison service (env `MINQING_*`)."""

from __future__ import annotations

from pydantic import Field, field_validator

from minqing_kit.settings import ServiceSettings
from services.liaison.domain.presence_rule import DEFAULT_SEASONS, SeasonalRule

DEFAULT_SEASONS_TEXT = ",".join(f"{s.month:02d}-{s.day:02d}:{s.minimum}" for s in DEFAULT_SEASONS)


class LiaisonSettings(ServiceSettings):
    service: str = "liaison"
    metrics_port: int | None = 9206
    #: The seasonal weekly minimum in the village, `MM-DD:days` per season (domain/presence_rule.py).
    liaison_seasons: str = DEFAULT_SEASONS_TEXT
    #: How often the worker closes ended weeks and refreshes the short-streak gauge (seconds).
    liaison_week_close_interval_seconds: float = Field(default=300.0, gt=0)
    #: Faust app id of nothing yet: the liaison worker consumes no topic (it runs the relay and the timer).
    liaison_worker_id: str = "minqing-liaison-worker"

    @field_validator("liaison_seasons")
    @classmethod
    def _parses(cls, value: str) -> str:
        SeasonalRule.parse(value)
        return value

    def seasonal_rule(self) -> SeasonalRule:
        return SeasonalRule.parse(self.liaison_seasons)
