-- The ledger: every entity of the data contract, the API tokens and the event log.
-- Lists and arrays of values (emails, participants, targets, tags, ...) are JSON text.

CREATE TABLE vendors (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  executive_sponsor TEXT,
  point_of_contact TEXT
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  vendor_id INTEGER REFERENCES vendors(id),
  is_agent INTEGER NOT NULL,
  team TEXT,
  active INTEGER NOT NULL
);

-- The built-in, inactive user that acts for the command line: every event names a user.
INSERT INTO users(id, version, created_at, updated_at, name, email, role, vendor_id,
                  is_agent, team, active)
VALUES (1, 1, 0, 0, 'Rapport system', 'system@rapport.invalid', 'admin', NULL, 0, NULL, 0);

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  hash BLOB NOT NULL UNIQUE,  -- SHA-256 of the token; the token itself is never stored
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  channel TEXT NOT NULL,
  vendor_id INTEGER REFERENCES vendors(id)
);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  segment TEXT NOT NULL,
  priority TEXT NOT NULL,
  customer_since TEXT,
  annual_value_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  owner_id INTEGER REFERENCES users(id),
  time_zone TEXT NOT NULL
);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  emails TEXT NOT NULL,
  phones TEXT NOT NULL,
  role TEXT NOT NULL
);
CREATE INDEX people_account ON people(account_id);

CREATE TABLE agreements (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  account_id INTEGER REFERENCES accounts(id),
  vendor_id INTEGER REFERENCES vendors(id),
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  auto_renew INTEGER NOT NULL,
  notice_days INTEGER NOT NULL,
  annual_value_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  queue_ids TEXT NOT NULL,
  cost_per_agent_hour_minor INTEGER,
  targets TEXT NOT NULL
);
CREATE INDEX agreements_account ON agreements(account_id);
CREATE INDEX agreements_vendor ON agreements(vendor_id);

CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  requester_id INTEGER REFERENCES people(id),
  subject TEXT NOT NULL,
  category TEXT,
  priority TEXT NOT NULL,
  status TEXT NOT NULL,
  assignee_id INTEGER REFERENCES users(id),
  queue_id INTEGER REFERENCES queues(id),
  vendor_id INTEGER REFERENCES vendors(id),
  resolved_at INTEGER,
  closed_at INTEGER
);
CREATE INDEX cases_account ON cases(account_id);
CREATE INDEX cases_vendor ON cases(vendor_id);
CREATE INDEX cases_queue ON cases(queue_id);
CREATE INDEX cases_status ON cases(status);

CREATE TABLE interactions (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  external_id TEXT,
  channel TEXT NOT NULL,
  direction TEXT NOT NULL,
  kind TEXT NOT NULL,
  account_id INTEGER REFERENCES accounts(id),
  person_id INTEGER REFERENCES people(id),
  case_id INTEGER REFERENCES cases(id),
  queue_id INTEGER REFERENCES queues(id),
  vendor_id INTEGER REFERENCES vendors(id),
  agent_id INTEGER REFERENCES users(id),
  category TEXT,
  arrived_at INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at INTEGER,
  outcome TEXT,
  participants TEXT NOT NULL,
  message_id TEXT,
  in_reply_to TEXT,
  subject TEXT,
  body TEXT,
  tags TEXT NOT NULL
);
CREATE UNIQUE INDEX interactions_external ON interactions(source, external_id)
  WHERE external_id IS NOT NULL;
-- Only selective indexes: every index costs each ingest a b-tree insert. Channel, queue
-- and vendor each hold a large share of all rows, so lists filtered by them alone walk
-- the id order (which they page by anyway) and stop at the page size.
CREATE INDEX interactions_account ON interactions(account_id, arrived_at);
CREATE INDEX interactions_case ON interactions(case_id);
CREATE INDEX interactions_arrived ON interactions(arrived_at);

-- Append-only. `sequence` is assigned inside the one writer's transaction, so the feed
-- is gap-free in commit order.
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER NOT NULL,
  entity TEXT NOT NULL,
  entity_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  change TEXT NOT NULL
);
CREATE INDEX events_entity ON events(entity, entity_id);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
