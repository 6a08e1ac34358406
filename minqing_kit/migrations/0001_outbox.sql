-- Transactional outbox: rows are written in the same transaction as the state change they
-- describe, and published by the relay in id order. `txid` lets the relay read only rows whose
-- writers (and every older writer) have finished, so a late-committing row is never skipped.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    event_type   text NOT NULL,
    aggregate_id text NOT NULL,
    topic        text NOT NULL,
    key          bytea NOT NULL,
    partition    int,               -- Kafka's default (murmur2) partition, hashed on the write path
    value        bytea NOT NULL,
    header_names  text[] NOT NULL,   -- Kafka record headers as two parallel arrays: asyncpg decodes
    header_values bytea[] NOT NULL,  -- arrays in C, far cheaper per row than JSON in the relay's hot loop
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wake the relay on commit (NOTIFY is delivered at commit time); one notification per statement.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('minqing_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
