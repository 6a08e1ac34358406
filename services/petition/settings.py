"""Settings of the petition service (env `MINQING_*`): the kit's base plus statutory clock periods."""

from __future__ import annotations

from dataclasses import MISSING, fields

from pydantic import Field

from minqing_kit.settings import ServiceSettings

from .domain.clocks import PetitionClocks

#: `PetitionClocks`' default periods by name (the calendar is not a setting: it is data).
_CLOCKS = {f.name: f.default for f in fields(PetitionClocks) if f.default is not MISSING}


class PetitionSettings(ServiceSettings):
    service: str = "petition"
    metrics_port: int | None = 9201
    # Statutory periods (《信访工作条例》): the domain's defaults (`PetitionClocks`), stated there once;
    # configurable because a province may shorten them.
    route_days: int = Field(default=_CLOCKS["route_days"], ge=1)
    acceptance_notice_days: int = Field(default=_CLOCKS["acceptance_notice_days"], ge=1)
    objection_workdays: int = Field(default=_CLOCKS["objection_workdays"], ge=1)
    reply_days: int = Field(default=_CLOCKS["reply_days"], ge=1)
    max_extension_days: int = Field(default=_CLOCKS["max_extension_days"], ge=1)
    review_request_days: int = Field(default=_CLOCKS["review_request_days"], ge=1)
    review_decision_days: int = Field(default=_CLOCKS["review_decision_days"], ge=1)
    re_review_request_days: int = Field(default=_CLOCKS["re_review_request_days"], ge=1)
    re_review_decision_days: int = Field(default=_CLOCKS["re_review_decision_days"], ge=1)
    approaching_days: int = Field(default=_CLOCKS["approaching_days"], ge=1)
    rating_days: int | None = Field(default=_CLOCKS["rating_days"], ge=1)
    roll_over_rest_days: bool = _CLOCKS["roll_over_rest_days"]
    group_threshold: int = Field(default=5, ge=2)
    watcher_interval_seconds: float = Field(default=60.0, gt=0)
    #: Run the liaison intake in the worker (problems raised on visits → matters); tests of other
    #: parts turn it off so a shared test broker's liaison events do not reach their databases.
    liaison_intake: bool = True
    #: Faust app id (Kafka consumer group) of the liaison intake.
    liaison_intake_id: str = "minqing-petition-liaison-intake"
    public_lookups_per_minute: int = Field(default=30, ge=1)
    """Rate limit of the unauthenticated receipt lookup, per client address."""
    public_failures_per_hour: int = Field(default=20, ge=1)
    """Wrong receipt answers (code + phone digits) one client address may give per hour (then 429)."""

    def clocks(self) -> PetitionClocks:
        return PetitionClocks(**{name: getattr(self, name) for name in _CLOCKS})
