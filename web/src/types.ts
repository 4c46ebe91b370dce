// The API's records as the workspace reads them (the subset it uses).
import type { User } from './api';

export interface Clock {
  metric: 'first_response' | 'next_response' | 'resolution';
  state: 'running' | 'paused' | 'warning' | 'breached' | 'met' | string;
  target_minutes: number;
  business_time: boolean;
  due_at: string | null;
  remaining_seconds: number | null;
  breached_at: string | null;
  met_at: string | null;
}

export interface CaseSummary {
  id: number;
  subject: string;
  account_id: number;
  priority: string;
  status: string;
  queue_id: number | null;
  vendor_id: number | null;
  assignee_id: number | null;
}

export interface Case extends CaseSummary {
  version: number;
  requester_id: number | null;
  category: string | null;
  created_at: string;
  clocks: Clock[];
}

export interface Signal {
  rule: string;
  severity: string;
  account_id: number;
  case_id: number | null;
  evidence: number[];
  action: string;
  first_seen: string;
}

export interface TimelineHeader {
  account_id: number;
  name: string;
  segment: string | null;
  priority: string | null;
  time_zone: string | null;
  owner: { id: number; name: string | null } | null;
  open_cases: number;
  last_contact_at: string | null;
  active_escalation: { id: number; stage: string; [k: string]: unknown } | null;
  signals: Signal[];
  // False while the server still reads its signal index after start-up (signals is empty).
  signals_loaded: boolean;
}

export interface TimelineItem {
  kind: string;
  at: string;
  entity: string;
  entity_id: number;
  summary: string;
  channel?: string;
  direction?: string;
  interaction_kind?: 'contact' | 'note';
  case_id?: number | null;
  subject?: string | null;
  body?: string | null;
  visibility?: 'full' | 'summary';
  sequence?: number;
}

export interface Timeline {
  header: TimelineHeader;
  items: TimelineItem[];
  next_cursor: string | null;
}

export interface Criterion {
  description: string;
  met: boolean;
  evidence: string | null;
}

export interface SequenceEvent {
  at: string;
  description: string;
  case_id: number | null;
  interaction_id: number | null;
}

export interface Factor {
  description: string;
  party: 'us' | 'customer' | 'third_party';
  function: string | null;
}

export interface PlanAction {
  description: string;
  owner_id: number | null;
  due_on: string | null;
  status: 'planned' | 'in_progress' | 'done' | 'cancelled';
}

export interface ProgressUpdate {
  at: string;
  by: number;
  channel: string;
  summary: string;
}

export interface Escalation {
  id: number;
  version: number;
  account_id: number;
  title: string;
  severity: string;
  owner_id: number | null;
  executive_sponsor_id: number | null;
  stage: string;
  case_ids: number[];
  contact_ids: number[];
  sequence_of_events: SequenceEvent[];
  customer_impact: string | null;
  root_cause: string | null;
  root_cause_category: string | null;
  contributing_factors: Factor[];
  dry_run_checklist: { item: string; done: boolean }[];
  plan: PlanAction[];
  success_criteria: Criterion[];
  customer_agreement: { person_id: number; at: string } | null;
  revenue_at_risk_minor: number | null;
  incident_cost_minor: number;
  currency: string;
  previous_escalation_id: number | null;
  progress_updates: ProgressUpdate[];
  stage_history: { stage: string; at: string; by: number }[];
  closed_at: string | null;
}

export interface Trial {
  id: number;
  version: number;
  escalation_id: number;
  service_id: number;
  starts_on: string;
  ends_on: string;
  reminder_days: number;
  outcome: 'purchased' | 'turned_off' | null;
  monthly_price_minor: number;
  currency: string;
  reminded_on: string | null;
  ended_on: string | null;
}

export interface TrialReturn {
  currency: string;
  trial_days: number;
  trial_cost_minor: number;
  incident_cost_minor: number;
  investment_minor: number;
  gain_minor: number;
  roi_percent: number | null;
}

// GET /api/v1/escalations/{id}/overview (docs/advocacy.md, "Progress updates").
export interface Overview {
  escalation: Escalation;
  as_of: string;
  progress: {
    updates: number;
    last: (ProgressUpdate & { age_seconds: number; age: string }) | null;
  };
  plan: {
    actions: number;
    done: number;
    overdue: { index: number; description: string; due_on: string; days_overdue: number }[];
  };
  next_stage: { stage: string | null; blocked_by: { field: string; message: string }[] };
  time_in_stage: { stage: string; seconds: number }[];
  trials: { trial: Trial; service: string | null; reminder_on: string; return: TrialReturn }[];
  awaiting_classification: number;
}

export interface MitigatingService {
  id: number;
  name: string;
  description: string | null;
  monthly_price_minor: number;
  currency: string;
  active: boolean;
}

export interface RootCauseCategory {
  id: number;
  name: string;
  description: string | null;
  active: boolean;
}

// GET /api/v1/escalations/{id}/contacts: inbound contacts since the close-out.
export interface PendingContact {
  interaction_id: number;
  arrived_at: string;
  channel: string;
  subject: string | null;
  case_id: number | null;
  person_id: number | null;
  category: string | null;
  suggestion: 'related' | 'separate';
  reason: string;
}

export interface Classification {
  interaction_id: number;
  suggested: 'related' | 'separate';
  chosen: 'related' | 'separate';
  by: number;
  at: string;
  new_escalation_id: number | null;
}

export interface Person {
  id: number;
  name: string;
  account_id: number;
  role: string | null;
}

// A user as GET /api/v1/users lists it.
export type UserRecord = User & { active: boolean };
