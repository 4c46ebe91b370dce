// The API's records as the workspace reads them (the subset it uses).

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

export interface Escalation {
  id: number;
  version: number;
  account_id: number;
  title: string;
  severity: string;
  owner_id: number | null;
  stage: string;
  contact_ids: number[];
  sequence_of_events: { at: string; description: string; case_id: number | null }[];
  customer_impact: string | null;
  root_cause: string | null;
  root_cause_category: string | null;
  contributing_factors: { description: string; party: string; function: string | null }[];
  plan: { description: string; owner_id: number | null; due_on: string | null; status: string }[];
  success_criteria: Criterion[];
  customer_agreement: { person_id: number; at: string } | null;
  progress_updates: { at: string; by: number; channel: string; summary: string }[];
  closed_at: string | null;
}

export interface Overview {
  escalation: Escalation;
  next_stage: { stage: string | null; blocked_by: { field: string; message: string }[] };
}
