-- Signals as the server recorded them (app/signal_index.cpp): one row per stretch of time
-- a signal was true, cleared_at NULL while it still is. The history behind "signals over
-- time"; the live ones are what the server compares its first evaluation with at start-up.

CREATE TABLE signals (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  case_id INTEGER REFERENCES cases(id),
  rule TEXT NOT NULL,
  category TEXT,
  severity TEXT NOT NULL,
  evidence TEXT NOT NULL,
  related_cases TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE INDEX signals_live ON signals(account_id) WHERE cleared_at IS NULL;
CREATE INDEX signals_first_seen ON signals(first_seen);
