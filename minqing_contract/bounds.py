"""The bounds every value must keep, on the topics and at the APIs: one place, one set of types.

A schema-valid value can still break whoever stores or sums it: PostgreSQL refuses a NUL in text,
Python's datetime overflows past year 9999 once a deadline is added, a headcount of 10^40 overflows
`numeric`/`bigint`. So the contract bounds them, the services' APIs refuse them with 422 naming the
field and the rule, and consumers decoding an event refuse them again (dead letter, never a crash).

- Text: no control characters (NUL, escapes, DEL); line breaks and tabs only in free text.
- Instants and days: 2000-01-01 to 2100-12-31 (Beijing time), far beyond any deadline the statutes
  compute from a date in range (the longest clock is 90 days).
- Counts and amounts: whole numbers from 0 to a documented ceiling well inside int64 and `numeric`.

The bounds appear in the generated JSON Schemas (`pattern`, `minimum`/`maximum`, and for instants
`formatMinimum`/`formatMaximum`, the JSON Schema vocabulary validators such as ajv understand).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

CST = timezone(timedelta(hours=8), "Asia/Shanghai")

#: The first and last day a date or instant may carry (Beijing time).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
EARLIEST = datetime(2000, 1, 1, tzinfo=CST)
LATEST = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=CST)

#: Ceilings of whole numbers (all far inside int64 and PostgreSQL integer/bigint/numeric).
MAX_COUNT = 1_000_000            # people, items, findings, volunteers, attempts …
MAX_MINUTES = 10_000_000         # service minutes (≈ 19 years of one person's service)
MAX_YUAN = 100_000_000_000       # fines and losses in yuan (10^11: a hundred billion)

#: Longest label (a category, code, department, legal citation): it becomes a figure's dimension, a
#: key in a btree index, which refuses keys of more than a few kilobytes.
MAX_LABEL_CHARS = 100
#: Most items in a list carried by one event (petitioners of a joint letter, a team's specialties).
MAX_ITEMS = 10_000

#: Free text: any character but the C0 controls other than tab/LF/CR, and DEL.
FREE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: One line (names, codes, labels): no control characters at all.
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"


_EARLIEST_TS, _LATEST_TS = EARLIEST.timestamp(), LATEST.timestamp()


def _within_range(value: datetime) -> datetime:
    # A naive value is compared as if it were UTC; the aware check (if any) is the field's own.
    # (Compared as POSIX seconds: five times cheaper than comparing datetimes of different tzinfo, and
    # every event carries several instants.)
    probe = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not _EARLIEST_TS <= probe.timestamp() <= _LATEST_TS:
        raise ValueError(f"须在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间 "
                         f"(must be between {EARLIEST_DAY} and {LATEST_DAY}, Beijing time)")
    return value


def _day_within_range(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"须在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间 (must be between {EARLIEST_DAY} and {LATEST_DAY})")
    return value


_INSTANT_SCHEMA: dict[str, Any] = {"formatMinimum": EARLIEST.isoformat(), "formatMaximum": LATEST.isoformat()}

#: A point in time between 2000-01-01 and 2100-12-31 (Beijing time).
Instant = Annotated[datetime, AfterValidator(_within_range), Field(json_schema_extra=_INSTANT_SCHEMA)]
#: A calendar day between 2000-01-01 and 2100-12-31.
Day = Annotated[date, AfterValidator(_day_within_range),
                Field(json_schema_extra={"formatMinimum": EARLIEST_DAY.isoformat(),
                                         "formatMaximum": LATEST_DAY.isoformat()})]
#: Free text without control characters (tabs and line breaks allowed).
FreeText = Annotated[str, Field(pattern=FREE_TEXT_PATTERN)]
#: One line of text without any control character.
Line = Annotated[str, Field(pattern=LINE_PATTERN)]
#: A short label on one line (category, code, department, legal citation), at most MAX_LABEL_CHARS.
Label = Annotated[str, Field(pattern=LINE_PATTERN, max_length=MAX_LABEL_CHARS)]
#: A whole number of people or things, 0 … MAX_COUNT.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
#: A whole number of people or things that cannot be zero (a group's size, an attempt), 1 … MAX_COUNT.
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT)]
#: Minutes of service, 0 … MAX_MINUTES.
Minutes = Annotated[int, Field(ge=0, le=MAX_MINUTES)]
#: An amount in yuan, 0 … MAX_YUAN.
Yuan = Annotated[int, Field(ge=0, le=MAX_YUAN)]


# ----- at the APIs: paging, and dates written as ISO 8601 text ---------------------------------------
#: Deepest page a list may be asked for, and the largest offset (far beyond any county's data, far
#: inside PostgreSQL's bigint for OFFSET).
MAX_PAGE = 100_000
MAX_OFFSET = 10_000_000

#: A page number, 1 … MAX_PAGE.
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
#: An offset into a list, 0 … MAX_OFFSET.
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]

_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def _iso_text(value: Any) -> Any:
    # pydantic reads a bare number as Unix time (`start=0` → 1970-01-01): an API wants the ISO form.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("应为 ISO 8601 格式的日期或时间 (must be an ISO 8601 date or date-time, not a number)")
    return value


#: An instant with its UTC offset, written as ISO 8601, between 2000-01-01 and 2100-12-31 (Beijing).
AwareInstant = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_within_range),
                         Field(json_schema_extra=_INSTANT_SCHEMA)]
#: A calendar day written as ISO 8601 (YYYY-MM-DD), between 2000-01-01 and 2100-12-31.
IsoDay = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_day_within_range),
                   Field(json_schema_extra={"formatMinimum": EARLIEST_DAY.isoformat(),
                                            "formatMaximum": LATEST_DAY.isoformat()})]
