-- The county's holiday calendar, working days as data (see domain/workcalendar.py for the rule).
-- One row per known year: seeded from the `chinesecalendar` package at start-up for the years it
-- knows, or entered by a county admin from the State Council's notice (PUT /calendar/{year}).
-- `revision` grows with every write, so each process sees in its own transaction whether the
-- calendar it holds is stale (max(revision) is transactional; a sequence's last_value is not).
CREATE SEQUENCE workday_revision;

CREATE TABLE workday_years (
    year        int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source      text NOT NULL CHECK (source IN ('chinesecalendar', 'county')),
    notice      text,           -- e.g. 国办发明电〔2026〕号 as the admin typed it
    entered_by  text,           -- the county admin's user id; NULL for the package's seed
    entered_at  timestamptz NOT NULL,
    revision    bigint NOT NULL DEFAULT nextval('workday_revision')
);

-- A year's exceptions to Monday–Friday: holidays (rest) and adjusted working weekends (work).
CREATE TABLE workday_days (
    day   date PRIMARY KEY,
    year  int NOT NULL REFERENCES workday_years (year) ON DELETE CASCADE,
    kind  text NOT NULL CHECK (kind IN ('rest', 'work')),
    name  text NOT NULL,
    CHECK (extract(year FROM day)::int = year)
);
CREATE INDEX workday_days_year ON workday_days (year);

-- Derived on every save, like open_due_at: the years whose schedule the matter's open deadlines
-- were counted with (the matters a new or corrected year must recount), and the years still
-- unknown behind open_due_at (the list shows it as provisional). NULL calendar_years: not assessed
-- since this migration; the start-up step assesses those rows.
ALTER TABLE matters ADD COLUMN calendar_years int[];
ALTER TABLE matters ADD COLUMN open_due_pending_years int[] NOT NULL DEFAULT '{}';
CREATE INDEX matters_calendar_years ON matters USING gin (calendar_years);
