"""Reads the worker needs through the unit of work's repositories (no SQL here)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork


async def stationings_with_weeks_due(uow: LiaisonUnitOfWork, today: date, limit: int = 200) -> list[UUID]:
    async with uow:
        return await uow.stationings.with_weeks_due(today, limit)
