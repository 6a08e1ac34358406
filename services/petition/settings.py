"""Settings of the petition service (env `MINQING_*`): the kit's base plus statutory clock periods."""

from __future__ import annotations

from pydantic import Field

from minqing_kit.settings import ServiceSettings

from .domain.clocks import PetitionClocks


class PetitionSettings(ServiceSettings):
    service: str = "petition"
    metrics_port: int | None = 9201
    # Statutory periods (《信访工作条例》); configurable because a province may shorten them.
    route_days: int = Field(default=15, ge=1)
    acceptance_notice_days: int = Field(default=15, ge=1)
    objection_workdays: int = Field(default=5, ge=1)
    reply_days: int = Field(default=60, ge=1)
    max_extension_days: int = Field(default=30, ge=1)
    review_request_days: int = Field(default=30, ge=1)
    review_decision_days: int = Field(default=30, ge=1)
    re_review_request_days: int = Field(default=30, ge=1)
    re_review_decision_days: int = Field(default=30, ge=1)
    approaching_days: int = Field(default=3, ge=1)
    rating_days: int | None = Field(default=None, ge=1)
    roll_over_rest_days: bool = False
    group_threshold: int = Field(default=5, ge=2)
    watcher_interval_seconds: float = Field(default=60.0, gt=0)
    public_lookups_per_minute: int = Field(default=30, ge=1)
    """Rate limit of the unauthenticated receipt lookup, per client address."""
    public_failures_per_hour: int = Field(default=20, ge=1)
    """Wrong receipt answers (code + phone digits) one client address may give per hour (then 429)."""

    def clocks(self) -> PetitionClocks:
        return PetitionClocks(
            route_days=self.route_days, acceptance_notice_days=self.acceptance_notice_days,
            objection_workdays=self.objection_workdays, reply_days=self.reply_days,
            max_extension_days=self.max_extension_days, review_request_days=self.review_request_days,
            review_decision_days=self.review_decision_days, re_review_request_days=self.re_review_request_days,
            re_review_decision_days=self.re_review_decision_days, approaching_days=self.approaching_days,
            rating_days=self.rating_days, roll_over_rest_days=self.roll_over_rest_days,
        )
