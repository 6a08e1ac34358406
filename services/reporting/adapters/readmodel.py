"""All of the reporting service's SQL: batched writes of aggregated facts, and the reads figures need.

The read models live in one PostgreSQL schema (`reporting`, see migrations/0001). `ReadModel(schema)`
binds the statements to a schema, so the replay can build a fresh copy next to the live one and
`switch_into_place` renames it over the live one in one transaction: a reader sees the old model or the
new one, never half of either.

Writers (the live worker, the replay's catch-up) hold a shared transaction-level advisory lock; the
switch-over holds it exclusively, so no live batch straddles the switch.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from services.reporting.domain import metrics as m
from services.reporting.domain.aggregate import Aggregate, month_of
from services.reporting.domain.facts import Mark

LIVE = "reporting"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE_LOCK = 0x7265706F  # "repo": shared by live batches, exclusive for the replay's switch-over
NOTIFY_CHANNEL = "reporting_changed"
TABLES = ("deltas", "deltas_monthly", "samples", "samples_monthly", "marks", "presences", "processed", "offsets")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

Offsets = dict[tuple[str, int], int]
#: The driver's handles, named here so the layers above pass them along without importing the driver.
Pool = asyncpg.Pool
Connection = asyncpg.Connection


def _check(schema: str) -> str:
    if not _IDENT.match(schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    return schema


def _next_month(day: date) -> date:
    return month_of(month_of(day) + timedelta(days=32))


def split_period(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """[start, end] as whole calendar months (read from the monthly roll-up) and at most two edge ranges."""
    if start > end:
        return [], []
    first_full = start if start.day == 1 else _next_month(start)
    after_end = end + timedelta(days=1)
    last_full_end = month_of(after_end)  # exclusive: months starting before this and ending <= end
    months: list[date] = []
    m = first_full
    while m < last_full_end:
        months.append(m)
        m = _next_month(m)
    if not months:
        return [], [(start, end)]
    ranges = []
    if start < months[0]:
        ranges.append((start, months[0] - timedelta(days=1)))
    if last_full_end <= end:
        ranges.append((last_full_end, end))
    return months, ranges


def migration_sql(schema: str) -> str:
    """Every reporting migration, rewritten to build its tables in `schema` instead of `reporting`."""
    _check(schema)
    parts = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        parts.append(sql.replace(f"CREATE SCHEMA {LIVE};", f"CREATE SCHEMA {schema};")
                     .replace(f"SET LOCAL search_path TO {LIVE};", f"SET LOCAL search_path TO {schema};"))
    return "\n".join(parts)


Columns = tuple[list[Any], ...]


@dataclass(frozen=True)
class Rows:
    """An `Aggregate` laid out as the write statements' column arrays, in any order (each statement
    takes them in key order, so concurrent writers lock rows in one order: no deadlocks). Built by
    `rows_of` — pure, so a worker thread can build it while the previous batch is being written."""

    deltas: Columns
    monthly: Columns
    samples: Columns
    samples_monthly: Columns
    opens: Columns  # marks that open (upserted)
    closes: Columns  # marks that close (delete the key's row): metric, key, at
    presences: Columns

    def __bool__(self) -> bool:
        return any(cols[0] for cols in (self.deltas, self.samples, self.opens, self.closes, self.presences))


def _columns(rows: list[tuple[Any, ...]], width: int) -> Columns:
    return tuple(list(col) for col in zip(*rows, strict=True)) if rows else tuple([] for _ in range(width))


def _sums(sums: dict[Any, Any], width: int) -> Columns:
    """A table of sums (key tuple → value or [count, amount]) as columns, without building a tuple per
    row: the keys' columns and the values' columns transposed in C."""
    if not sums:
        return tuple([] for _ in range(width))
    columns = [list(c) for c in zip(*sums, strict=True)]
    values = list(sums.values())
    if isinstance(values[0], list):
        columns += [list(c) for c in zip(*values, strict=True)]
    else:
        columns.append(values)
    return tuple(columns)


def rows_of(agg: Aggregate) -> Rows:
    """The sums laid out as the write statements' columns, in any order: each statement takes its rows in
    its table's primary-key order itself (the upserts `ORDER BY`, the closes lock what they delete `FOR
    UPDATE` in key order), so concurrent writers lock rows in one order."""
    marks = agg.marks.values()
    opens = [(mk.metric, mk.key, mk.township, mk.village or "", mk.dimension, mk.day, mk.at,
              json.dumps(dict(mk.attrs), ensure_ascii=False, sort_keys=True) if mk.attrs else "{}")
             for mk in marks if mk.open]
    closed = [mk for mk in marks if not mk.open]  # most marks: their columns straight from the tuples
    fields = list(zip(*closed, strict=True)) if closed else [()] * len(Mark._fields)
    closes = (list(fields[0]), list(fields[1]), list(fields[6]))  # metric, key, at
    return Rows(_sums(agg.deltas, 7), _sums(agg.monthly, 6), _sums(agg.samples, 6), _sums(agg.samples_monthly, 6),
                _columns(opens, 8), closes, _columns(list(agg.presences), 4))


def _with_attrs(record: Any) -> dict[str, Any]:
    row = dict(record)
    row["attrs"] = json.loads(row["attrs"]) if isinstance(row["attrs"], str) else dict(row["attrs"] or {})
    return row


#: The writers' staging tables: temporary (per session, no WAL), emptied at each commit and by each
#: statement that reads them; the same for every schema (the replay's rebuild too).
_STAGE = "reporting_stage_"
_STAGES = {
    "ids": "event_id uuid",
    "deltas": "metric text, township text, village text, dimension text, day date, count bigint, amount numeric",
    "monthly": "metric text, township text, dimension text, month date, count bigint, amount numeric",
    "samples": "metric text, township text, dimension text, day date, bucket float8, count bigint",
    "samples_monthly": "metric text, township text, dimension text, month date, bucket float8, count bigint",
    "opens": "metric text, key text, township text, village text, dimension text, day date, at timestamptz, attrs text",
    "presences": "metric text, township text, day date, key text",
}
#: Each staging table's column names and types (the `unnest` form of a small batch uses them too).
_STAGE_COLUMNS = {name: (", ".join(c.split()[0] for c in cols.split(", ")), [c.split()[1] for c in cols.split(", ")])
                  for name, cols in _STAGES.items()}
#: From how many events a batch is written through the staging tables (below: arrays, fewer round trips).
BULK_FROM = 1000
_STAGING_SQL = "".join(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE}{name} ({cols}) ON COMMIT DELETE ROWS;"
                       for name, cols in _STAGES.items())


class Writer:
    """One batch transaction's writes (obtained from `ReadModel.writing`)."""

    def __init__(self, model: ReadModel, conn: asyncpg.Connection, bulk: bool = False) -> None:
        self.model = model
        self.conn = conn
        self.bulk = bulk

    def savepoint(self) -> Any:
        """A nested transaction: what fails inside rolls back alone (for setting a poison event aside)."""
        return self.conn.transaction()

    async def offsets(self) -> Offsets:
        rows = await self.conn.fetch(f"SELECT topic, partition, next_offset FROM {self.model.s}.offsets")
        return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    async def _source(self, name: str, columns: Columns) -> tuple[str, list[Any]]:
        """The rows of `columns` as a query for a `WITH v AS (…)` (and its parameters). A bulk batch copies
        them into the session's staging table `name` (binary COPY: each value encoded in C, where an
        array parameter costs the driver two Python-level ABC checks per element) and the query empties
        it; a small one passes them as arrays to `unnest` (fewer round trips: latency)."""
        if self.bulk:
            await self.conn.copy_records_to_table(f"{_STAGE}{name}", records=zip(*columns, strict=True))
            return f"DELETE FROM {_STAGE}{name} RETURNING *", []
        names, types = _STAGE_COLUMNS[name]
        arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, 1))
        return f"SELECT * FROM unnest({arrays}) AS u ({names})", [list(c) for c in columns]

    async def claim(self, ids: Sequence[UUID]) -> set[UUID]:
        """Record event ids as applied; returns those not applied before (the rest are redeliveries)."""
        if not ids:
            return set()
        source, args = await self._source("ids", ([*ids],))
        rows = await self.conn.fetch(
            f"WITH v AS ({source})"
            f" INSERT INTO {self.model.s}.processed (event_id) SELECT event_id FROM v ORDER BY event_id"
            " ON CONFLICT DO NOTHING RETURNING event_id", *args)
        return {r[0] for r in rows}

    async def add_applied(self, ids: Sequence[UUID]) -> None:
        """Record event ids known not to be recorded yet (a rebuild deduplicates them in memory): binary
        COPY straight into the table, no staging and no conflict check; a repeated id fails the
        statement (the primary key), it is never counted twice."""
        if ids:
            await self.conn.copy_records_to_table("processed", schema_name=self.model.s,
                                                  records=[(i,) for i in ids], columns=["event_id"])

    async def write(self, rows: Rows, offsets: Offsets) -> None:
        """One statement per table (rows staged by COPY, moved by a statement that also empties the stage:
        the staging tables hold nothing between statements, whatever savepoints rolled back). Each
        statement takes its rows in primary-key order, so concurrent writers lock them in one order."""
        s, c = self.model.s, self.conn
        if rows.deltas[0]:
            source, args = await self._source("deltas", rows.deltas)
            await c.execute(
                f"WITH v AS ({source})"
                f" INSERT INTO {s}.deltas AS t (metric, township, village, dimension, day, count, amount)"
                " SELECT metric, township, village, dimension, day, count, amount FROM v"
                " ORDER BY day, metric, township, village, dimension"
                " ON CONFLICT (day, metric, township, village, dimension) DO UPDATE"
                " SET count = t.count + excluded.count, amount = t.amount + excluded.amount", *args)
            source, args = await self._source("monthly", rows.monthly)
            await c.execute(
                f"WITH v AS ({source})"
                f" INSERT INTO {s}.deltas_monthly AS t (metric, township, dimension, month, count, amount)"
                " SELECT metric, township, dimension, month, count, amount FROM v"
                " ORDER BY month, metric, township, dimension"
                " ON CONFLICT (month, metric, township, dimension) DO UPDATE"
                " SET count = t.count + excluded.count, amount = t.amount + excluded.amount", *args)
        for table, when, columns in (("samples", "day", rows.samples), ("samples_monthly", "month", rows.samples_monthly)):
            if not columns[0]:
                continue
            source, args = await self._source(table, columns)
            await c.execute(
                f"WITH v AS ({source})"
                f" INSERT INTO {s}.{table} AS t (metric, township, dimension, {when}, bucket, count)"
                f" SELECT metric, township, dimension, {when}, bucket, count FROM v"
                f" ORDER BY {when}, metric, township, dimension, bucket"
                f" ON CONFLICT ({when}, metric, township, dimension, bucket) DO UPDATE SET count = t.count + excluded.count", *args)
        if rows.closes[0]:
            # A close deletes the key's row: the table holds open keys only. A key's events share one
            # partition key, so its open is always read before its close; and deleting (rather than
            # storing a closed row) gives the same table however the events were cut into batches, so a
            # replay equals the live model. Most closes find nothing (every routed petition clears an
            # overdue mark that was never set), which is also why this is cheaper than an upsert.
            # The rows found are locked in key order before they go (the closes arrive in any order).
            await c.execute(
                f"DELETE FROM {s}.marks AS t USING (SELECT m.metric, m.key FROM {s}.marks AS m"
                " JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS v (metric, key, at)"
                " ON m.metric = v.metric AND m.key = v.key AND m.at <= v.at"
                " ORDER BY m.metric, m.key FOR UPDATE OF m) AS d WHERE t.metric = d.metric AND t.key = d.key",
                *rows.closes)
        if rows.opens[0]:
            source, args = await self._source("opens", rows.opens)
            await c.execute(
                f"WITH v AS ({source})"
                f" INSERT INTO {s}.marks AS t (metric, key, township, village, dimension, day, at, open, attrs)"
                " SELECT metric, key, township, village, dimension, day, at, true, attrs::jsonb FROM v"
                " ORDER BY metric, key ON CONFLICT (metric, key) DO UPDATE"
                " SET township = excluded.township, village = excluded.village, dimension = excluded.dimension,"
                " day = excluded.day, at = excluded.at, open = excluded.open, attrs = excluded.attrs"
                " WHERE t.at <= excluded.at", *args)
        if rows.presences[0]:
            source, args = await self._source("presences", rows.presences)
            await c.execute(
                f"WITH v AS ({source})"
                f" INSERT INTO {s}.presences (metric, township, day, key)"
                " SELECT metric, township, day, key FROM v ORDER BY metric, township, day, key ON CONFLICT DO NOTHING", *args)
        if offsets:
            tps = sorted(offsets)
            await c.execute(
                f"INSERT INTO {s}.offsets AS t (topic, partition, next_offset)"
                " SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) ON CONFLICT (topic, partition)"
                " DO UPDATE SET next_offset = greatest(t.next_offset, excluded.next_offset)",
                [tp[0] for tp in tps], [tp[1] for tp in tps], [offsets[tp] for tp in tps])
        if rows or offsets:
            version = await c.fetchval(
                f"UPDATE {s}.state SET version = version + 1, updated_at = now() WHERE id = 1 RETURNING version")
            await c.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(version))


class ReadModel:
    def __init__(self, schema: str = LIVE) -> None:
        self.s = _check(schema)

    # ----- writing ---------------------------------------------------------------------------------
    @asynccontextmanager
    async def writing(self, pool: asyncpg.Pool, *, events: int = 0) -> AsyncIterator[Writer]:
        """One batch transaction, holding the shared write lock (a switch-over waits for it); a batch of
        `events` from `BULK_FROM` on is written through the staging tables."""
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", WRITE_LOCK)
            bulk = events >= BULK_FROM
            if bulk:  # outside any savepoint (one rolled back would take the tables with it); nothing if they exist
                await conn.execute(_STAGING_SQL)
            yield Writer(self, conn, bulk)

    # ----- reading ---------------------------------------------------------------------------------
    # Figures read sums, never rows: each statement below sums in SQL down to what its caller reads
    # (the dimension and the township only where asked), so a request moves tens or hundreds of rows.
    @asynccontextmanager
    async def reading(self, pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for reads. Without parallel workers: a read takes milliseconds, less than
        starting a worker process, and on a small machine the workers only compete with the API for
        the cores (the setting stays on the pooled connection: the runtime's pool keeps sessions on release,
        and the batch writes on it gain nothing from parallel plans either)."""
        async with pool.acquire() as conn:
            await conn.execute("SET max_parallel_workers_per_gather = 0")
            yield conn

    async def version(self, conn: Any) -> int:
        return int(await conn.fetchval(f"SELECT version FROM {self.s}.state WHERE id = 1"))

    async def offsets(self, conn: Any) -> Offsets:
        rows = await conn.fetch(f"SELECT topic, partition, next_offset FROM {self.s}.offsets")
        return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    @staticmethod
    def _days(first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    @classmethod
    def _edges(cls, ranges: Sequence[tuple[date, date]]) -> tuple[list[date], list[date], list[date]]:
        """The partial months of `ranges` as (months, days to add, days to take away): a part covering at
        most half its month is its own days, a larger one is the whole month minus the month's other days.
        Either way exact (integer counts, numeric amounts), and at most half a month of daily rows each."""
        months: list[date] = []
        plus: list[date] = []
        minus: list[date] = []
        for first, last in ranges:
            while first <= last:
                month, month_end = month_of(first), _next_month(first) - timedelta(days=1)
                upto = min(last, month_end)
                if 2 * ((upto - first).days + 1) <= (month_end - month).days + 1:
                    plus += cls._days(first, upto)
                else:
                    months.append(month)
                    minus += [d for d in cls._days(month, month_end) if not first <= d <= upto]
                first = upto + timedelta(days=1)
        return months, plus, minus

    def _over(self, args: list[Any], start: date, end: date, table: str, keys: str, sums: Sequence[str],
              where: str) -> str:
        """`SELECT {keys}, sum(…) for each of `sums` … WHERE {where} GROUP BY {keys}` over the days [start, end]
        of `table`, as a UNION ALL of at most three parts: whole calendar months from its monthly roll-up,
        edge days from the daily table, added or (see `_edges`) taken away. `keys` are three columns.

        Daily tables are read with `day = ANY(days)`, not `day BETWEEN`: an index led by the day then finds
        each (day, metric) directly, where a range would visit every metric's rows of those days. Appends
        the parts' parameters to `args`, so `where` numbers its own from $1."""
        months, ranges = split_period(start, end)
        more, plus, minus = self._edges(ranges)
        parts = []
        for source, column, values, sign in ((f"{table}_monthly", "month", months + more, ""),
                                             (table, "day", plus, ""), (table, "day", minus, "-")):
            if values:
                args.append(values)
                totals = ", ".join(f"{sign}sum({s}) AS {s}" for s in sums)
                parts.append(f"SELECT {keys}, {totals} FROM {self.s}.{source}"
                             f" WHERE {column} = ANY(${len(args)}::date[]) AND {where} GROUP BY 1, 2, 3")
        if not parts:  # an empty period
            parts.append(f"SELECT {keys}, {', '.join(f'sum({s}) AS {s}' for s in sums)} FROM {self.s}.{table}"
                         " WHERE false GROUP BY 1, 2, 3")
        return " UNION ALL ".join(parts)

    async def counters(self, conn: Any, start: date, end: date, metrics: Sequence[str], *,
                       by_dimension: Sequence[str] = (), township: str | None = None,
                       per_township: bool = True) -> list[tuple[str, str, str, int, float]]:
        """Counters of `metrics` summed over [start, end]: (metric, township, dimension, count, amount).

        The dimension is kept for metrics in `by_dimension` only ('' for the others: their total); the
        township with `per_township` only ('' otherwise: the whole scope). Amounts are summed exactly
        (numeric) and converted to float once, at the end.
        """
        town = "township" if per_township else "''::text"
        args: list[Any] = [list(metrics), list(by_dimension), township]
        parts = self._over(args, start, end, "deltas", f"metric, {town} AS township, dimension", ("count", "amount"),
                           "metric = ANY($1::text[]) AND ($3::text IS NULL OR township = $3)")
        # Summed per dimension first (plain columns: cheap to hash), collapsed afterwards on those few rows.
        rows = await conn.fetch(
            "SELECT metric, township, CASE WHEN metric = ANY($2::text[]) THEN dimension ELSE '' END,"
            f" sum(count)::bigint, sum(amount)::float8 FROM ({parts}) AS t GROUP BY 1, 2, 3", *args)
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def buckets(self, conn: Any, start: date, end: date, metrics: Sequence[str], *,
                      township: str | None = None, per_township: bool = True) -> list[tuple[str, str, float, int]]:
        """Histogram counts over [start, end]: (metric, township, bucket, count); township '' unless
        `per_township`."""
        town = "township" if per_township else "''::text"
        args: list[Any] = [list(metrics), township]
        parts = self._over(args, start, end, "samples", f"metric, {town} AS township, bucket", ("count",),
                           "metric = ANY($1::text[]) AND ($2::text IS NULL OR township = $2)")
        rows = await conn.fetch(f"SELECT metric, township, bucket, sum(count)::bigint FROM ({parts}) AS t"
                                " GROUP BY 1, 2, 3", *args)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def open_counts(self, conn: Any, totals: Sequence[str], by_dimension: Sequence[str],
                          township: str | None = None) -> list[tuple[str, str, str, int]]:
        """Keys open now, per township: (metric, township, dimension, n). Metrics in `totals` are counted
        over their dimensions ('') straight from the open-marks index; those in `by_dimension` per dimension."""
        rows = await conn.fetch(
            f"SELECT metric, township, '' AS dimension, count(*) AS n FROM {self.s}.marks"
            " WHERE open AND metric = ANY($1::text[]) AND ($3::text IS NULL OR township = $3) GROUP BY metric, township"
            f" UNION ALL SELECT metric, township, dimension, count(*) AS n FROM {self.s}.marks"
            " WHERE open AND metric = ANY($2::text[]) AND ($3::text IS NULL OR township = $3)"
            " GROUP BY metric, township, dimension", list(totals), list(by_dimension), township)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def open_list(self, conn: Any, metric: str, township: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        """Open keys of one mark metric, oldest first, with their attrs and (for hazards, suspended
        enterprises) the enterprise's name from the name lookup."""
        rows = await conn.fetch(
            f"SELECT x.*, e.attrs ->> 'name' AS enterprise_name FROM ("
            f" SELECT key, township, village, dimension, at, attrs FROM {self.s}.marks"
            " WHERE open AND metric = $1 AND ($2::text IS NULL OR township = $2) ORDER BY at, key LIMIT $3) AS x"
            f" LEFT JOIN {self.s}.marks AS e ON e.metric = $4"
            " AND e.key = coalesce(x.attrs ->> 'enterprise', CASE WHEN $1 = $5 THEN x.key END)"
            " ORDER BY x.at, x.key",
            metric, township, limit, m.S_ENTERPRISE_NAMES, m.S_SUSPENDED)
        return [_with_attrs(r) for r in rows]

    async def case_lists(self, conn: Any, township: str | None, limit: int, due_soon_until: datetime,
                         accidents_since: date) -> list[dict[str, Any]]:
        """The dashboard's case lists in one statement: overdue and approaching-deadline petitions and hazards
        (oldest first, `limit` each) and the serious accidents since `accidents_since` (all), each row with its
        `attrs`; hazard and accident rows carry the enterprise's name from the name lookup (one join, no
        per-row reads). Hazards approaching their deadline are the open ones due by `due_soon_until` and not
        yet overdue (the safety stream has no reminder event)."""
        s = self.s
        cols = "key, township, village, dimension, at, attrs"
        named = (f"SELECT x.*, e.attrs ->> 'name' AS enterprise_name FROM ({{}}) AS x"
                 f" LEFT JOIN {s}.marks AS e ON e.metric = $6 AND e.key = x.attrs ->> 'enterprise'")
        parts = [
            f"(SELECT 'petitions_overdue' AS list, {cols} FROM {s}.marks WHERE open AND metric = $1"
            " AND ($5::text IS NULL OR township = $5) ORDER BY at, key LIMIT $8)",
            f"(SELECT 'petitions_due_soon' AS list, {cols} FROM {s}.marks WHERE open AND metric = $2"
            " AND ($5::text IS NULL OR township = $5) ORDER BY (attrs ->> 'due_at')::timestamptz, key LIMIT $8)",
            f"(SELECT 'hazards_overdue' AS list, {cols} FROM {s}.marks WHERE open AND metric = $3"
            " AND ($5::text IS NULL OR township = $5) ORDER BY at, key LIMIT $8)",
            f"(SELECT 'hazards_due_soon' AS list, {cols} FROM {s}.marks AS h WHERE open AND metric = $4"
            " AND ($5::text IS NULL OR township = $5) AND (attrs ->> 'due_at')::timestamptz <= $9"
            f" AND NOT EXISTS (SELECT 1 FROM {s}.marks AS o WHERE o.metric = $3 AND o.key = h.key)"
            " ORDER BY (attrs ->> 'due_at')::timestamptz, key LIMIT $8)",
            f"(SELECT 'serious_accidents' AS list, {cols} FROM {s}.marks WHERE open AND metric = $7"
            " AND ($5::text IS NULL OR township = $5) AND day >= $10 ORDER BY at, key)",
        ]
        sql = named.format(" UNION ALL ".join(parts))
        rows = await conn.fetch(sql, m.P_OVERDUE_OPEN, m.P_DUE_SOON_OPEN, m.S_HAZARDS_OVERDUE_OPEN,
                                m.S_HAZARDS_OPEN, township, m.S_ENTERPRISE_NAMES, m.S_SERIOUS_ACCIDENTS, limit,
                                due_soon_until, accidents_since)
        return [_with_attrs(r) for r in rows]

    async def days_with_data(self, conn: Any, first: date, last: date) -> int:
        """How many days of [first, last] hold any counter: a period's data is complete only if most do
        (one index probe per day on the daily table's primary key, which leads with the day)."""
        return int(await conn.fetchval(
            f"SELECT count(*) FROM unnest($1::date[]) AS d (day)"
            f" WHERE EXISTS (SELECT 1 FROM {self.s}.deltas AS t WHERE t.day = d.day)", self._days(first, last)))

    async def presence_counts(self, conn: Any, metric: str, start: date, end: date,
                              township: str | None = None) -> tuple[int, dict[str, int]]:
        """Distinct keys active in [start, end]: over the whole scope, and per township."""
        # Distinct (township, key) pairs first, by hashing: a team active on many days is one pair, and
        # the distinct counts then sort tens of pairs, not every day's row.
        rows = await conn.fetch(
            "SELECT township, count(DISTINCT key) AS n FROM ("
            f" SELECT DISTINCT township, key FROM {self.s}.presences"
            "  WHERE metric = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR township = $4)"
            ") AS p GROUP BY GROUPING SETS ((township), ())", metric, start, end, township)
        total = next((r["n"] for r in rows if r["township"] is None), 0)
        return total, {r["township"]: r["n"] for r in rows if r["township"] is not None}

    async def household_counts(self, conn: Any, visited: str, paired: str, start: date, end: date,
                               township: str | None = None) -> list[tuple[str | None, int, int]]:
        """Distinct households visited in [start, end] and paired on or before `end`, in one statement:
        (township, visited, paired) per township and once over the scope (township None)."""
        rows = await conn.fetch(
            "SELECT township, count(DISTINCT key) FILTER (WHERE metric = $1) AS visited,"
            " count(DISTINCT key) FILTER (WHERE metric = $2) AS paired FROM ("
            f" SELECT DISTINCT metric, township, key FROM {self.s}.presences"
            "  WHERE ((metric = $1 AND day BETWEEN $3 AND $4) OR (metric = $2 AND day <= $4))"
            "  AND ($5::text IS NULL OR township = $5)"
            ") AS p GROUP BY GROUPING SETS ((township), ())", visited, paired, start, end, township)
        return [(r["township"], r["visited"], r["paired"]) for r in rows]

    async def daily(self, conn: Any, metrics: Sequence[str], start: date, end: date,
                    township: str | None = None) -> list[tuple[str, date, int]]:
        """Totals per day: (metric, day, count), summed over the metric's dimension (a metric is recorded
        either without a dimension or always with one, e.g. hazards by level, requests by category)."""
        rows = await conn.fetch(
            f"SELECT metric, day, sum(count)::bigint AS n FROM {self.s}.deltas"
            " WHERE day = ANY($2::date[]) AND metric = ANY($1::text[])"
            " AND ($3::text IS NULL OR township = $3) GROUP BY metric, day",
            list(metrics), self._days(start, end), township)
        return [(r["metric"], r["day"], r["n"]) for r in rows]

    # ----- rebuilding ------------------------------------------------------------------------------
    async def create(self, conn: asyncpg.Connection) -> None:
        """Build empty read-model tables in this (new) schema."""
        async with conn.transaction():
            await conn.execute(migration_sql(self.s))

    async def vacuum(self, conn: asyncpg.Connection) -> None:
        """VACUUM ANALYZE the tables figures read (outside a transaction): a rebuilt schema's upserts leave
        as many dead rows as live ones, and it has no statistics yet; reads after the switch-over need both.
        (`processed`, the largest, only takes inserts and is never read by a figure: left alone.)"""
        for table in TABLES:
            if table not in ("processed", "offsets"):
                await conn.execute(f"VACUUM (ANALYZE) {self.s}.{table}")

    async def drop(self, conn: asyncpg.Connection) -> None:
        await conn.execute(f"DROP SCHEMA IF EXISTS {self.s} CASCADE")

    async def lock_writers(self, conn: asyncpg.Connection) -> None:
        """Session-level exclusive write lock: live batches wait until `unlock_writers`."""
        await conn.execute("SELECT pg_advisory_lock($1)", WRITE_LOCK)

    async def unlock_writers(self, conn: asyncpg.Connection) -> None:
        await conn.execute("SELECT pg_advisory_unlock($1)", WRITE_LOCK)

    async def switch_into_place(self, conn: asyncpg.Connection, live: str = LIVE, keep_old: str | None = None) -> None:
        """Rename this schema over `live` in one transaction (the old one is dropped or kept as `keep_old`)."""
        _check(live)
        old = _check(keep_old or f"{live}_old")
        async with conn.transaction():
            before = await conn.fetchval(f"SELECT version FROM {live}.state WHERE id = 1")
            await conn.execute(f"DROP SCHEMA IF EXISTS {old} CASCADE")
            await conn.execute(f"ALTER SCHEMA {live} RENAME TO {old}")
            await conn.execute(f"ALTER SCHEMA {self.s} RENAME TO {live}")
            if keep_old is None:
                await conn.execute(f"DROP SCHEMA {old} CASCADE")
            version = await conn.fetchval(
                f"UPDATE {live}.state SET version = greatest(version, $1) + 1, updated_at = now() WHERE id = 1"
                " RETURNING version", before)
            await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(version))
        self.s = live

    async def dump(self, conn: Any) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every read-model table, sorted (to compare two models)."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in TABLES:
            rows = await conn.fetch(f"SELECT * FROM {self.s}.{table}")
            out[table] = sorted(tuple(r.values()) for r in rows)
        return out
