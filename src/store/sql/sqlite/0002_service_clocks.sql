-- Service clocks: business calendars, SLA policies, the calendars that accounts and
-- vendor agreements name, a case's channel and the clocks a resolved case keeps.
-- Lists (spans, holidays, targets, clocks) are JSON text.

CREATE TABLE calendars (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  hours TEXT NOT NULL,
  holidays TEXT NOT NULL,
  short_days TEXT NOT NULL
);

CREATE TABLE sla_policies (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  segments TEXT NOT NULL,
  priorities TEXT NOT NULL,
  channels TEXT NOT NULL,
  queue_ids TEXT NOT NULL,
  calendar_id INTEGER REFERENCES calendars(id),
  targets TEXT NOT NULL,
  active INTEGER NOT NULL
);

ALTER TABLE accounts ADD COLUMN business_calendar_id INTEGER REFERENCES calendars(id);
ALTER TABLE agreements ADD COLUMN coverage_calendar_id INTEGER REFERENCES calendars(id);
ALTER TABLE cases ADD COLUMN channel TEXT;
ALTER TABLE cases ADD COLUMN clocks TEXT NOT NULL DEFAULT '[]';
