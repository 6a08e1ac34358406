-- Liaison service (干部直接联系群众 / 驻村联户): cadres' work contacts, stationings with daily presence,
-- closed weeks and weekly reports, 五不准 reports, households (personal data encrypted, `*_enc`) with
-- help plans and contact cards, and visits (民情记录簿, text encrypted). State lives here; Kafka gets
-- facts with pseudonyms only.
CREATE EXTENSION IF NOT EXISTS btree_gist;  -- text equality inside the stationing exclusion constraint

-- A cadre's work contact as the contact card prints it (a staff account's `sub` is the id).
CREATE TABLE lia_cadres (
    cadre_id      text PRIMARY KEY,
    township_code text NOT NULL CHECK (township_code ~ '^\d{12}$'),
    name          text NOT NULL,
    work_phone    text NOT NULL,
    email         text,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE lia_stationings (
    id             uuid PRIMARY KEY,
    cadre_id       text NOT NULL,
    cadre_ref      text NOT NULL,
    township_code  text NOT NULL CHECK (township_code ~ '^\d{12}$'),
    village_code   text NOT NULL CHECK (village_code ~ '^\d{12}$'),
    starts_on      date NOT NULL,
    ends_on        date CHECK (ends_on IS NULL OR ends_on >= starts_on),
    assigned_by    text NOT NULL,
    assigned_at    timestamptz NOT NULL,
    closed_through date,
    short_streak   int NOT NULL DEFAULT 0,
    version        int NOT NULL DEFAULT 0,
    -- One village at a time: a cadre's stationing periods never overlap.
    EXCLUDE USING gist (cadre_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
);
CREATE INDEX lia_stationings_township ON lia_stationings (township_code);

CREATE TABLE lia_presence (
    stationing_id uuid NOT NULL REFERENCES lia_stationings (id),
    day           date NOT NULL,
    status        text NOT NULL CHECK (status IN ('in_village', 'at_township', 'on_leave', 'official_business')),
    note          text,
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (stationing_id, day)
);

CREATE TABLE lia_weeks (
    stationing_id    uuid NOT NULL REFERENCES lia_stationings (id),
    week_start       date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    season_minimum   int NOT NULL,
    working_days     int NOT NULL,
    excused_days     int NOT NULL,
    required_days    int NOT NULL,
    in_village_days  int NOT NULL,
    at_township_days int NOT NULL,
    met              boolean NOT NULL,
    short_streak     int NOT NULL,
    closed_at        timestamptz NOT NULL,
    PRIMARY KEY (stationing_id, week_start)
);

CREATE TABLE lia_reports (
    stationing_id uuid NOT NULL REFERENCES lia_stationings (id),
    week_start    date NOT NULL,
    text          text NOT NULL,
    submitted_at  timestamptz NOT NULL,
    PRIMARY KEY (stationing_id, week_start)
);

CREATE TABLE lia_misconduct (
    id            uuid PRIMARY KEY,
    stationing_id uuid NOT NULL REFERENCES lia_stationings (id),
    cadre_ref     text NOT NULL,
    township_code text NOT NULL,
    village_code  text NOT NULL,
    prohibition   text NOT NULL,
    description_enc text NOT NULL,
    reported_by   text NOT NULL,
    reported_at   timestamptz NOT NULL,
    status        text NOT NULL,
    follow_ups    jsonb NOT NULL DEFAULT '[]',  -- [{at, by, status, note_enc}]
    version       int NOT NULL DEFAULT 0
);
CREATE INDEX lia_misconduct_township ON lia_misconduct (township_code, reported_at);

-- `household_ref` is the keyed pseudonym of the head's ID number: a household registers once.
CREATE TABLE lia_households (
    id            uuid PRIMARY KEY,
    household_ref text NOT NULL UNIQUE,
    township_code text NOT NULL CHECK (township_code ~ '^\d{12}$'),
    village_code  text NOT NULL CHECK (village_code ~ '^\d{12}$'),
    members_enc   text NOT NULL,  -- JSON list of members (names, relations, ID numbers, phones, employment)
    member_count  int NOT NULL CHECK (member_count >= 1),
    income_band   text NOT NULL,
    needs_enc     text NOT NULL,  -- JSON list (free text)
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL,
    cadre_id      text,
    cadre_ref     text,
    plan          jsonb NOT NULL DEFAULT '[]',  -- help items with progress notes
    version       int NOT NULL DEFAULT 0
);
CREATE INDEX lia_households_village ON lia_households (township_code, village_code);
CREATE INDEX lia_households_cadre ON lia_households (cadre_id);

CREATE TABLE lia_cards (
    household_id uuid NOT NULL REFERENCES lia_households (id),
    card_no      int NOT NULL CHECK (card_no >= 1),
    cadre_id     text NOT NULL,
    cadre_name   text NOT NULL,
    work_phone   text NOT NULL,
    email        text,
    pledged      jsonb NOT NULL,
    issued_at    timestamptz NOT NULL,
    PRIMARY KEY (household_id, card_no)
);

CREATE TABLE lia_visits (
    id            uuid PRIMARY KEY,
    household_id  uuid NOT NULL REFERENCES lia_households (id),
    cadre_id      text NOT NULL,
    township_code text NOT NULL,
    village_code  text NOT NULL,
    visited_on    date NOT NULL,
    record_enc    text NOT NULL,  -- JSON {seen, said, help_given, problems: [{id, category, subcategory, description, needs_handling}]}
    problems      int NOT NULL,
    raised        int NOT NULL,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX lia_visits_household ON lia_visits (household_id, visited_on);
CREATE INDEX lia_visits_township ON lia_visits (township_code, visited_on);
