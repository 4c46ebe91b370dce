-- The customer 360: every event names the account it concerns (NULL for events that
-- concern none, such as a user's or a whole import batch's), so that an account's history
-- is one indexed range. Interactions and people get the index their timelines page by.

ALTER TABLE events ADD COLUMN account_id INTEGER;

-- Earlier events learn their account once; the log is append-only again afterwards.
DROP TRIGGER events_append_only_update;
UPDATE events SET account_id = CASE entity
    WHEN 'account' THEN entity_id
    WHEN 'person' THEN (SELECT account_id FROM people WHERE people.id = events.entity_id)
    WHEN 'case' THEN (SELECT account_id FROM cases WHERE cases.id = events.entity_id)
    WHEN 'interaction' THEN
      CASE WHEN action = 'imported' THEN NULL
           ELSE (SELECT account_id FROM interactions WHERE interactions.id = events.entity_id) END
    WHEN 'agreement' THEN (SELECT account_id FROM agreements WHERE agreements.id = events.entity_id)
    ELSE NULL END;
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- A timeline pages an account's events newest first by instant, then sequence (an event's
-- instant is not monotonic in sequence: demo data and imports record past instants). The
-- interactions' own events are left out: the timeline reads their rows, and they would be
-- most of the range (an account with 10,000 interactions has 10,000 of them).
CREATE INDEX events_account_timeline ON events(account_id, at, sequence)
  WHERE account_id IS NOT NULL AND entity<>'interaction';
CREATE INDEX interactions_account_newest ON interactions(account_id, arrived_at, id);
CREATE INDEX interactions_person ON interactions(person_id, arrived_at, id);
DROP INDEX interactions_account;
-- A timeline's header counts the open cases of an account; a person's timeline reads the
-- cases the person requested. (cases_account stays: account-filtered lists page by id.)
CREATE INDEX cases_account_status ON cases(account_id, status);
CREATE INDEX cases_requester ON cases(requester_id) WHERE requester_id IS NOT NULL;
