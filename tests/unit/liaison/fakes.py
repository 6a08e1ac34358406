"""In-memory liaison unit of work for handler tests: the kit's fakes with this service's repositories."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from minqing_kit.errors import NotFound
from minqing_kit.fakes import FakeRepository, FakeUnitOfWork
from services.liaison.adapters.contract_mapping import MAPPING
from services.liaison.adapters.repository import (
    CadreDirectory,
    CadreRecord,
    HouseholdRepository,
    MisconductRepository,
    StationingRepository,
    VisitRepository,
)
from services.liaison.adapters.unit_of_work import LiaisonUnitOfWork
from services.liaison.domain.conduct import MisconductReport
from services.liaison.domain.household import Household
from services.liaison.domain.stationing import Stationing
from services.liaison.domain.visit import Visit


class FakeCadres(CadreDirectory):
    def __init__(self) -> None:
        self.rows: dict[str, CadreRecord] = {}

    async def put(self, cadre: CadreRecord, now: datetime) -> None:
        self.rows[cadre.cadre_id] = cadre

    async def get(self, cadre_id: str) -> CadreRecord:
        if cadre_id not in self.rows:
            raise NotFound(f"no cadre {cadre_id}", field="cadre_id", rule="exists")
        return self.rows[cadre_id]


class FakeStationings(FakeRepository[Stationing], StationingRepository):
    """Holds every day's presence in the aggregate (the PostgreSQL one loads the weeks asked for)."""

    async def get(self, stationing_id: UUID, *, for_update: bool = False,
                  days: tuple[date, date] | None = None) -> Stationing:
        return self.load(stationing_id, what="stationing")

    async def fill(self, stationing: Stationing, first: date, last: date) -> None:
        return None

    async def current_of(self, cadre_id: str, day: date) -> UUID:
        for s, _, _ in self.rows.values():
            if s.cadre_id == cadre_id and s.covers(day):
                return s.id
        raise NotFound(f"no stationing covers {day}", field="day", rule="stationed")

    async def with_weeks_due(self, before: date, limit: int = 200) -> list[UUID]:
        return sorted(s.id for s, _, _ in self.rows.values() if s.weeks_due(before))[:limit]

    def stored(self, stationing_id: UUID) -> Stationing:
        return self.rows[stationing_id][0]


class FakeMisconduct(FakeRepository[MisconductReport], MisconductRepository):
    async def get(self, report_id: UUID, *, for_update: bool = False) -> MisconductReport:
        return self.load(report_id, what="report")


class FakeHouseholds(FakeRepository[Household], HouseholdRepository):
    async def get(self, household_id: UUID, *, for_update: bool = False) -> Household:
        return self.load(household_id, what="household")

    async def find_by_ref(self, household_ref: str) -> UUID | None:
        return next((h.id for h, _, _ in self.rows.values() if h.pseudonym == household_ref), None)

    def stored(self, household_id: UUID) -> Household:
        return self.rows[household_id][0]


class FakeVisits(FakeRepository[Visit], VisitRepository):
    pass


class FakeLiaisonUnitOfWork(FakeUnitOfWork, LiaisonUnitOfWork):
    cadres: FakeCadres
    stationings: FakeStationings
    misconduct: FakeMisconduct
    households: FakeHouseholds
    visits: FakeVisits

    def __init__(self) -> None:
        super().__init__(MAPPING)
        self.cadres = FakeCadres()
        self.stationings = FakeStationings()
        self.misconduct = FakeMisconduct()
        self.households = FakeHouseholds()
        self.visits = FakeVisits()
