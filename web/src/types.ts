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
