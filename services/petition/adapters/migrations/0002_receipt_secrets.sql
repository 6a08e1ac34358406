-- The receipt's lookup code is the petitioner's secret: it is kept only as a keyed hash
-- (HMAC-SHA256 with the pseudonym key, see MatterRepository), never in clear. Rows written before
-- this migration still hold the clear code: the API hashes them at start-up and clears the column
-- (`MatterRepository.hash_clear_lookup_codes`); a later migration drops the column once every
-- deployment has started this version.
ALTER TABLE matters ALTER COLUMN lookup_code DROP NOT NULL;
ALTER TABLE matters ADD COLUMN lookup_hash text;
CREATE UNIQUE INDEX matters_lookup_hash_key ON matters (lookup_hash);

-- Wrong answers (code + phone digits) per matter, shared by every API process: see
-- domain/receipt_access.py for the rule.
CREATE TABLE receipt_attempts (
    matter_id     uuid PRIMARY KEY REFERENCES matters (id),
    failures      int NOT NULL DEFAULT 0,
    lockouts      int NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
