-- Volunteer service (志愿服务): the network, people (PII encrypted), requests (微心愿) with their
-- audit trail, the hours ledger, activities and ratings. State lives here; Kafka gets facts.
CREATE EXTENSION IF NOT EXISTS btree_gist;  -- uuid equality inside the hours exclusion constraint

CREATE TABLE vol_stations (
    id            uuid PRIMARY KEY,
    level         text NOT NULL CHECK (level IN ('village', 'township', 'county')),
    division_code text NOT NULL CHECK (division_code ~ '^\d{12}$'),
    name          text NOT NULL,
    created_at    timestamptz NOT NULL,
    UNIQUE (level, division_code, name)
);

CREATE TABLE vol_service_points (
    id           uuid PRIMARY KEY,
    station_id   uuid NOT NULL REFERENCES vol_stations (id),
    name         text NOT NULL,
    village_code text NOT NULL CHECK (village_code ~ '^\d{12}$'),
    created_at   timestamptz NOT NULL
);

CREATE TABLE vol_teams (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    level              text NOT NULL CHECK (level IN ('village', 'township', 'county')),
    home_station_id    uuid NOT NULL REFERENCES vol_stations (id),
    home_division_code text NOT NULL CHECK (home_division_code ~ '^\d{12}$'),
    specialties        text[] NOT NULL CHECK (cardinality(specialties) >= 1),
    capacity           int NOT NULL CHECK (capacity >= 1),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL
);

-- Personal data (§7 registration) is Fernet-encrypted by the service; `person_ref` is the keyed
-- pseudonym of the ID number, so one person registers once without storing the number in clear.
CREATE TABLE vol_volunteers (
    id             uuid PRIMARY KEY,
    person_ref     text NOT NULL UNIQUE,
    name_enc       text NOT NULL,
    phone_enc      text NOT NULL,
    id_number_enc  text NOT NULL,
    township_code  text NOT NULL CHECK (township_code ~ '^\d{9}000$'),
    skills         text[] NOT NULL DEFAULT '{}',
    available_time jsonb NOT NULL DEFAULT '[]',
    created_at     timestamptz NOT NULL
);

CREATE TABLE vol_team_members (
    team_id      uuid NOT NULL REFERENCES vol_teams (id),
    volunteer_id uuid NOT NULL REFERENCES vol_volunteers (id),
    PRIMARY KEY (team_id, volunteer_id)
);

CREATE TABLE vol_requests (
    id                  uuid PRIMARY KEY,
    version             int NOT NULL,  -- events published so far (CloudEvents `sequence`)
    category            text NOT NULL,
    village_code        text NOT NULL CHECK (village_code ~ '^\d{12}$'),
    township_code       text NOT NULL CHECK (township_code ~ '^\d{9}000$'),
    description         text NOT NULL,
    urgency             text NOT NULL,
    requester           text NOT NULL,  -- pseudonym
    requester_name_enc  text,
    requester_phone_enc text,
    preferred_start     timestamptz,
    preferred_end       timestamptz,
    status              text NOT NULL,
    submitted_at        timestamptz NOT NULL,
    approved_at         timestamptz,
    dispatched_at       timestamptz,    -- first dispatch (reporting: time to dispatch)
    current_dispatch_at timestamptz,    -- the accept timeout runs from here
    accepted_at         timestamptz,
    started_at          timestamptz,
    completed_at        timestamptz,
    rated_at            timestamptz,
    closed_at           timestamptz,
    team_id             uuid REFERENCES vol_teams (id),
    team_level          text,
    grabbed             boolean NOT NULL DEFAULT false,
    attempts            int NOT NULL DEFAULT 0,
    min_level           text NOT NULL DEFAULT 'village',
    excluded_team_ids   uuid[] NOT NULL DEFAULT '{}',
    close_reason        text NOT NULL DEFAULT ''
);
CREATE INDEX vol_requests_scope ON vol_requests (township_code, status, submitted_at DESC);
CREATE INDEX vol_requests_waiting ON vol_requests (current_dispatch_at) WHERE status = 'dispatched';
CREATE INDEX vol_requests_team_open ON vol_requests (team_id)
    WHERE status IN ('dispatched', 'accepted', 'in_service');

CREATE TABLE vol_request_audit (
    request_id  uuid NOT NULL REFERENCES vol_requests (id),
    seq         int NOT NULL,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    note        text NOT NULL DEFAULT '',
    PRIMARY KEY (request_id, seq)
);

-- One row per escalation of one dispatch attempt: the primary key makes a second escalation of
-- the same attempt (two timers, a retry) fail instead of escalating twice.
CREATE TABLE vol_escalations (
    request_id   uuid NOT NULL REFERENCES vol_requests (id),
    from_attempt int NOT NULL,
    escalated_at timestamptz NOT NULL,
    PRIMARY KEY (request_id, from_attempt)
);

CREATE TABLE vol_ratings (
    request_id uuid PRIMARY KEY REFERENCES vol_requests (id),
    stars      int NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment    text NOT NULL DEFAULT '',
    rated_at   timestamptz NOT NULL
);

CREATE TABLE vol_activities (
    id            uuid PRIMARY KEY,
    activity_type text NOT NULL,
    title         text NOT NULL,
    team_id       uuid NOT NULL REFERENCES vol_teams (id),
    place_code    text NOT NULL CHECK (place_code ~ '^\d{12}$'),
    township_code text NOT NULL CHECK (township_code ~ '^\d{9}000$'),
    held_at       timestamptz NOT NULL,
    organiser     text NOT NULL,
    person_times  int NOT NULL CHECK (person_times >= 1),
    total_minutes int NOT NULL CHECK (total_minutes >= 0),
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX vol_activities_scope ON vol_activities (township_code, held_at DESC);

-- The hours ledger: actual service spans, travel excluded. The exclusion constraint is the last
-- word on "nobody serves twice at the same time", whatever request or activity recorded it.
CREATE TABLE vol_hours (
    id            bigserial PRIMARY KEY,
    volunteer_id  uuid NOT NULL REFERENCES vol_volunteers (id),
    source        text NOT NULL CHECK (source IN ('request', 'activity')),
    source_id     uuid NOT NULL,
    team_id       uuid REFERENCES vol_teams (id),
    township_code text NOT NULL,
    start_at      timestamptz NOT NULL,
    end_at        timestamptz NOT NULL CHECK (end_at > start_at),
    minutes       int NOT NULL CHECK (minutes >= 1),
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL,
    CONSTRAINT vol_hours_no_overlap EXCLUDE USING gist (
        volunteer_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
);
CREATE INDEX vol_hours_source ON vol_hours (source, source_id);

CREATE TABLE vol_record_entries (
    id           bigserial PRIMARY KEY,
    volunteer_id uuid NOT NULL REFERENCES vol_volunteers (id),
    kind         text NOT NULL CHECK (kind IN ('training', 'award', 'evaluation')),
    at           timestamptz NOT NULL,
    title        text NOT NULL,   -- training/award title, evaluation result
    minutes      int,             -- training only
    recorded_by  text NOT NULL
);
