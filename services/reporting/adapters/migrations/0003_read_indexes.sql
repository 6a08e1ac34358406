-- Read side: active teams over a period read that period's presences from the index alone, not every
-- day of the table's history (presences are insert-only, so the index-only scan seldom visits the heap).
SET LOCAL search_path TO reporting;

CREATE INDEX presences_day ON presences (metric, day) INCLUDE (township, key);

SET LOCAL search_path TO DEFAULT;
