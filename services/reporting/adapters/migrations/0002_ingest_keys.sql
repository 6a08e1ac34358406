-- Ingest speed (issue 7): the daily tables' primary keys lead with the day. Events arrive roughly in
-- time order, so a batch's upserts touch the right-hand edge of the index instead of pages spread
-- over every metric's subtree, and day-range reads use the primary key (the separate day indexes go).
SET LOCAL search_path TO reporting;

ALTER TABLE deltas DROP CONSTRAINT deltas_pkey, ADD PRIMARY KEY (day, metric, township, village, dimension);
DROP INDEX deltas_day;
ALTER TABLE samples DROP CONSTRAINT samples_pkey, ADD PRIMARY KEY (day, metric, township, dimension, bucket);
DROP INDEX samples_day;

-- Marks hold open keys only from now on (a close deletes its key's row): drop the closed ones.
DELETE FROM marks WHERE NOT open;

SET LOCAL search_path TO DEFAULT;
