-- Idempotent consumers: an event id is recorded in the same transaction as its effect, so a
-- redelivered event finds its row and changes nothing.
CREATE TABLE processed_events (
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    event_type text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
