-- Staff accounts, sessions (refresh tokens), machine clients and the append-only audit trail.

CREATE TABLE account (
    id                    uuid PRIMARY KEY,
    username              text NOT NULL UNIQUE,          -- lower-case, [a-z0-9._-]
    display_name          text NOT NULL,
    role                  text NOT NULL,
    township              text NOT NULL,                 -- 12-digit scope (the county code: county-wide)
    department            text,
    enabled               boolean NOT NULL DEFAULT true,
    must_change_password  boolean NOT NULL DEFAULT true,
    manages_accounts      boolean NOT NULL DEFAULT false,  -- a township's account manager
    password_hash         text NOT NULL,                 -- Argon2id (argon2-cffi)
    failed_attempts       integer NOT NULL DEFAULT 0,
    locked_until          timestamptz,
    password_changed_at   timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX account_township ON account (township);

-- Opaque refresh tokens, stored as SHA-256 hashes; one family per sign-in, rotated on each use.
CREATE TABLE refresh_token (
    token_hash   bytea PRIMARY KEY,
    family_id    uuid NOT NULL,
    account_id   uuid NOT NULL REFERENCES account (id),
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX refresh_token_family ON refresh_token (family_id);
CREATE INDEX refresh_token_account ON refresh_token (account_id) WHERE revoked_at IS NULL;

-- Machine clients (a department's system): OAuth 2.0 client credentials, secret hashed with Argon2.
CREATE TABLE machine_client (
    id             uuid PRIMARY KEY,
    client_id      text NOT NULL UNIQUE,
    display_name   text NOT NULL,
    secret_hash    text NOT NULL,
    role           text NOT NULL,
    township       text NOT NULL,
    department     text,
    enabled        boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL
);

-- The audit trail: appended in the same transaction as the change it records, never changed.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    event_type   text NOT NULL,
    account_id   uuid,
    actor_id     uuid,
    township     text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_account ON audit_log (account_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
