"""In-memory petition unit of work for handler tests: the kit's fakes with the matters and the calendar."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from minqing_kit.fakes import FakeUnitOfWork
from minqing_kit.uow import Tracked
from minqing_kit.workdays import SpecialDay, WorkdayCalendar, builtin_years
from services.petition.adapters.contract_mapping import MAPPING
from services.petition.adapters.field_visits import FieldVisitLink, FieldVisitLinks
from services.petition.adapters.repository import CalendarRepository, MatterRepository
from services.petition.adapters.unit_of_work import PetitionUnitOfWork
from services.petition.domain import clocks as ck
from services.petition.domain.matter import Matter
from services.petition.domain.receipt_access import Attempts
from services.petition.domain.repeats import FiledMatter, RepeatKey


def _copy(matter: Matter) -> Matter:
    """A deep copy sharing the clocks (configuration, holding read-only mappings that cannot be copied)."""
    return copy.deepcopy(matter, {id(matter.clocks): matter.clocks})


class FakeCalendar(CalendarRepository):
    def __init__(self) -> None:
        self.years: dict[int, dict[date, SpecialDay]] = {}
        self.entries: list[tuple[int, str, str | None]] = []  # (year, source, entered_by)

    async def lock(self) -> None:
        return None

    async def known_years(self) -> set[int]:
        return set(self.years)

    async def put_year(self, year: int, schedule: Mapping[date, SpecialDay], *, source: str,
                       notice: str | None, entered_by: str | None, at: datetime) -> None:
        self.years[year] = dict(schedule)
        self.entries.append((year, source, entered_by))

    async def current(self) -> WorkdayCalendar:
        return WorkdayCalendar({**builtin_years(), **self.years})


class FakeMatters(MatterRepository):
    """Matters by id (stored as copies, changed only by a commit), with receipts and alert keys."""

    def __init__(self, clocks: ck.PetitionClocks, code_hash: Any = lambda code: f"h:{code}") -> None:
        super().__init__()
        self.clocks, self.code_hash = clocks, code_hash
        self.rows: dict[UUID, tuple[Matter, int]] = {}
        self.codes: dict[str, UUID] = {}
        self.tails: dict[UUID, dict[str, str]] = {}
        self.attempts: dict[UUID, Attempts] = {}
        self.alert_keys: set[tuple[UUID, str]] = set()
        self.locked: list[str] = []
        self.clear_codes = 0

    async def save(self, tracked: Tracked[Matter]) -> Collection[Any]:
        matter = tracked.aggregate
        if tracked.new:
            self.codes[self.code_hash(tracked.extra["lookup_code"])] = matter.id
            self.tails[matter.id] = {pseudo: p.phone[-4:] for p, pseudo in zip(matter.petitioners, matter.pseudonyms,
                                                                               strict=True) if p.phone}
        stored = _copy(matter)
        stored.events = []
        self.rows[matter.id] = (stored, tracked.version)
        withheld = []
        for event in matter.events:
            key = getattr(event, "alert_key", None)
            if key is not None:
                if (matter.id, key) in self.alert_keys:
                    withheld.append(event)
                self.alert_keys.add((matter.id, key))
        return withheld

    async def current_clocks(self) -> ck.PetitionClocks:
        return self.clocks

    async def lock_people(self, pseudonyms: Sequence[str], *, lookup_code: str | None = None) -> bool:
        self.locked.extend(sorted(set(pseudonyms)))
        return lookup_code is not None and await self.lookup_code_taken(lookup_code)

    async def lookup_code_taken(self, code: str) -> bool:
        return self.code_hash(code) in self.codes

    async def filed_for_repeat(self, pseudonyms: Sequence[str], category: str,
                               subcategory: str) -> list[FiledMatter]:
        out = []
        for m, _ in self.rows.values():
            if m.category.value == category and m.subcategory.value == subcategory and m.status.value != "linked" \
                    and set(m.pseudonyms) & set(pseudonyms):
                out.append(FiledMatter(m.id, RepeatKey(frozenset(m.pseudonyms), m.category, m.subcategory,
                                                       m.township_code, m.village_code), m.status))
        return out

    async def get(self, matter_id: UUID, *, for_update: bool = False,
                  calendar: WorkdayCalendar | None = None) -> Matter | None:
        if matter_id not in self.rows:
            return None
        stored, version = self.rows[matter_id]
        matter = _copy(stored)
        if calendar is not None:
            matter.clocks = replace(matter.clocks, calendar=calendar)
        return self._loaded(matter, version) if for_update else matter

    async def id_for_lookup_code(self, code: str, *, for_update: bool = False) -> UUID | None:
        return self.codes.get(self.code_hash(code))

    async def receipt_attempts(self, matter_id: UUID) -> Attempts:
        return self.attempts.get(matter_id, Attempts())

    async def save_receipt_attempts(self, matter_id: UUID, attempts: Attempts) -> None:
        self.attempts[matter_id] = attempts

    async def hash_clear_lookup_codes(self) -> int:
        return self.clear_codes

    async def phone_tails(self, matter_id: UUID) -> dict[str, str]:
        return dict(self.tails.get(matter_id, {}))

    async def due_for_watch(self, now: datetime, limit: int = 500) -> list[UUID]:
        return [mid for mid, (m, _) in self.rows.items() if m.status.value not in ("closed", "linked")][:limit]

    async def calendar_candidates(self, years: Sequence[int]) -> list[tuple[UUID, bool]]:
        return [(mid, True) for mid, (m, _) in sorted(self.rows.items()) if m.status.value not in ("closed", "linked")]

    async def gauges(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        return {}, {}


class FakeLinks(FieldVisitLinks):
    """Links of matters to liaison visits (written in the unit of work, like the PostgreSQL table)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, FieldVisitLink] = {}

    async def matter_for(self, problem_id: UUID) -> UUID | None:
        link = self.rows.get(problem_id)
        return None if link is None else link.matter_id

    async def add(self, link: FieldVisitLink) -> None:
        self.rows[link.problem_id] = link


class FakePetitionUnitOfWork(FakeUnitOfWork, PetitionUnitOfWork):
    """One instance serves a whole test: its repositories are the 'database' between units of work."""

    def __init__(self, clocks: ck.PetitionClocks) -> None:
        super().__init__(MAPPING)
        self.matters = FakeMatters(clocks)
        self.calendar = FakeCalendar()
        self.links = FakeLinks()

    def types(self, since: int = 0) -> list[str]:
        return [p.payload.event_type.removeprefix("petition.") for p in self.published[since:]]
