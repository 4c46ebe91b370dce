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

CREATE INDEX events_account ON events(account_id, sequence) WHERE account_id IS NOT NULL;
CREATE INDEX interactions_account_newest ON interactions(account_id, arrived_at, id);
CREATE INDEX interactions_person ON interactions(person_id, arrived_at, id);
DROP INDEX interactions_account;
