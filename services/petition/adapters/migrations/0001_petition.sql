-- Petition service (信访 / 民情诉求) tables. Personal data (names, phones, ID numbers) and the free
-- text of the complaint are Fernet-encrypted by the service before they reach these columns
-- (`*_enc`); the keyed pseudonym is the only stable handle on a person and the only one in events.

CREATE TABLE matters (
    id                      uuid PRIMARY KEY,
    lookup_code             text NOT NULL UNIQUE,
    version                 int NOT NULL DEFAULT 0,          -- events recorded so far (CloudEvents sequence)
    channel                 text NOT NULL,
    kind                    text NOT NULL,
    category                text NOT NULL,
    subcategory             text NOT NULL,
    township_code           char(12) NOT NULL,
    village_code            char(12),
    content_enc             text NOT NULL,
    headcount               int NOT NULL CHECK (headcount >= 1),
    is_group_visit          boolean NOT NULL,
    registered_at           timestamptz NOT NULL,
    routing_started_at      timestamptz NOT NULL,
    cadre_id                text,
    accused_department      text,
    repeat_of               uuid REFERENCES matters (id),
    status                  text NOT NULL,
    department              text,
    routing_mode            text,
    signed_by               text,
    assigned_at             timestamptz,
    accepted_at             timestamptz,
    returned_at             timestamptz,
    return_count            int NOT NULL DEFAULT 0,
    extension_days          int,
    extension_reason        text,
    extension_approved_by   text,
    extended_at             timestamptz,
    reply_text              text,
    replied_at              timestamptz,
    satisfaction            text,
    rated_at                timestamptz,
    closed_at               timestamptz,
    review_requested_at     timestamptz,
    review_decided_at       timestamptz,
    review_outcome          text,
    re_review_requested_at  timestamptz,
    re_review_decided_at    timestamptz,
    re_review_outcome       text,
    -- Derived on every save, for queries: the earliest open statutory deadline (overdue filter,
    -- gauges) and the earliest instant the deadline watcher has something new to announce.
    open_due_at             timestamptz,
    watch_at                timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX matters_township ON matters (township_code, status, registered_at DESC);
CREATE INDEX matters_department ON matters (department) WHERE department IS NOT NULL;
CREATE INDEX matters_watch ON matters (watch_at) WHERE watch_at IS NOT NULL;
CREATE INDEX matters_open_due ON matters (open_due_at) WHERE open_due_at IS NOT NULL;

CREATE TABLE petitioners (
    matter_id         uuid NOT NULL REFERENCES matters (id),
    position          int NOT NULL,
    pseudonym         text NOT NULL,
    name_enc          text NOT NULL,
    phone_enc         text,
    id_number_enc     text,
    phone_tail        text,            -- last 4 digits: the second factor of the public lookup
    is_representative boolean NOT NULL,
    PRIMARY KEY (matter_id, position)
);
CREATE INDEX petitioners_pseudonym ON petitioners (pseudonym);

-- Every routing round (转送 / 交办) with the leader's sign-off (签阅), kept after an objection.
CREATE TABLE assignments (
    matter_id    uuid NOT NULL REFERENCES matters (id),
    round        int NOT NULL,
    department   text NOT NULL,
    mode         text NOT NULL,
    signed_by    text NOT NULL,
    assigned_at  timestamptz NOT NULL,
    returned_at  timestamptz,
    PRIMARY KEY (matter_id, round)
);

-- The audit trail: who did what, when, from which state to which; append-only.
CREATE TABLE audit_trail (
    matter_id        uuid NOT NULL REFERENCES matters (id),
    seq              int NOT NULL,
    action           text NOT NULL,
    actor_id         text NOT NULL,
    actor_role       text NOT NULL,
    actor_department text,
    actor_township   text,
    at               timestamptz NOT NULL,
    from_state       text NOT NULL,
    to_state         text NOT NULL,
    detail           text NOT NULL DEFAULT '',
    PRIMARY KEY (matter_id, seq)
);

CREATE TABLE handling_notes (
    matter_id uuid NOT NULL REFERENCES matters (id),
    seq       int NOT NULL,
    at        timestamptz NOT NULL,
    author    text NOT NULL,
    text      text NOT NULL,
    PRIMARY KEY (matter_id, seq)
);

-- Deadline announcements: the UNIQUE key is what makes each approaching / overdue event go out once,
-- whatever the number of watchers, passes or restarts (the insert and the outbox row share a transaction).
CREATE TABLE deadline_alerts (
    matter_id  uuid NOT NULL REFERENCES matters (id),
    alert_key  text NOT NULL,
    deadline   text NOT NULL,
    level      text NOT NULL,
    due_at     timestamptz NOT NULL,
    raised_at  timestamptz NOT NULL,
    PRIMARY KEY (matter_id, alert_key)
);

CREATE TABLE reviews (
    matter_id     uuid NOT NULL REFERENCES matters (id),
    level         text NOT NULL,                      -- review (复查) | re_review (复核)
    requested_at  timestamptz NOT NULL,
    decided_at    timestamptz,
    outcome       text,
    PRIMARY KEY (matter_id, level)
);

-- 督办 records (§40).
CREATE TABLE supervisions (
    matter_id   uuid NOT NULL REFERENCES matters (id),
    seq         int NOT NULL,
    supervisor  text NOT NULL,
    at          timestamptz NOT NULL,
    overdue     text[] NOT NULL,
    note        text NOT NULL DEFAULT '',
    PRIMARY KEY (matter_id, seq)
);
