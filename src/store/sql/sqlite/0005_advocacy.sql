-- Customer advocacy: escalations, the configurable root-cause categories, the catalogue of
-- mitigating services and their trials. Lists and nested records (sequence of events,
-- factors, checklist, plan, criteria, agreement, progress updates, stage history,
-- classifications) are JSON text, like every other list of the ledger.

CREATE TABLE root_cause_categories (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  active INTEGER NOT NULL
);

-- The starting list; the admin edits it through /api/v1/root_cause_categories.
INSERT INTO root_cause_categories(version, created_at, updated_at, name, description, active) VALUES
  (1, 0, 0, 'product defect', 'the product did not work as specified', 1),
  (1, 0, 0, 'product gap', 'the product lacks what the customer needs', 1),
  (1, 0, 0, 'documentation', 'missing, wrong or unclear documentation', 1),
  (1, 0, 0, 'process', 'a process of ours failed or does not exist', 1),
  (1, 0, 0, 'training', 'people lacked the knowledge to help', 1),
  (1, 0, 0, 'communication', 'expectations set or information given wrongly', 1),
  (1, 0, 0, 'configuration', 'the service was set up wrongly', 1),
  (1, 0, 0, 'billing', 'invoices, prices or payments', 1),
  (1, 0, 0, 'capacity', 'not enough people or systems to meet demand', 1),
  (1, 0, 0, 'third-party outage', 'a supplier or partner failed', 1),
  (1, 0, 0, 'customer environment', 'the cause lay with the customer', 1);

CREATE TABLE escalations (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  executive_sponsor_id INTEGER REFERENCES users(id),
  case_ids TEXT NOT NULL,
  contact_ids TEXT NOT NULL,
  stage TEXT NOT NULL,
  sequence_of_events TEXT NOT NULL,
  customer_impact TEXT,
  root_cause TEXT,
  root_cause_category TEXT,
  contributing_factors TEXT NOT NULL,
  dry_run_checklist TEXT NOT NULL,
  plan TEXT NOT NULL,
  success_criteria TEXT NOT NULL,
  customer_agreement TEXT,
  revenue_at_risk_minor INTEGER,
  incident_cost_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  previous_escalation_id INTEGER REFERENCES escalations(id),
  progress_updates TEXT NOT NULL,
  stage_history TEXT NOT NULL,
  closed_at INTEGER,
  classifications TEXT NOT NULL
);
CREATE INDEX escalations_account ON escalations(account_id);
CREATE INDEX escalations_owner ON escalations(owner_id);
CREATE INDEX escalations_stage ON escalations(stage);

CREATE TABLE mitigating_services (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  monthly_price_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  active INTEGER NOT NULL
);

CREATE TABLE trials (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  escalation_id INTEGER NOT NULL REFERENCES escalations(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  service_id INTEGER NOT NULL REFERENCES mitigating_services(id),
  starts_on TEXT,
  ends_on TEXT,
  reminder_days INTEGER NOT NULL,
  outcome TEXT,
  monthly_price_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  reminded_on TEXT,
  ended_on TEXT
);
CREATE INDEX trials_escalation ON trials(escalation_id);
-- The periodic job reads the trials still running.
CREATE INDEX trials_running ON trials(ends_on) WHERE ended_on IS NULL;
