"""Reads the worker needs between commands (no state change, nothing published)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from services.volunteer.adapters.unit_of_work import VolunteerUnitOfWork
from services.volunteer.domain.record import VolunteerRecord
from services.volunteer.service_layer.commands import Actor


async def due_for_escalation(uow: VolunteerUnitOfWork, now: datetime, accept_timeout: timedelta) -> list[UUID]:
    async with uow:
        return await uow.requests.due_for_escalation(now - accept_timeout)


async def pending_by_township(uow: VolunteerUnitOfWork) -> dict[str, int]:
    async with uow:
        return await uow.requests.pending_by_township()


async def load_record(uow: VolunteerUnitOfWork, volunteer_id: UUID, actor: Actor) -> VolunteerRecord:
    """The volunteer's record, within the actor's scope."""
    async with uow:
        actor.ensure_covers(await uow.network.volunteer_township(volunteer_id))
        return await uow.network.load_record(volunteer_id)
