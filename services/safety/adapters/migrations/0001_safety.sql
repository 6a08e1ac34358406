-- Safety service (安监) state: enterprises and permits, inspections with checklist results and
-- findings, hazards with plan / reports / re-inspections, penalties, suspensions, accidents, the
-- audit trail, and the overdue-notification keys that make the watcher's event once-only.

CREATE TABLE enterprises (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    credit_code         text NOT NULL UNIQUE,
    township_code       char(12) NOT NULL,
    industry            text NOT NULL,
    size                text NOT NULL,
    registered_at       timestamptz NOT NULL,
    operating_status    text NOT NULL CHECK (operating_status IN ('operating', 'suspended', 'closed')),
    suspended_at        timestamptz,
    suspension_reasons  text[] NOT NULL DEFAULT '{}',
    closure_proposed_at timestamptz,
    -- Legal representative: personal data, Fernet-encrypted at rest (PiiCipher), never in events.
    legal_rep_name_enc  text,
    legal_rep_phone_enc text,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX enterprises_scope ON enterprises (township_code, industry, operating_status);

CREATE TABLE permits (
    enterprise_id uuid PRIMARY KEY REFERENCES enterprises (id),
    number        text NOT NULL,
    valid_from    date NOT NULL,
    valid_until   date NOT NULL,
    status        text NOT NULL CHECK (status IN ('valid', 'suspended', 'collected', 'revoked'))
);

CREATE TABLE inspections (
    id             uuid PRIMARY KEY,
    enterprise_id  uuid NOT NULL REFERENCES enterprises (id),
    township_code  char(12) NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('routine', 're_inspection', 'follow_up')),
    inspectors_enc text NOT NULL,   -- JSON list of inspector ids, encrypted (names of officials)
    inspected_at   timestamptz NOT NULL,
    passed         boolean NOT NULL,
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX inspections_enterprise ON inspections (enterprise_id, inspected_at);

CREATE TABLE checklist_results (
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    item          text NOT NULL,
    passed        boolean NOT NULL,
    PRIMARY KEY (inspection_id, item)
);

CREATE TABLE findings (
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    position      int NOT NULL,
    description   text NOT NULL,
    item          text,
    hazard_id     uuid,            -- the hazard this finding raised, if any
    PRIMARY KEY (inspection_id, position)
);

CREATE TABLE hazards (
    id                  uuid PRIMARY KEY,
    enterprise_id       uuid NOT NULL REFERENCES enterprises (id),
    township_code       char(12) NOT NULL,
    industry            text NOT NULL,
    inspection_id       uuid REFERENCES inspections (id),
    level               text NOT NULL CHECK (level IN ('general', 'major')),
    description         text NOT NULL,
    requirement         text NOT NULL,
    deadline            timestamptz NOT NULL,
    found_at            timestamptz NOT NULL,
    status              text NOT NULL,
    plan                jsonb,       -- the six parts of a major hazard's 治理方案
    plan_submitted_at   timestamptz,
    reported_at         timestamptz,
    evidence            text[] NOT NULL DEFAULT '{}',
    reinspected_at      timestamptz,
    closed_at           timestamptz,
    penalty_ids         uuid[] NOT NULL DEFAULT '{}',
    overdue_notified_at timestamptz,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX hazards_scope ON hazards (township_code, status, level);
CREATE INDEX hazards_open_deadline ON hazards (deadline) WHERE status <> 'closed' AND overdue_notified_at IS NULL;
CREATE INDEX hazards_enterprise ON hazards (enterprise_id);

-- Every rectification report the enterprise made (the hazard row keeps only the latest).
CREATE TABLE rectification_reports (
    id          bigserial PRIMARY KEY,
    hazard_id   uuid NOT NULL REFERENCES hazards (id),
    reported_at timestamptz NOT NULL,
    evidence    text[] NOT NULL,
    actor       text NOT NULL
);

CREATE TABLE reinspections (
    id             bigserial PRIMARY KEY,
    hazard_id      uuid NOT NULL REFERENCES hazards (id),
    reinspected_at timestamptz NOT NULL,
    passed         boolean NOT NULL,
    note           text NOT NULL DEFAULT '',
    campaign_id    uuid,            -- set when recorded in a 回头看 batch
    actor          text NOT NULL
);

CREATE TABLE penalties (
    id             uuid PRIMARY KEY,
    enterprise_id  uuid NOT NULL REFERENCES enterprises (id),
    township_code  char(12) NOT NULL,
    hazard_id      uuid REFERENCES hazards (id),
    hazard_level   text,
    rule_code      text NOT NULL,
    amount_yuan    bigint NOT NULL CHECK (amount_yuan >= 0),
    decided_at     timestamptz NOT NULL,
    publish_due_on date NOT NULL,
    published_at   timestamptz,
    refused_at     timestamptz,
    decided_by     text NOT NULL
);
CREATE INDEX penalties_enterprise ON penalties (enterprise_id, decided_at);
CREATE INDEX penalties_unpublished ON penalties (publish_due_on) WHERE published_at IS NULL;

-- One row per stop (停产停业整顿), ended by a resumption.
CREATE TABLE suspensions (
    id            bigserial PRIMARY KEY,
    enterprise_id uuid NOT NULL REFERENCES enterprises (id),
    reason        text NOT NULL,
    suspended_at  timestamptz NOT NULL,
    resumed_at    timestamptz,
    resumed_on_inspection uuid
);
CREATE UNIQUE INDEX suspensions_one_open ON suspensions (enterprise_id) WHERE resumed_at IS NULL;

CREATE TABLE accidents (
    id               uuid PRIMARY KEY,
    enterprise_id    uuid NOT NULL REFERENCES enterprises (id),
    township_code    char(12) NOT NULL,
    occurred_at      timestamptz NOT NULL,
    reported_at      timestamptz NOT NULL,
    deaths           int NOT NULL CHECK (deaths >= 0),
    serious_injuries int NOT NULL CHECK (serious_injuries >= 0),
    direct_loss_yuan bigint NOT NULL CHECK (direct_loss_yuan >= 0),
    grade            text NOT NULL,
    late_report      boolean NOT NULL,
    recorded_by      text NOT NULL
);
CREATE INDEX accidents_scope ON accidents (township_code, occurred_at);

-- Who did what, when, from which status to which (enterprise and hazard aggregates).
CREATE TABLE audit_trail (
    id             bigserial PRIMARY KEY,
    aggregate_type text NOT NULL CHECK (aggregate_type IN ('enterprise', 'hazard')),
    aggregate_id   uuid NOT NULL,
    enterprise_id  uuid NOT NULL,
    at             timestamptz NOT NULL,
    actor          text NOT NULL,
    action         text NOT NULL,
    from_status    text NOT NULL,
    to_status      text NOT NULL,
    note           text NOT NULL DEFAULT ''
);
CREATE INDEX audit_trail_aggregate ON audit_trail (aggregate_id, id);
CREATE INDEX audit_trail_enterprise ON audit_trail (enterprise_id, id);

-- The watcher writes the key with the HazardOverdue outbox row, in one transaction: the primary key
-- refuses a second row, so each hazard's overdue event goes out once, across runs and restarts.
CREATE TABLE overdue_notifications (
    key         text PRIMARY KEY,
    hazard_id   uuid NOT NULL REFERENCES hazards (id),
    notified_at timestamptz NOT NULL
);
