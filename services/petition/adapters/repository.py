"""All SQL of the petition service: matters in and out of PostgreSQL, lists, the watcher's queue.

Personal data and the complaint text are encrypted here (the cipher is the kit's Fernet) and
decrypted on load; nothing above this module sees a ciphertext, nothing below it a plaintext.
The receipt's lookup code is stored only as a keyed hash (`lookup_hash`): HMAC-SHA256 under the
pseudonym key, in its own namespace. Keyed and deterministic on purpose: the public routes find a
matter by equality on an index, and the code is 10 random characters (~49 bits from a CSPRNG), not a
password, so a slow salted hash (argon2/scrypt) would buy nothing against guessing while making every
unauthenticated request cost CPU; without the key a dump of the table cannot be searched for codes.
Child rows (audit, notes, supervisions, alerts, assignments) are append-only: `save` inserts the
ones the aggregate gained since it was loaded.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from minqing_kit.crypto import PiiCipher
from minqing_kit.uow import Repository, Tracked
from minqing_kit.workdays import SpecialDay, WorkdayCalendar

from ..domain import clocks as ck
from ..domain.categories import Category, Subcategory
from ..domain.enums import (
    AlertLevel,
    Channel,
    DeadlineKind,
    Kind,
    ListSort,
    MatterStatus,
    ReviewOutcome,
    Role,
    RoutingMode,
    Satisfaction,
    WorkQueue,
)
from ..domain.intake import Petitioner
from ..domain.lifecycle import (
    PENDING_STATUSES,
    Actor,
    AuditEntry,
    Extension,
    ExtensionRequest,
    HandlingNote,
    Supervision,
)
from ..domain.matter import Matter
from ..domain.receipt_access import Attempts
from ..domain.repeats import FiledMatter, RepeatKey
from .calendar_store import CalendarCache, CalendarStore

_SCALARS = (
    "status", "department", "routing_mode", "signed_by", "assigned_at", "accepted_at", "returned_at",
    "return_count", "routing_started_at", "reply_text", "replied_at", "satisfaction", "rated_at", "closed_at",
    "review_requested_at", "review_decided_at", "review_outcome", "re_review_requested_at",
    "re_review_decided_at", "re_review_outcome",
)


@dataclass
class _Loaded:
    """How many child rows the aggregate had when loaded (what `save` must not insert again)."""

    version: int
    audit: int = 0
    notes: int = 0
    supervisions: int = 0
    alerts: frozenset[str] = frozenset()
    assigned_at: datetime | None = None


@dataclass(frozen=True)
class ListFilter:
    townships: str | None = None  # a township code (scope or filter)
    department: str | None = None  # department handlers: their matters, never ones accusing them
    status: str | None = None
    kind: str | None = None
    category: str | None = None
    overdue_at: datetime | None = None  # only matters with an open deadline passed at this instant
    hide_accusations: bool = False  # read-only dashboards: accusations naming a unit stay with the bureau
    queue: str | None = None  # a `WorkQueue` value: what waits for a leader or supervisor
    sort: str = ListSort.registered_desc.value
    now: datetime | None = None  # the instant the overdue queue is judged at
    limit: int = 20
    offset: int = 0


#: Each queue's condition (the overdue one compares with the `now` argument, `$now`).
_QUEUES: Mapping[str, str] = {
    WorkQueue.sign_off: "status = 'registered'",
    WorkQueue.extension: "status = 'accepted' AND extension_requested_at IS NOT NULL",
    WorkQueue.review: "status IN ('under_review', 'under_re_review')",
    WorkQueue.overdue: "open_due_at <= $now",
    WorkQueue.supervised: ("status NOT IN ('closed', 'final', 'linked')"
                           " AND EXISTS (SELECT 1 FROM supervisions s WHERE s.matter_id = matters.id)"),
}
#: Whitelisted orders; the id makes paging stable.
_ORDERS: Mapping[str, str] = {
    ListSort.registered_desc: "registered_at DESC, id",
    ListSort.registered_asc: "registered_at ASC, id",
    ListSort.due_asc: "open_due_at ASC NULLS LAST, registered_at ASC, id",
    ListSort.due_desc: "open_due_at DESC NULLS LAST, registered_at DESC, id",
}


def _value(v: Any) -> Any:
    return v.value if hasattr(v, "value") else v


def schedule(matter: Matter, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(earliest open statutory deadline, earliest instant the watcher has something new to say)."""
    open_due: datetime | None = None
    watch: datetime | None = None
    warn = timedelta(days=matter.clocks.approaching_days)
    for d in ck.deadlines(matter):
        if d.satisfied_at is not None:
            continue
        overdue_key = ck.DueAlert(d.kind, AlertLevel.overdue, d.due_at).key
        approaching_key = ck.DueAlert(d.kind, AlertLevel.approaching, d.due_at).key
        candidates = []
        if d.kind not in ck.WINDOWS:
            open_due = d.due_at if open_due is None else min(open_due, d.due_at)
            if overdue_key not in matter.alerts_raised:
                candidates.append(d.due_at)
        if approaching_key not in matter.alerts_raised and now < d.due_at:
            candidates.append(d.due_at - warn)
        for c in candidates:
            watch = c if watch is None else min(watch, c)
    return open_due, watch


def calendar_columns(matter: Matter) -> tuple[list[int], list[int]]:
    """(years the open deadlines were counted with, years still unknown behind the earliest open one)."""
    open_ = [d for d in ck.deadlines(matter) if d.satisfied_at is None]
    years = sorted({y for d in open_ for y in d.depends_on})
    duties = [d for d in open_ if d.kind not in ck.WINDOWS]
    first = min(duties, key=lambda d: d.due_at) if duties else None
    return years, list(first.pending_years) if first else []


class MatterRepository(Repository[Matter], abc.ABC):
    """What handlers may ask about matters (the in-memory one is in `tests/unit/petition/fakes.py`).

    `get(..., for_update=True)` and `add` track the matter: the unit of work saves it at commit and
    publishes its events, each numbered with the matter's sequence; a deadline alert the store already
    holds is withheld (never announced twice). A matter loaded for update is always saved: its stored
    deadline columns follow the calendar it was counted with, which the state comparison cannot see.
    """

    save_unchanged = True

    def add(self, matter: Matter, *, lookup_code: str, phone_keys: Sequence[str | None] = ()) -> Matter:
        """Track a new matter; `phone_keys` (keyed hashes of each petitioner's phone) feed the repeat hint."""
        return self._added(matter, lookup_code=lookup_code, phone_keys=tuple(phone_keys))

    @abc.abstractmethod
    async def current_clocks(self) -> ck.PetitionClocks: ...

    @abc.abstractmethod
    async def lock_people(self, pseudonyms: Sequence[str], *, lookup_code: str | None = None) -> bool:
        """Serialise registrations of these people until the transaction ends; answers in the same
        round trip whether `lookup_code` (if given) is already taken."""

    @abc.abstractmethod
    async def lookup_code_taken(self, code: str) -> bool: ...

    @abc.abstractmethod
    async def filed_for_repeat(self, pseudonyms: Sequence[str], category: str,
                               subcategory: str) -> list[FiledMatter]: ...

    @abc.abstractmethod
    async def get(self, matter_id: UUID, *, for_update: bool = False,
                  calendar: WorkdayCalendar | None = None) -> Matter | None: ...

    @abc.abstractmethod
    async def id_for_lookup_code(self, code: str, *, for_update: bool = False) -> UUID | None: ...

    @abc.abstractmethod
    async def receipt_attempts(self, matter_id: UUID) -> Attempts: ...

    @abc.abstractmethod
    async def save_receipt_attempts(self, matter_id: UUID, attempts: Attempts) -> None: ...

    @abc.abstractmethod
    async def hash_clear_lookup_codes(self) -> int: ...

    @abc.abstractmethod
    async def phone_tails(self, matter_id: UUID) -> dict[str, str]: ...

    @abc.abstractmethod
    async def due_for_watch(self, now: datetime, limit: int = 500) -> list[UUID]: ...

    @abc.abstractmethod
    async def calendar_candidates(self, years: Sequence[int]) -> list[tuple[UUID, bool]]: ...

    @abc.abstractmethod
    async def gauges(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]: ...


class CalendarRepository(abc.ABC):
    """The county's holiday calendar as stored (years entered, their special days)."""

    @abc.abstractmethod
    async def lock(self) -> None: ...

    @abc.abstractmethod
    async def known_years(self) -> set[int]: ...

    @abc.abstractmethod
    async def put_year(self, year: int, schedule: Mapping[date, SpecialDay], *, source: str,
                       notice: str | None, entered_by: str | None, at: datetime) -> None: ...

    @abc.abstractmethod
    async def current(self) -> WorkdayCalendar:
        """The calendar committed as this transaction sees it."""


class PgCalendarRepository(CalendarRepository):
    def __init__(self, conn: asyncpg.Connection, cache: CalendarCache) -> None:
        self.store, self.cache, self.conn = CalendarStore(conn), cache, conn

    async def lock(self) -> None:
        await self.store.lock()

    async def known_years(self) -> set[int]:
        return await self.store.known_years()

    async def put_year(self, year: int, schedule: Mapping[date, SpecialDay], *, source: str,
                       notice: str | None, entered_by: str | None, at: datetime) -> None:
        await self.store.put_year(year, schedule, source=source, notice=notice, entered_by=entered_by, at=at)

    async def current(self) -> WorkdayCalendar:
        return await self.cache.current(self.conn)


class PgMatterRepository(MatterRepository):
    def __init__(self, conn: asyncpg.Connection, cipher: PiiCipher, clocks: ck.PetitionClocks,
                 code_hash: Callable[[str], str], calendar: CalendarCache | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.conn = conn
        self.cipher = cipher
        self.clocks = clocks
        self.calendar = calendar
        """The county's calendar (None: the clocks' own); re-read in the transaction before each use."""
        self.code_hash = code_hash
        """Keyed hash of a normalised lookup code (see the module docstring)."""
        self.clock = clock or (lambda: datetime.now(UTC))
        self._children: dict[UUID, _Loaded] = {}
        self._calendar_revision: int | None = None  # read by lock_people, used once by current_clocks

    async def save(self, tracked: Tracked[Matter]) -> Collection[Any]:
        """Insert or update; returns the alert events the store already held (not announced again)."""
        matter, now = tracked.aggregate, self.clock()
        if tracked.new and not matter.alerts_raised:  # a registration: one statement, outbox included
            await self._insert_whole(matter, now, tracked)
            return ()
        if tracked.new:
            await self._insert(matter, lookup_code=tracked.extra["lookup_code"],
                               phone_keys=tracked.extra.get("phone_keys", ()))
        fresh = await self._update(matter, now, tracked.version)
        keys = [(e, getattr(e, "alert_key", None)) for e in matter.events]
        return [e for e, key in keys if key is not None and key not in fresh]

    async def current_clocks(self) -> ck.PetitionClocks:
        """The clocks with the calendar committed as this transaction sees it (as of `lock_people`, when
        that just read the calendar's revision: a registration's preliminaries in one round trip)."""
        if self.calendar is not None:
            revision, self._calendar_revision = self._calendar_revision, None
            calendar = (await self.calendar.current(self.conn) if revision is None
                        else await self.calendar.at(self.conn, revision))
            self.clocks = replace(self.clocks, calendar=calendar)
        return self.clocks

    # ----- writing ------------------------------------------------------------------------------
    async def lock_people(self, pseudonyms: Sequence[str], *, lookup_code: str | None = None) -> bool:
        """Serialise registrations of the same people, so two desks cannot both miss a repeat (the
        locks taken in sorted order so two registrations never deadlock). The same statement tells
        whether `lookup_code` is taken and reads the calendar's revision for `current_clocks`; the
        repeat search must be a statement of its own, after the locks (it needs a snapshot taken
        once they are held)."""
        row = await self.conn.fetchrow(
            """SELECT (SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext(p))
                                                 FROM (SELECT unnest($1::text[]) AS p ORDER BY 1) AS people) AS l)
                          AS locked,
                      EXISTS (SELECT 1 FROM matters WHERE lookup_hash = $2::text) AS code_taken,
                      (SELECT coalesce(max(revision), 0) FROM workday_years) AS calendar_revision""",
            sorted(set(pseudonyms)), self.code_hash(lookup_code) if lookup_code is not None else None)
        self._calendar_revision = int(row["calendar_revision"])
        return bool(row["code_taken"])

    async def lookup_code_taken(self, code: str) -> bool:
        return bool(await self.conn.fetchval("SELECT 1 FROM matters WHERE lookup_hash = $1", self.code_hash(code)))

    async def _insert(self, matter: Matter, *, lookup_code: str, phone_keys: Sequence[str | None] = ()) -> None:
        enc = self.cipher.encrypt
        await self.conn.execute(
            """INSERT INTO matters (id, lookup_hash, channel, kind, category, subcategory, township_code,
                   village_code, content_enc, headcount, is_group_visit, registered_at, routing_started_at,
                   cadre_id, accused_department, repeat_of, status)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)""",
            matter.id, self.code_hash(lookup_code), matter.channel.value, matter.kind.value, matter.category.value,
            matter.subcategory.value, matter.township_code, matter.village_code, enc(matter.content),
            matter.headcount, matter.is_group_visit, matter.registered_at, matter.routing_started_at,
            matter.cadre_id, matter.accused_department, matter.repeat_of, matter.status.value)
        await self.conn.executemany(
            """INSERT INTO petitioners (matter_id, position, pseudonym, name_enc, phone_enc, id_number_enc,
                   phone_tail, is_representative, phone_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)""",
            [(matter.id, i, pseudo, enc(p.name), enc(p.phone), enc(p.id_number),
              p.phone[-4:] if p.phone else None, p.is_representative,
              phone_keys[i] if i < len(phone_keys) else None)
             for i, (p, pseudo) in enumerate(zip(matter.petitioners, matter.pseudonyms, strict=True))])
        self._children[matter.id] = _Loaded(version=0)

    async def _insert_whole(self, matter: Matter, now: datetime, tracked: Tracked[Matter]) -> None:
        """A new matter in one statement: its row with every column `_update` would write, its people,
        its first child rows and (when the unit of work offers them) its outbox rows, as
        data-modifying CTEs (foreign keys are checked at the end of the statement)."""
        enc = self.cipher.encrypt
        args: list[Any] = []

        def values(rows: list[tuple[Any, ...]]) -> str:
            out = []
            for row in rows:
                out.append("(" + ", ".join(f"${len(args) + i}" for i in range(1, len(row) + 1)) + ")")
                args.extend(row)
            return ", ".join(out)

        open_due, watch = schedule(matter, now)
        calendar_years, pending = calendar_columns(matter)
        ext = matter.extension
        phone_keys: Sequence[str | None] = tracked.extra.get("phone_keys", ())  # the repeat hint's keyed phones
        row = {
            "id": matter.id, "lookup_hash": self.code_hash(tracked.extra["lookup_code"]),
            "channel": matter.channel.value, "kind": matter.kind.value, "category": matter.category.value,
            "subcategory": matter.subcategory.value, "township_code": matter.township_code,
            "village_code": matter.village_code, "content_enc": enc(matter.content), "headcount": matter.headcount,
            "is_group_visit": matter.is_group_visit, "registered_at": matter.registered_at,
            "cadre_id": matter.cadre_id, "accused_department": matter.accused_department,
            "repeat_of": matter.repeat_of,
            **{name: _value(getattr(matter, name)) for name in _SCALARS},
            "version": tracked.version, "open_due_at": open_due, "watch_at": watch,
            "extension_days": ext.days if ext else None, "extension_reason": ext.reason if ext else None,
            "extension_approved_by": ext.approved_by if ext else None, "extended_at": ext.at if ext else None,
            "calendar_years": calendar_years, "open_due_pending_years": pending,
        }
        parts = [f"m AS (INSERT INTO matters ({', '.join(row)}) VALUES {values([tuple(row.values())])})"]
        children: list[tuple[str, str, list[tuple[Any, ...]]]] = [
            ("petitioners", "matter_id, position, pseudonym, name_enc, phone_enc, id_number_enc, phone_tail,"
             " is_representative, phone_key",
             [(matter.id, i, pseudo, enc(p.name), enc(p.phone), enc(p.id_number), p.phone[-4:] if p.phone else None,
               p.is_representative, phone_keys[i] if i < len(phone_keys) else None)
              for i, (p, pseudo) in enumerate(zip(matter.petitioners, matter.pseudonyms, strict=True))]),
            ("audit_trail", "matter_id, seq, action, actor_id, actor_role, actor_department, actor_township, at,"
             " from_state, to_state, detail",
             [(matter.id, i, e.action, e.actor.user_id, e.actor.role.value, e.actor.department,
               e.actor.township_code, e.at, e.from_state.value, e.to_state.value, e.detail)
              for i, e in enumerate(matter.audit)]),
            ("handling_notes", "matter_id, seq, at, author, text",
             [(matter.id, i, n_.at, n_.author, n_.text) for i, n_ in enumerate(matter.notes)]),
            ("supervisions", "matter_id, seq, supervisor, at, overdue, note",
             [(matter.id, i, s_.supervisor, s_.at, [k.value for k in s_.overdue], s_.note)
              for i, s_ in enumerate(matter.supervisions)]),
            ("assignments", "matter_id, round, department, mode, signed_by, assigned_at",
             [(matter.id, matter.return_count, matter.department, _value(matter.routing_mode), matter.signed_by,
               matter.assigned_at)] if matter.assigned_at is not None else []),
            ("reviews", "matter_id, level, requested_at, decided_at, outcome",
             [(matter.id, level, requested, decided, _value(outcome)) for level, requested, decided, outcome in (
                 ("review", matter.review_requested_at, matter.review_decided_at, matter.review_outcome),
                 ("re_review", matter.re_review_requested_at, matter.re_review_decided_at,
                  matter.re_review_outcome)) if requested is not None]),
        ]
        for i, (table, columns, rows) in enumerate(children):
            if rows:  # a CTE per table that gains rows
                parts.append(f"c{i} AS (INSERT INTO {table} ({columns}) VALUES {values(rows)})")
        if tracked.outbox is not None and tracked.outbox.events:
            sql, outbox_args = tracked.outbox.insert(len(args) + 1)
            args.extend(outbox_args)
            parts.append(f"o AS ({sql})")
        await self.conn.execute("WITH " + ",\n".join(parts) + "\nSELECT 1", *args)
        self._children[matter.id] = _Loaded(
            version=tracked.version, audit=len(matter.audit), notes=len(matter.notes),
            supervisions=len(matter.supervisions), alerts=frozenset(matter.alerts_raised),
            assigned_at=matter.assigned_at)

    async def _insert_rows(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:  # an empty executemany still costs a round trip (the statement is prepared)
            await self.conn.executemany(sql, rows)

    async def _update(self, matter: Matter, now: datetime, version: int) -> frozenset[str]:
        """Write the aggregate's changes; returns the alert keys this save announced for the first time.

        The `deadline_alerts` primary key is the last guard: a key already stored (by an earlier pass,
        another watcher, a process before a restart) is not announced again.
        """
        loaded = self._children[matter.id]
        open_due, watch = schedule(matter, now)
        calendar_years, pending = calendar_columns(matter)
        ext, req = matter.extension, matter.extension_request
        values = [_value(getattr(matter, name)) for name in _SCALARS]
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(_SCALARS, start=2))
        n = len(_SCALARS) + 2
        await self.conn.execute(
            f"""UPDATE matters SET {sets}, version = ${n}, open_due_at = ${n + 1}, watch_at = ${n + 2},
                    extension_days = ${n + 3}, extension_reason = ${n + 4}, extension_approved_by = ${n + 5},
                    extended_at = ${n + 6}, calendar_years = ${n + 7}, open_due_pending_years = ${n + 8},
                    extension_request_days = ${n + 9}, extension_request_reason = ${n + 10},
                    extension_requested_by = ${n + 11}, extension_requested_at = ${n + 12},
                    updated_at = now() WHERE id = $1""",
            matter.id, *values, version, open_due, watch,
            ext.days if ext else None, ext.reason if ext else None, ext.approved_by if ext else None,
            ext.at if ext else None, calendar_years, pending,
            req.days if req else None, req.reason if req else None, req.requested_by if req else None,
            req.at if req else None)
        new_audit = matter.audit[loaded.audit:]
        await self._insert_rows(
            """INSERT INTO audit_trail (matter_id, seq, action, actor_id, actor_role, actor_department,
                   actor_township, at, from_state, to_state, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
            [(matter.id, loaded.audit + i, e.action, e.actor.user_id, e.actor.role.value, e.actor.department,
              e.actor.township_code, e.at, e.from_state.value, e.to_state.value, e.detail)
             for i, e in enumerate(new_audit)])
        await self._insert_rows(
            "INSERT INTO handling_notes (matter_id, seq, at, author, text) VALUES ($1,$2,$3,$4,$5)",
            [(matter.id, loaded.notes + i, n_.at, n_.author, n_.text)
             for i, n_ in enumerate(matter.notes[loaded.notes:])])
        await self._insert_rows(
            "INSERT INTO supervisions (matter_id, seq, supervisor, at, overdue, note) VALUES ($1,$2,$3,$4,$5,$6)",
            [(matter.id, loaded.supervisions + i, s.supervisor, s.at, [k.value for k in s.overdue], s.note)
             for i, s in enumerate(matter.supervisions[loaded.supervisions:])])
        if matter.assigned_at is not None and matter.assigned_at != loaded.assigned_at:
            await self.conn.execute(
                """INSERT INTO assignments (matter_id, round, department, mode, signed_by, assigned_at)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                matter.id, matter.return_count, matter.department, _value(matter.routing_mode),
                matter.signed_by, matter.assigned_at)
        if matter.returned_at is not None and matter.assigned_at is None and loaded.assigned_at is not None:
            await self.conn.execute(
                "UPDATE assignments SET returned_at = $3 WHERE matter_id = $1 AND round = $2",
                matter.id, matter.return_count - 1, matter.returned_at)
        for level, requested, decided, outcome in (
            ("review", matter.review_requested_at, matter.review_decided_at, matter.review_outcome),
            ("re_review", matter.re_review_requested_at, matter.re_review_decided_at, matter.re_review_outcome),
        ):
            if requested is not None:
                await self.conn.execute(
                    """INSERT INTO reviews (matter_id, level, requested_at, decided_at, outcome)
                       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (matter_id, level)
                       DO UPDATE SET decided_at = EXCLUDED.decided_at, outcome = EXCLUDED.outcome""",
                    matter.id, level, requested, decided, _value(outcome))
        fresh: set[str] = set()
        for key in sorted(matter.alerts_raised - loaded.alerts):
            kind, level, due = key.split(":", 2)
            inserted = await self.conn.fetchval(
                """INSERT INTO deadline_alerts (matter_id, alert_key, deadline, level, due_at, raised_at)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1""",
                matter.id, key, kind, level, datetime.fromisoformat(due), now)
            if inserted:
                fresh.add(key)
        self._children[matter.id] = _Loaded(
            version=version, audit=len(matter.audit), notes=len(matter.notes),
            supervisions=len(matter.supervisions), alerts=frozenset(matter.alerts_raised),
            assigned_at=matter.assigned_at)
        return frozenset(fresh)

    # ----- reading ------------------------------------------------------------------------------
    async def get(self, matter_id: UUID, *, for_update: bool = False,
                  calendar: WorkdayCalendar | None = None) -> Matter | None:
        """The matter, counted with `calendar` or else the one committed when its row was read; locked
        and tracked `for_update` (a plain read otherwise)."""
        row = await self.conn.fetchrow(
            "SELECT * FROM matters WHERE id = $1" + (" FOR UPDATE" if for_update else ""), matter_id)
        if row is None:
            return None
        clocks = replace(self.clocks, calendar=calendar) if calendar else await self.current_clocks()
        matter = await self._hydrate(row, clocks)
        return self._loaded(matter, row["version"]) if for_update else matter

    async def id_for_lookup_code(self, code: str, *, for_update: bool = False) -> UUID | None:
        """The matter of a receipt code; `for_update` locks its row (serialises attempts on one code)."""
        return await self.conn.fetchval(  # type: ignore[no-any-return]
            "SELECT id FROM matters WHERE lookup_hash = $1" + (" FOR UPDATE" if for_update else ""),
            self.code_hash(code))

    async def receipt_attempts(self, matter_id: UUID) -> Attempts:
        row = await self.conn.fetchrow(
            "SELECT failures, lockouts, locked_until FROM receipt_attempts WHERE matter_id = $1", matter_id)
        return Attempts() if row is None else Attempts(row["failures"], row["lockouts"], row["locked_until"])

    async def save_receipt_attempts(self, matter_id: UUID, attempts: Attempts) -> None:
        await self.conn.execute(
            """INSERT INTO receipt_attempts (matter_id, failures, lockouts, locked_until, updated_at)
               VALUES ($1, $2, $3, $4, now())
               ON CONFLICT (matter_id) DO UPDATE SET failures = EXCLUDED.failures, lockouts = EXCLUDED.lockouts,
                   locked_until = EXCLUDED.locked_until, updated_at = now()""",
            matter_id, attempts.failures, attempts.lockouts, attempts.locked_until)

    async def hash_clear_lookup_codes(self) -> int:
        """Replace lookup codes stored in clear (rows from before migration 0002) by their hash."""
        rows = await self.conn.fetch("SELECT id, lookup_code FROM matters WHERE lookup_code IS NOT NULL FOR UPDATE")
        await self.conn.executemany(
            "UPDATE matters SET lookup_hash = $2, lookup_code = NULL WHERE id = $1",
            [(r["id"], self.code_hash(r["lookup_code"])) for r in rows])
        return len(rows)

    async def phone_tails(self, matter_id: UUID) -> dict[str, str]:
        rows = await self.conn.fetch(
            "SELECT pseudonym, phone_tail FROM petitioners WHERE matter_id = $1 AND phone_tail IS NOT NULL "
            "ORDER BY position", matter_id)
        return {r["pseudonym"]: r["phone_tail"] for r in rows}

    async def _hydrate(self, row: asyncpg.Record, clocks: ck.PetitionClocks) -> Matter:
        mid = row["id"]
        dec = self.cipher.decrypt
        people = await self.conn.fetch("SELECT * FROM petitioners WHERE matter_id = $1 ORDER BY position", mid)
        audit = await self.conn.fetch("SELECT * FROM audit_trail WHERE matter_id = $1 ORDER BY seq", mid)
        notes = await self.conn.fetch("SELECT * FROM handling_notes WHERE matter_id = $1 ORDER BY seq", mid)
        sups = await self.conn.fetch("SELECT * FROM supervisions WHERE matter_id = $1 ORDER BY seq", mid)
        alerts = await self.conn.fetch("SELECT alert_key FROM deadline_alerts WHERE matter_id = $1", mid)
        ext = None
        if row["extension_days"] is not None:
            ext = Extension(row["extension_days"], row["extension_reason"], row["extension_approved_by"],
                            row["extended_at"])
        req = None
        if row["extension_request_days"] is not None:
            req = ExtensionRequest(row["extension_request_days"], row["extension_request_reason"],
                                   row["extension_requested_by"], row["extension_requested_at"])
        matter = Matter(
            id=mid, channel=Channel(row["channel"]), kind=Kind(row["kind"]),
            category=Category(row["category"]), subcategory=Subcategory(row["subcategory"]),
            township_code=row["township_code"], village_code=row["village_code"],
            content=dec(row["content_enc"]) or "",
            petitioners=tuple(Petitioner(dec(p["name_enc"]) or "", dec(p["phone_enc"]), dec(p["id_number_enc"]),
                                         p["is_representative"]) for p in people),
            pseudonyms=tuple(p["pseudonym"] for p in people),
            headcount=row["headcount"], is_group_visit=row["is_group_visit"],
            registered_at=row["registered_at"], routing_started_at=row["routing_started_at"],
            clocks=clocks, cadre_id=row["cadre_id"], accused_department=row["accused_department"],
            repeat_of=row["repeat_of"], status=MatterStatus(row["status"]), department=row["department"],
            routing_mode=RoutingMode(row["routing_mode"]) if row["routing_mode"] else None,
            signed_by=row["signed_by"], assigned_at=row["assigned_at"], accepted_at=row["accepted_at"],
            returned_at=row["returned_at"], return_count=row["return_count"], extension=ext,
            extension_request=req,
            notes=[HandlingNote(n["at"], n["author"], n["text"]) for n in notes],
            reply_text=row["reply_text"], replied_at=row["replied_at"],
            satisfaction=Satisfaction(row["satisfaction"]) if row["satisfaction"] else None,
            rated_at=row["rated_at"], closed_at=row["closed_at"],
            review_requested_at=row["review_requested_at"], review_decided_at=row["review_decided_at"],
            review_outcome=ReviewOutcome(row["review_outcome"]) if row["review_outcome"] else None,
            re_review_requested_at=row["re_review_requested_at"], re_review_decided_at=row["re_review_decided_at"],
            re_review_outcome=ReviewOutcome(row["re_review_outcome"]) if row["re_review_outcome"] else None,
            supervisions=[Supervision(s["supervisor"], s["at"], tuple(DeadlineKind(k) for k in s["overdue"]),
                                      s["note"]) for s in sups],
            alerts_raised={a["alert_key"] for a in alerts},
            audit=[AuditEntry(a["action"], Actor(a["actor_id"], Role(a["actor_role"]), a["actor_department"],
                                                 a["actor_township"]),
                              a["at"], MatterStatus(a["from_state"]), MatterStatus(a["to_state"]), a["detail"])
                   for a in audit],
        )
        self._children[mid] = _Loaded(version=row["version"], audit=len(matter.audit), notes=len(matter.notes),
                                    supervisions=len(matter.supervisions),
                                    alerts=frozenset(matter.alerts_raised), assigned_at=matter.assigned_at)
        return matter

    async def filed_for_repeat(self, pseudonyms: Sequence[str], category: str, subcategory: str) -> list[FiledMatter]:
        """Matters sharing a petitioner and the classification (repeats.find_repeat decides the rest).

        The petitioners' index drives the lookup and the classification is compared here, not in SQL:
        before ANALYZE has seen the tables (a new database, the benchmarks) PostgreSQL takes
        `category = $2 AND subcategory = $3` for a rare pair and scanned every matter from there, one
        petitioner probe each — 8–12 ms a registration, growing with the table (bench/api.py
        --pg-stats). A person has a handful of matters; fetching the other classifications costs nothing."""
        if not pseudonyms:
            return []
        # One petitioner (most matters): `= $1`, whose cached generic plan PostgreSQL keeps; for
        # `= ANY($1)` it assumes ten elements and re-plans every call with the real array (~0.13 ms).
        match, arg = ("= $1", pseudonyms[0]) if len(pseudonyms) == 1 else ("= ANY($1::text[])", list(pseudonyms))
        rows = await self.conn.fetch(
            f"""SELECT m.id, m.status, m.category, m.subcategory, m.township_code, m.village_code,
                       ARRAY(SELECT q.pseudonym FROM petitioners q WHERE q.matter_id = m.id) AS pseudonyms
                  FROM matters m
                 WHERE m.id = ANY(ARRAY(SELECT matter_id FROM petitioners WHERE pseudonym {match}))
                   AND m.status <> 'linked'""",
            arg)
        return [FiledMatter(r["id"], RepeatKey(frozenset(r["pseudonyms"]), Category(category),
                                               Subcategory(subcategory), r["township_code"], r["village_code"]),
                            MatterStatus(r["status"]))
                for r in rows if r["category"] == category and r["subcategory"] == subcategory]

    async def search(self, f: ListFilter) -> tuple[list[asyncpg.Record], int]:
        where, args = ["TRUE"], []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if f.townships:
            where.append(f"township_code = {arg(f.townships)}")
        if f.department:
            d = arg(f.department)
            where.append(f"department = {d} AND NOT (kind = 'accusation' AND accused_department IS NOT DISTINCT FROM {d})")
        if f.status:
            where.append(f"status = {arg(f.status)}")
        if f.kind:
            where.append(f"kind = {arg(f.kind)}")
        if f.category:
            where.append(f"category = {arg(f.category)}")
        if f.hide_accusations:
            where.append("NOT (kind = 'accusation' AND accused_department IS NOT NULL)")
        if f.overdue_at is not None:
            where.append(f"open_due_at <= {arg(f.overdue_at)}")
        if f.queue:
            condition = _QUEUES[f.queue]
            if "$now" in condition:
                condition = condition.replace("$now", arg(f.now or datetime.now(UTC)))
            where.append(condition)
        clause = " AND ".join(where)
        total = await self.conn.fetchval(f"SELECT count(*) FROM matters WHERE {clause}", *args)
        rows = await self.conn.fetch(
            f"""SELECT id, channel, kind, category, subcategory, township_code, village_code,
                       headcount, is_group_visit, status, department, registered_at, open_due_at, repeat_of,
                       open_due_pending_years, accepted_at, extension_days, extension_request_days,
                       extension_request_reason, extension_requested_at, return_count,
                       (SELECT count(*) FROM supervisions s WHERE s.matter_id = matters.id) AS supervisions
                  FROM matters WHERE {clause} ORDER BY {_ORDERS[f.sort]}
                 LIMIT {arg(f.limit)} OFFSET {arg(f.offset)}""", *args)
        return list(rows), int(total)

    async def open_matters_of(self, pseudonyms: Sequence[str], phone_keys: Sequence[str], since: datetime,
                              township: str | None) -> list[asyncpg.Record]:
        """Matters still being handled that one of these people (by pseudonym or phone key) filed since
        `since` (the repeat hint)."""
        if not pseudonyms and not phone_keys:
            return []
        pending = [s.value for s in PENDING_STATUSES]
        return list(await self.conn.fetch(
            """SELECT id, status, category, subcategory, township_code, registered_at
                 FROM matters
                WHERE id IN (SELECT matter_id FROM petitioners
                              WHERE pseudonym = ANY($1::text[]) OR phone_key = ANY($5::text[]))
                  AND status = ANY($2::text[]) AND registered_at >= $3
                  AND ($4::text IS NULL OR township_code = $4)
                ORDER BY registered_at DESC LIMIT 5""",
            list(pseudonyms), pending, since, township, list(phone_keys)))

    async def audit_trail(self, matter_id: UUID) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            "SELECT * FROM audit_trail WHERE matter_id = $1 ORDER BY seq", matter_id))

    async def alerts(self, matter_id: UUID) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            "SELECT * FROM deadline_alerts WHERE matter_id = $1 ORDER BY raised_at, alert_key", matter_id))

    async def due_for_watch(self, now: datetime, limit: int = 500) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT id FROM matters WHERE watch_at <= $1 ORDER BY watch_at LIMIT $2", now, limit)
        return [r["id"] for r in rows]

    async def calendar_candidates(self, years: Sequence[int]) -> list[tuple[UUID, bool]]:
        """(id, assessed) of the matters whose open deadlines were counted with one of `years`, and of the
        open ones not assessed since the calendar became data (assessed = False)."""
        rows = await self.conn.fetch(
            """SELECT id, calendar_years IS NOT NULL AS assessed FROM matters
                WHERE calendar_years && $1::int[]
                   OR (calendar_years IS NULL AND status NOT IN ('closed', 'linked'))
                ORDER BY id""", list(years))
        return [(r["id"], r["assessed"]) for r in rows]

    async def gauges(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """(open matters, overdue matters) by township, for the Prometheus gauges."""
        pending = [s.value for s in PENDING_STATUSES] + [MatterStatus.replied.value]
        rows = await self.conn.fetch(
            """SELECT township_code, count(*) AS open,
                      count(*) FILTER (WHERE open_due_at <= $2) AS overdue
                 FROM matters WHERE status = ANY($1::text[]) GROUP BY township_code""", pending, now)
        return ({r["township_code"]: r["open"] for r in rows}, {r["township_code"]: r["overdue"] for r in rows})
