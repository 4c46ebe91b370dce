-- Service analytics: after-contact work on interactions, agents' logged-in and paused time
-- (from imported ACD logs), and calls of an Asterisk queue_log still in progress at the
-- end of an imported file (completed when the next file is imported).

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

-- One row per unfinished call: its queue_log lines so far, keyed by the log's source and
-- the call id. Deleted when the call completes.
CREATE TABLE queue_log_pending (
  source TEXT NOT NULL,
  call_id TEXT NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY (source, call_id)
);
