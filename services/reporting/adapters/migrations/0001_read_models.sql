-- Reporting read models, pre-aggregated so that a figure is a sum over a few rows, never a scan of
-- raw events. Everything lives in schema `reporting`: the replay builds the same tables in a fresh
-- schema (this file, with the schema name swapped) and renames it into place in one transaction.
CREATE SCHEMA reporting;
SET LOCAL search_path TO reporting;

-- Daily counters (Delta): county, township, village ('' = none), dimension ('' = total), day.
CREATE TABLE deltas (
    metric    text    NOT NULL,
    township  text    NOT NULL,
    village   text    NOT NULL DEFAULT '',
    dimension text    NOT NULL DEFAULT '',
    day       date    NOT NULL,
    count     bigint  NOT NULL,
    amount    numeric NOT NULL,   -- exact: sums do not depend on batch boundaries (replay = live)
    PRIMARY KEY (metric, township, village, dimension, day)
);
CREATE INDEX deltas_day ON deltas (day, metric);

-- The same counters rolled up per calendar month (no village): month and quarter figures read ~1 row
-- per metric × township × dimension instead of 30–90 daily rows per village.
CREATE TABLE deltas_monthly (
    metric    text    NOT NULL,
    township  text    NOT NULL,
    dimension text    NOT NULL DEFAULT '',
    month     date    NOT NULL,   -- first day of the month
    count     bigint  NOT NULL,
    amount    numeric NOT NULL,
    PRIMARY KEY (month, metric, township, dimension)
);

-- Duration histograms (Sample): one row per bucket upper bound (minutes; 'Infinity' = open bucket).
CREATE TABLE samples (
    metric    text             NOT NULL,
    township  text             NOT NULL,
    dimension text             NOT NULL DEFAULT '',
    day       date             NOT NULL,
    bucket    double precision NOT NULL,
    count     bigint           NOT NULL,
    PRIMARY KEY (metric, township, dimension, day, bucket)
);
CREATE INDEX samples_day ON samples (day, metric);

CREATE TABLE samples_monthly (
    metric    text             NOT NULL,
    township  text             NOT NULL,
    dimension text             NOT NULL DEFAULT '',
    month     date             NOT NULL,
    bucket    double precision NOT NULL,
    count     bigint           NOT NULL,
    PRIMARY KEY (month, metric, township, dimension, bucket)
);

-- Keyed open/closed state (Mark): the latest `at` wins, so an older redelivered event cannot reopen.
CREATE TABLE marks (
    metric    text        NOT NULL,
    key       text        NOT NULL,
    township  text        NOT NULL,
    village   text        NOT NULL DEFAULT '',
    dimension text        NOT NULL DEFAULT '',
    day       date        NOT NULL,
    at        timestamptz NOT NULL,
    open      boolean     NOT NULL,
    PRIMARY KEY (metric, key)
);
CREATE INDEX marks_open ON marks (metric, township, at) WHERE open;

-- Distinct keys active per day (Presence), e.g. active teams.
CREATE TABLE presences (
    metric   text NOT NULL,
    township text NOT NULL,
    day      date NOT NULL,
    key      text NOT NULL,
    PRIMARY KEY (metric, township, day, key)
);

-- Exactly once: ids of applied events, written in the same transaction as their counters.
CREATE TABLE processed (
    event_id uuid PRIMARY KEY
);

-- Next offset per partition these tables contain: the replay's hand-over point to the live worker.
CREATE TABLE offsets (
    topic       text   NOT NULL,
    partition   int    NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Bumped by every applied batch (and by a replay's switch-over): the live stream polls it.
CREATE TABLE state (
    id         int         PRIMARY KEY CHECK (id = 1),
    version    bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);
INSERT INTO state VALUES (1, 0, now());

SET LOCAL search_path TO DEFAULT;
