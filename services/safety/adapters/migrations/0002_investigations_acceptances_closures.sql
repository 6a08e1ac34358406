-- Issue 18: a fatal accident's 复产 needs its investigation closed and a county 复产验收 passed;
-- a §113 closure proposal is decided by the county government; decisions are kept as history.

ALTER TABLE accidents
    ADD COLUMN investigation_closed_at  timestamptz,
    ADD COLUMN investigation_nature     text CHECK (investigation_nature IN ('liability', 'non_liability')),
    ADD COLUMN investigation_conclusion text,
    ADD COLUMN investigation_closed_by  text;
CREATE INDEX accidents_open_investigations ON accidents (enterprise_id)
    WHERE deaths > 0 AND investigation_closed_at IS NULL;

-- 复产验收 by the county: passed or not; a passed one ended a suspension (suspensions.resumed_on_acceptance).
CREATE TABLE resumption_acceptances (
    id             uuid PRIMARY KEY,
    enterprise_id  uuid NOT NULL REFERENCES enterprises (id),
    township_code  char(12) NOT NULL,
    checked_at     timestamptz NOT NULL,
    passed         boolean NOT NULL,
    inspectors_enc text NOT NULL,   -- JSON list of inspector ids, encrypted like inspections'
    note           text NOT NULL DEFAULT '',
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX resumption_acceptances_enterprise ON resumption_acceptances (enterprise_id, checked_at);

ALTER TABLE suspensions ADD COLUMN resumed_on_acceptance uuid REFERENCES resumption_acceptances (id);

-- Every decision on a §113 proposal (a rejected proposal may be raised again by a later penalty).
CREATE TABLE closure_decisions (
    id            bigserial PRIMARY KEY,
    enterprise_id uuid NOT NULL REFERENCES enterprises (id),
    proposed_at   timestamptz NOT NULL,
    decided_at    timestamptz NOT NULL,
    approved      boolean NOT NULL,
    reason        text NOT NULL,
    decided_by    text NOT NULL
);
CREATE INDEX closure_decisions_enterprise ON closure_decisions (enterprise_id, decided_at);
