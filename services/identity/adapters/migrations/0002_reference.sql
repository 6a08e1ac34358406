-- The county's reference data maintained by the county admin: villages (kind 'village', parent = the
-- township) and departments (kind 'department'). Seeded from the division file at start (insert if
-- missing); townships stay in the division file (read-only).
CREATE TABLE reference_entry (
    kind         text NOT NULL CHECK (kind IN ('village', 'department')),
    code         text NOT NULL,
    name         text NOT NULL,
    name_en      text NOT NULL DEFAULT '',
    parent_code  text,
    active       boolean NOT NULL DEFAULT true,
    changed_at   timestamptz NOT NULL,
    PRIMARY KEY (kind, code)
);
CREATE INDEX reference_entry_parent ON reference_entry (kind, parent_code);
