-- Service analytics: after-contact work on interactions, agents' logged-in and paused time
-- (from imported ACD logs), and what an importer keeps between files.

ALTER TABLE interactions ADD COLUMN wrap_up_seconds INTEGER;

CREATE TABLE agent_sessions (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  external_id TEXT,
  agent_id INTEGER NOT NULL REFERENCES users(id),
  queue_id INTEGER REFERENCES queues(id),
  vendor_id INTEGER REFERENCES vendors(id),
  kind TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  reason TEXT
);
CREATE UNIQUE INDEX agent_sessions_external ON agent_sessions(source, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX agent_sessions_started ON agent_sessions(started_at);

-- What an importer keeps between the files of one source: e.g. a queue_log call not yet
-- finished, as its lines so far. Removed when the next file completes it.
CREATE TABLE import_state (
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (source, key)
);
