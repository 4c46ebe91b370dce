// Small pieces shared by the views: live SLA clocks, sanitised bodies, signal banners, form
// errors beside their fields.
import DOMPurify from 'dompurify';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { duration, label } from './format';
import { useLiveState } from './live';
import type { Clock, Signal } from './types';

// One timer for every clock on the page.
let ticking: Set<() => void> = new Set();
setInterval(() => ticking.forEach((tick) => tick()), 1000);

export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    ticking.add(tick);
    return () => {
      ticking.delete(tick);
    };
  }, []);
  return now;
}

export function clockText(clock: Clock, now: number): string {
  if (clock.state === 'met') return 'met';
  if (clock.state === 'paused') return 'paused';
  if (!clock.due_at) return label(clock.state);
  const left = Date.parse(clock.due_at) - now;
  return left >= 0 ? `due in ${duration(left)}` : `breached ${duration(left)} ago`;
}

export function ClockBadge({ clock }: { clock: Clock }) {
  const now = useNow();
  const overdue = clock.due_at && clock.state !== 'met' && clock.state !== 'paused'
    ? Date.parse(clock.due_at) < now
    : false;
  const state = overdue ? 'breached' : clock.state;
  return (
    <span class={`clock clock-${state}`} title={clock.due_at ? `due ${clock.due_at}` : undefined}>
      <span class="clock-metric">{label(clock.metric)}</span>{' '}
      <span class="clock-value" data-clock-state={state}>
        {clockText(clock, now)}
      </span>
    </span>
  );
}

// Interaction bodies come from customers and mail servers: DOMPurify keeps formatting
// and drops script, handlers, forms, styles and frames; the page's CSP is the second wall.
const purifyConfig = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
  FORBID_ATTR: ['style'],
};
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

export function SafeBody({ body }: { body: string }) {
  const clean = DOMPurify.sanitize(body, purifyConfig) as string;
  return <div class="body" dangerouslySetInnerHTML={{ __html: clean }} />;
}

export function SignalBanner({ signal }: { signal: Signal }) {
  return (
    <div class={`signal signal-${signal.severity}`} role="alert">
      <strong>{label(signal.rule)}</strong>
      {signal.case_id ? <span> · case #{signal.case_id}</span> : null}
      <div class="signal-action">Suggested: {signal.action}</div>
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof Error ? error.message : String(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

// A form's refusal by the API (problem+json): each error whose field the form shows goes
// beside that field; the rest (fields the form does not show, or none) in the summary.
// `shown`: the form's controls, named as the API names its fields; `as`: API fields a
// control stands for under another name (a month picker for from and to).
export interface FormErrors {
  summary: string;
  byField: Record<string, string>;
  other: string[];
}

export function formErrors(
  error: unknown,
  shown: readonly string[],
  as: Record<string, string> = {},
): FormErrors | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return { summary: error instanceof Error ? error.message : String(error), byField: {}, other: [] };
  }
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const { field, message } of error.problem.errors ?? []) {
    const control = as[field] ?? field;
    if (shown.includes(control)) {
      const text = control === field ? message : `${field} ${message}`;
      byField[control] = byField[control] ? `${byField[control]}; ${text}` : text;
    } else {
      other.push(field ? `${field}: ${message}` : message);
    }
  }
  return { summary: error.message, byField, other };
}

export function FormErrorSummary({ errors }: { errors: FormErrors | null }) {
  if (!errors) return null;
  const marked = Object.keys(errors.byField).length;
  return (
    <div class="error" role="alert">
      <p>{errors.summary}{marked ? ' — see the marked fields.' : ''}</p>
      {errors.other.length ? <ul>{errors.other.map((m) => <li key={m}>{m}</li>)}</ul> : null}
    </div>
  );
}

// The attributes tying a control to its error message (FieldError with the same name).
export function invalidProps(
  name: string,
  errors: FormErrors | null,
): { 'aria-invalid'?: boolean; 'aria-describedby'?: string } {
  return errors?.byField[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {};
}

export function FieldError({ name, errors }: { name: string; errors: FormErrors | null }) {
  const message = errors?.byField[name];
  return message ? <p id={`${name}-error`} class="field-error">{message}</p> : null;
}
// Whether the view's live updates flow (live.ts).
export function LiveBadge() {
  const state = useLiveState();
  const text = { connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting…' }[state];
  return (
    <span class={`live live-${state}`} data-state={state} role="status"
      title={state === 'live' ? 'Changes by others show here as they happen' : undefined}>
      {text}
    </span>
  );
}
