"""What the reporting queries and exports need, declared below them; `bootstrap.py` builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minqing_contract.divisions import County
from minqing_kit.clock import Clock
from services.reporting.adapters.readmodel import Pool, ReadModel
from services.reporting.domain.ranking import RankingConfig
from services.reporting.settings import ReportingSettings


@dataclass
class Deps:
    pool: Pool
    model: ReadModel
    county: County
    clock: Clock
    ranking: RankingConfig
    settings: ReportingSettings
    dashboard_cache: dict[Any, Any] = field(default_factory=dict)
