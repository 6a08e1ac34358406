-- 申请延期: a department's extension request waiting for a county leader's decision (one at a time);
-- cleared when decided or when the matter is replied. The partial index feeds the leaders' queue.
ALTER TABLE matters
    ADD COLUMN extension_request_days   integer,
    ADD COLUMN extension_request_reason text,
    ADD COLUMN extension_requested_by   text,
    ADD COLUMN extension_requested_at   timestamptz;
CREATE INDEX matters_extension_requests ON matters (extension_requested_at) WHERE extension_requested_at IS NOT NULL;

-- The window's repeat hint looks people up by phone too: a keyed hash of the phone number (namespace
-- "phone", not the person's pseudonym), written at registration. Rows from before stay NULL.
ALTER TABLE petitioners ADD COLUMN phone_key text;
CREATE INDEX petitioners_phone_key ON petitioners (phone_key) WHERE phone_key IS NOT NULL;
