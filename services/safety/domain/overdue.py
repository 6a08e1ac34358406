"""Overdue watcher support: which hazards passed their deadline open, under a stable key.

The watcher runs `overdue_hazards(hazards, at)`, calls `Hazard.mark_overdue(at)` on each and stores
`overdue_key(hazard.id)` with the outbox row; the key (the hazard id, not the instant) makes a
second run, or a run after a restart, find nothing new to say.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from uuid import UUID

from ._guards import require_aware
from .hazard import Hazard


def overdue_key(hazard_id: UUID) -> str:
    return f"safety.hazard_overdue:{hazard_id}"


def overdue_hazards(
    hazards: Iterable[Hazard], at: datetime, already_notified: Collection[str] = ()
) -> list[Hazard]:
    """Hazards overdue at `at` not yet notified (by their own flag or by a key already stored),
    earliest deadline first."""
    require_aware(at, "at")
    due = [
        h
        for h in hazards
        if h.is_overdue(at) and h.overdue_notified_at is None and overdue_key(h.id) not in already_notified
    ]
    return sorted(due, key=lambda h: (h.deadline, str(h.id)))
