"""Composition root of the reporting service: wires the runtime's resources for queries and ingest.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from minqing_contract.divisions import County, load_county
from minqing_kit.clock import Clock, system_clock
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel
from services.reporting.domain.ranking import (
    ComponentWeights,
    PetitionWeights,
    RankingConfig,
    SafetyWeights,
    VolunteerWeights,
)
from services.reporting.settings import ReportingSettings

__all__ = ["MIGRATIONS", "Deps", "bootstrap", "ranking_config"]



def ranking_config(overrides: Mapping[str, Any]) -> RankingConfig:
    """`RankingConfig` from settings (JSON): nested weight groups by name, the rest as they are."""
    groups = {"components": ComponentWeights, "petition": PetitionWeights, "safety": SafetyWeights,
              "volunteer": VolunteerWeights}
    kwargs = {k: groups[k](**v) if k in groups else v for k, v in overrides.items()}
    return RankingConfig(**kwargs)


@dataclass
class Deps:
    pool: asyncpg.Pool
    model: ReadModel
    county: County
    clock: Clock
    ranking: RankingConfig
    settings: ReportingSettings
    dashboard_cache: dict[Any, Any] = field(default_factory=dict)


def bootstrap(pool: asyncpg.Pool, settings: ReportingSettings, clock: Clock | None = None) -> Deps:
    county = load_county()
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    return Deps(pool=pool, model=ReadModel(), county=county, clock=clock or system_clock,
                ranking=ranking_config(settings.reporting_ranking), settings=settings)
