"""SQL for the liaison service: load and save domain objects (asyncpg, inside a unit of work).

Each repository is an interface (what handlers may ask; `tests/unit/liaison/fakes.py` implements it in
memory) and its PostgreSQL implementation. Personal data — household members, needs, the text of
visits and of misconduct reports — is encrypted here (the kit's Fernet cipher) and decrypted on load:
nothing above this module sees a ciphertext. Rows that follow from a fact (a day's presence, a closed
week, a report, a card) are written from the aggregate's new events at save, in the same transaction.
Reads for screens are in `views.py`.
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.crypto import PiiCipher
from minqing_kit.errors import Conflict, NotFound
from minqing_kit.uow import Repository, Tracked
from services.liaison.domain import events as ev
from services.liaison.domain.conduct import FollowUp, MisconductReport
from services.liaison.domain.enums import (
    ConductStatus,
    Employment,
    HelpStatus,
    IncomeBand,
    PresenceStatus,
    Prohibition,
)
from services.liaison.domain.household import ContactCard, HelpItem, Household, Member
from services.liaison.domain.stationing import Presence, Stationing
from services.liaison.domain.visit import Visit


@dataclass(frozen=True)
class CadreRecord:
    cadre_id: str
    township_code: str
    name: str
    work_phone: str
    email: str | None


# ----- interfaces -------------------------------------------------------------------------------
class CadreDirectory(abc.ABC):
    """Cadres' work contacts (reference data, upserted by the cadre)."""

    @abc.abstractmethod
    async def put(self, cadre: CadreRecord, now: datetime) -> None: ...

    @abc.abstractmethod
    async def get(self, cadre_id: str) -> CadreRecord: ...


class StationingRepository(Repository[Stationing], abc.ABC):
    @abc.abstractmethod
    async def get(self, stationing_id: UUID, *, for_update: bool = False,
                  days: tuple[date, date] | None = None) -> Stationing:
        """The stationing with its presence and reports of `days` (first, last) loaded."""

    @abc.abstractmethod
    async def fill(self, stationing: Stationing, first: date, last: date) -> None:
        """Load the stationing's presence and reports of days `first`..`last` into it."""

    @abc.abstractmethod
    async def current_of(self, cadre_id: str, day: date) -> UUID:
        """The cadre's stationing covering `day` (404 when none)."""

    @abc.abstractmethod
    async def with_weeks_due(self, before: date, limit: int = 200) -> list[UUID]:
        """Stationings with a week ended before `before` (today) and not yet closed."""

    def add(self, stationing: Stationing) -> Stationing:
        return self._added(stationing)


class MisconductRepository(Repository[MisconductReport], abc.ABC):
    @abc.abstractmethod
    async def get(self, report_id: UUID, *, for_update: bool = False) -> MisconductReport: ...

    def add(self, report: MisconductReport) -> MisconductReport:
        return self._added(report)


class HouseholdRepository(Repository[Household], abc.ABC):
    @abc.abstractmethod
    async def get(self, household_id: UUID, *, for_update: bool = False) -> Household: ...

    @abc.abstractmethod
    async def find_by_ref(self, household_ref: str) -> UUID | None: ...

    def add(self, household: Household) -> Household:
        return self._added(household)


class VisitRepository(Repository[Visit], abc.ABC):
    """Visits are recorded once (`add`); the unit of work inserts them at commit."""

    def add(self, visit: Visit) -> Visit:
        return self._added(visit)


# ----- PostgreSQL --------------------------------------------------------------------------------
class PgCadreDirectory(CadreDirectory):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def put(self, cadre: CadreRecord, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO lia_cadres (cadre_id, township_code, name, work_phone, email, updated_at)"
            " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (cadre_id) DO UPDATE SET township_code = EXCLUDED.township_code,"
            " name = EXCLUDED.name, work_phone = EXCLUDED.work_phone, email = EXCLUDED.email,"
            " updated_at = EXCLUDED.updated_at",
            cadre.cadre_id, cadre.township_code, cadre.name, cadre.work_phone, cadre.email, now)

    async def get(self, cadre_id: str) -> CadreRecord:
        row = await self.conn.fetchrow("SELECT * FROM lia_cadres WHERE cadre_id = $1", cadre_id)
        if row is None:
            raise NotFound(f"干部尚未登记工作联系方式 (cadre {cadre_id} has no work contact yet)", field="cadre_id",
                           rule="exists")
        return CadreRecord(row["cadre_id"], row["township_code"], row["name"], row["work_phone"], row["email"])


class PgStationingRepository(StationingRepository):
    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self.conn = conn

    async def get(self, stationing_id: UUID, *, for_update: bool = False,
                  days: tuple[date, date] | None = None) -> Stationing:
        row = await self.conn.fetchrow(
            "SELECT * FROM lia_stationings WHERE id = $1" + (" FOR UPDATE" if for_update else ""), stationing_id)
        if row is None:
            raise NotFound(f"驻村记录不存在 (no stationing {stationing_id})", field="stationing_id", rule="exists")
        s = Stationing(id=row["id"], cadre_id=row["cadre_id"], cadre=row["cadre_ref"],
                       township_code=row["township_code"], village_code=row["village_code"],
                       starts_on=row["starts_on"], ends_on=row["ends_on"], assigned_by=row["assigned_by"],
                       assigned_at=row["assigned_at"], closed_through=row["closed_through"],
                       short_streak=row["short_streak"])
        if days is not None:
            await self.fill(s, *days)
        return self._loaded(s, row["version"])

    async def fill(self, stationing: Stationing, first: date, last: date) -> None:
        for p in await self.conn.fetch("SELECT * FROM lia_presence WHERE stationing_id = $1 AND day BETWEEN $2"
                                       " AND $3", stationing.id, first, last):
            stationing.presence[p["day"]] = Presence(p["day"], PresenceStatus(p["status"]), p["note"],
                                                     p["recorded_by"], p["recorded_at"])
        for r in await self.conn.fetch("SELECT week_start, text FROM lia_reports WHERE stationing_id = $1"
                                       " AND week_start BETWEEN $2 AND $3", stationing.id, first, last):
            stationing.reports[r["week_start"]] = r["text"]

    async def current_of(self, cadre_id: str, day: date) -> UUID:
        found: UUID | None = await self.conn.fetchval(
            "SELECT id FROM lia_stationings WHERE cadre_id = $1 AND starts_on <= $2"
            " AND (ends_on IS NULL OR ends_on >= $2)", cadre_id, day)
        if found is None:
            raise NotFound(f"{day} 没有驻村安排 (no stationing covers {day})", field="day", rule="stationed")
        return found

    async def with_weeks_due(self, before: date, limit: int = 200) -> list[UUID]:
        rows = await self.conn.fetch(
            "WITH n AS (SELECT id, ends_on, COALESCE(closed_through + 7,"
            " starts_on - (extract(isodow FROM starts_on)::int - 1)) AS next_monday FROM lia_stationings)"
            " SELECT id FROM n WHERE next_monday + 7 <= $1 AND (ends_on IS NULL OR next_monday <= ends_on)"
            " ORDER BY id LIMIT $2", before, limit)
        return [r["id"] for r in rows]

    async def save(self, tracked: Tracked[Stationing]) -> None:
        s = tracked.aggregate
        try:
            await self.conn.execute(
                "INSERT INTO lia_stationings (id, cadre_id, cadre_ref, township_code, village_code, starts_on, ends_on,"
                " assigned_by, assigned_at, closed_through, short_streak, version)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
                " ON CONFLICT (id) DO UPDATE SET ends_on = EXCLUDED.ends_on, closed_through = EXCLUDED.closed_through,"
                " short_streak = EXCLUDED.short_streak, version = EXCLUDED.version",
                s.id, s.cadre_id, s.cadre, s.township_code, s.village_code, s.starts_on, s.ends_on, s.assigned_by,
                s.assigned_at, s.closed_through, s.short_streak, tracked.version)
        except asyncpg.ExclusionViolationError:
            raise Conflict("该干部在这段时间已有驻村安排 (the cadre is already stationed in that period)",
                           field="starts_on", rule="one_stationing_at_a_time") from None
        for e in tracked.aggregate.events:
            if isinstance(e, ev.PresenceRecorded):
                p = s.presence[e.day]
                await self.conn.execute(
                    "INSERT INTO lia_presence (stationing_id, day, status, note, recorded_by, recorded_at)"
                    " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (stationing_id, day) DO UPDATE SET status ="
                    " EXCLUDED.status, note = EXCLUDED.note, recorded_by = EXCLUDED.recorded_by,"
                    " recorded_at = EXCLUDED.recorded_at", s.id, e.day, e.status.value, e.note, p.recorded_by,
                    e.occurred_at)
            elif isinstance(e, ev.WeekClosed):
                await self.conn.execute(
                    "INSERT INTO lia_weeks (stationing_id, week_start, season_minimum, working_days, excused_days,"
                    " required_days, in_village_days, at_township_days, met, short_streak, closed_at)"
                    " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", s.id, e.week_start, e.season_minimum,
                    e.working_days, e.excused_days, e.required_days, e.in_village_days, e.at_township_days, e.met,
                    e.short_streak, e.occurred_at)
            elif isinstance(e, ev.WeeklyReportSubmitted):
                await self.conn.execute(
                    "INSERT INTO lia_reports (stationing_id, week_start, text, submitted_at) VALUES ($1,$2,$3,$4)"
                    " ON CONFLICT (stationing_id, week_start) DO UPDATE SET text = EXCLUDED.text,"
                    " submitted_at = EXCLUDED.submitted_at", s.id, e.week_start, e.text, e.occurred_at)


class PgMisconductRepository(MisconductRepository):
    def __init__(self, conn: asyncpg.Connection, cipher: PiiCipher) -> None:
        super().__init__()
        self.conn = conn
        self.cipher = cipher

    async def get(self, report_id: UUID, *, for_update: bool = False) -> MisconductReport:
        row = await self.conn.fetchrow(
            "SELECT * FROM lia_misconduct WHERE id = $1" + (" FOR UPDATE" if for_update else ""), report_id)
        if row is None:
            raise NotFound(f"五不准问题记录不存在 (no report {report_id})", field="report_id", rule="exists")
        dec = self.cipher.decrypt
        r = MisconductReport(
            id=row["id"], stationing_id=row["stationing_id"], cadre=row["cadre_ref"], township_code=row["township_code"],
            village_code=row["village_code"], prohibition=Prohibition(row["prohibition"]),
            description=dec(row["description_enc"]) or "", reported_by=row["reported_by"],
            reported_at=row["reported_at"], status=ConductStatus(row["status"]),
            follow_ups=[FollowUp(datetime.fromisoformat(f["at"]), f["by"], ConductStatus(f["status"]),
                                 dec(f["note_enc"]) or "") for f in row["follow_ups"]])
        return self._loaded(r, row["version"])

    async def save(self, tracked: Tracked[MisconductReport]) -> None:
        r = tracked.aggregate
        enc = self.cipher.encrypt
        follow_ups = [{"at": f.at.isoformat(), "by": f.by, "status": f.status.value, "note_enc": enc(f.note)}
                      for f in r.follow_ups]
        await self.conn.execute(
            "INSERT INTO lia_misconduct (id, stationing_id, cadre_ref, township_code, village_code, prohibition,"
            " description_enc, reported_by, reported_at, status, follow_ups, version)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status,"
            " follow_ups = EXCLUDED.follow_ups, version = EXCLUDED.version",
            r.id, r.stationing_id, r.cadre, r.township_code, r.village_code, r.prohibition.value, enc(r.description),
            r.reported_by, r.reported_at, r.status.value, follow_ups, tracked.version)


def _member_dict(m: Member) -> dict[str, Any]:
    return {"name": m.name, "relation": m.relation, "employment": m.employment.value, "id_number": m.id_number,
            "phone": m.phone}


def _item_dict(i: HelpItem) -> dict[str, Any]:
    return {"id": str(i.id), "title": i.title, "due_on": i.due_on.isoformat() if i.due_on else None,
            "status": i.status.value, "progress": i.progress,
            "notes": [{"at": at.isoformat(), "by": by, "note": note} for at, by, note in i.notes]}


def _item(d: dict[str, Any]) -> HelpItem:
    return HelpItem(UUID(d["id"]), d["title"], date.fromisoformat(d["due_on"]) if d["due_on"] else None,
                    HelpStatus(d["status"]), d["progress"],
                    [(datetime.fromisoformat(n["at"]), n["by"], n["note"]) for n in d["notes"]])


class PgHouseholdRepository(HouseholdRepository):
    def __init__(self, conn: asyncpg.Connection, cipher: PiiCipher) -> None:
        super().__init__()
        self.conn = conn
        self.cipher = cipher

    async def get(self, household_id: UUID, *, for_update: bool = False) -> Household:
        row = await self.conn.fetchrow(
            "SELECT * FROM lia_households WHERE id = $1" + (" FOR UPDATE" if for_update else ""), household_id)
        if row is None:
            raise NotFound(f"农户不存在 (no household {household_id})", field="household_id", rule="exists")
        members = json.loads(self.cipher.decrypt(row["members_enc"]) or "[]")
        card_row = await self.conn.fetchrow("SELECT * FROM lia_cards WHERE household_id = $1 ORDER BY card_no DESC"
                                            " LIMIT 1", household_id)
        card = None if card_row is None else ContactCard(
            card_row["card_no"], card_row["cadre_id"], card_row["cadre_name"], card_row["work_phone"],
            card_row["email"], tuple(card_row["pledged"]), card_row["issued_at"])
        h = Household(
            id=row["id"], pseudonym=row["household_ref"], township_code=row["township_code"],
            village_code=row["village_code"],
            members=tuple(Member(m["name"], m["relation"], Employment(m["employment"]), m["id_number"], m["phone"])
                          for m in members),
            income_band=IncomeBand(row["income_band"]),
            needs=tuple(json.loads(self.cipher.decrypt(row["needs_enc"]) or "[]")),
            registered_by=row["registered_by"], registered_at=row["registered_at"], cadre_id=row["cadre_id"],
            cadre=row["cadre_ref"], plan=[_item(d) for d in row["plan"]], card=card)
        return self._loaded(h, row["version"])

    async def find_by_ref(self, household_ref: str) -> UUID | None:
        found: UUID | None = await self.conn.fetchval("SELECT id FROM lia_households WHERE household_ref = $1",
                                                      household_ref)
        return found

    async def save(self, tracked: Tracked[Household]) -> None:
        h = tracked.aggregate
        enc = self.cipher.encrypt
        members_enc = enc(json.dumps([_member_dict(m) for m in h.members], ensure_ascii=False))
        needs_enc = enc(json.dumps(list(h.needs), ensure_ascii=False))
        try:
            await self.conn.execute(
                "INSERT INTO lia_households (id, household_ref, township_code, village_code, members_enc, member_count,"
                " income_band, needs_enc, registered_by, registered_at, cadre_id, cadre_ref, plan, version)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) ON CONFLICT (id) DO UPDATE SET"
                " members_enc = EXCLUDED.members_enc, member_count = EXCLUDED.member_count,"
                " income_band = EXCLUDED.income_band, needs_enc = EXCLUDED.needs_enc, cadre_id = EXCLUDED.cadre_id,"
                " cadre_ref = EXCLUDED.cadre_ref, plan = EXCLUDED.plan, version = EXCLUDED.version",
                h.id, h.pseudonym, h.township_code, h.village_code, members_enc, len(h.members), h.income_band.value,
                needs_enc, h.registered_by, h.registered_at, h.cadre_id, h.cadre, [_item_dict(i) for i in h.plan],
                tracked.version)
        except asyncpg.UniqueViolationError:
            raise Conflict("该户已登记 (household already registered)", field="members[0].id_number",
                           rule="unique_household") from None
        if h.card is not None and any(isinstance(e, ev.CardIssued) for e in h.events):
            c = h.card
            await self.conn.execute(
                "INSERT INTO lia_cards (household_id, card_no, cadre_id, cadre_name, work_phone, email, pledged,"
                " issued_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING", h.id, c.card_no, c.cadre_id,
                c.cadre_name, c.work_phone, c.email, list(c.pledged), c.issued_at)


class PgVisitRepository(VisitRepository):
    def __init__(self, conn: asyncpg.Connection, cipher: PiiCipher) -> None:
        super().__init__()
        self.conn = conn
        self.cipher = cipher

    async def save(self, tracked: Tracked[Visit]) -> None:
        if not tracked.new:
            return  # a diary entry is written once
        v = tracked.aggregate
        record = {"seen": v.seen, "said": v.said, "help_given": v.help_given,
                  "problems": [{"id": str(p.id), "category": p.category, "subcategory": p.subcategory,
                                "description": p.description, "needs_handling": p.needs_handling}
                               for p in v.problems]}
        await self.conn.execute(
            "INSERT INTO lia_visits (id, household_id, cadre_id, township_code, village_code, visited_on, record_enc,"
            " problems, raised, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            v.id, v.household_id, v.cadre_id, v.township_code, v.village_code, v.visited_on,
            self.cipher.encrypt(json.dumps(record, ensure_ascii=False)), len(v.problems),
            sum(1 for p in v.problems if p.needs_handling), v.recorded_at)
