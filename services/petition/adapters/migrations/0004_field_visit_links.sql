-- 民情走访 matters raised from the liaison service's visits (liaison.problem_raised): each problem
-- becomes one matter, linked back to the visit (the liaison service holds the visit's record).
CREATE TABLE pet_field_visit_links (
    problem_id uuid PRIMARY KEY,           -- one matter per problem, whatever the redeliveries
    -- deferred: the link is written before the unit of work saves the new matter, in the same transaction
    matter_id  uuid NOT NULL UNIQUE REFERENCES matters (id) DEFERRABLE INITIALLY DEFERRED,
    visit_id   uuid NOT NULL,
    household  text NOT NULL,              -- the household's pseudonym
    event_id   uuid NOT NULL,              -- the liaison event that raised it
    created_at timestamptz NOT NULL
);
CREATE INDEX pet_field_visit_links_visit ON pet_field_visit_links (visit_id);
