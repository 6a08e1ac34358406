"""Composition root of the reporting service: wires the runtime's resources for queries and ingest.

Called from the FastAPI lifespan and the worker's main, never at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from minqing_contract.divisions import load_county
from minqing_kit.clock import Clock, system_clock
from services.reporting.adapters.readmodel import MIGRATIONS, ReadModel
from services.reporting.domain.ranking import (
    ComponentWeights,
    LiaisonWeights,
    PetitionWeights,
    RankingConfig,
    SafetyWeights,
    VolunteerWeights,
)
from services.reporting.service_layer.deps import Deps
from services.reporting.settings import ReportingSettings

__all__ = ["MIGRATIONS", "Clock", "Deps", "bootstrap", "ranking_config"]


def ranking_config(overrides: Mapping[str, Any]) -> RankingConfig:
    """`RankingConfig` from settings (JSON): nested weight groups by name, the rest as they are."""
    groups = {"components": ComponentWeights, "petition": PetitionWeights, "safety": SafetyWeights,
              "volunteer": VolunteerWeights, "liaison": LiaisonWeights}
    kwargs = {k: groups[k](**v) if k in groups else v for k, v in overrides.items()}
    return RankingConfig(**kwargs)


def bootstrap(pool: asyncpg.Pool, settings: ReportingSettings, clock: Clock | None = None) -> Deps:
    county = load_county()
    if county.code != settings.county_code:
        raise RuntimeError(f"division file is for county {county.code}, settings say {settings.county_code}")
    return Deps(pool=pool, model=ReadModel(), county=county, clock=clock or system_clock,
                ranking=ranking_config(settings.reporting_ranking), settings=settings)
