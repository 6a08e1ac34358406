-- Lists that lead to the case (issue 18): an open key carries what a leader recognises of it — category,
-- department, enterprise id, grade, due time — as a small JSON object of codes and ids (never personal data).
-- Keys opened before this migration have none: their lists show the township and the key alone.
SET LOCAL search_path TO reporting;

ALTER TABLE marks ADD COLUMN attrs jsonb NOT NULL DEFAULT '{}'::jsonb;

SET LOCAL search_path TO DEFAULT;
