// What the dashboard and the review share: date ranges as people read them (the last day
// included; the API's `to` is the day after), the choices kept in the address (a reload or
// a shared link shows the same figures), and the API's field errors shown beside the
// field they name.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api';

// The browser's zone: periods and dates are the reader's local ones.
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// Today's local date, YYYY-MM-DD.
export function today(): string {
  const now = new Date();
  return isoDate(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

// The first day of the month `months` before the month of `date` (YYYY-MM-DD).
export function monthStart(date: string, months: number): string {
  const [year, month] = date.split('-').map(Number);
  return isoDate(new Date(Date.UTC(year, month - 1 - months, 1)));
}

// The day after `date`: the exclusive end the API takes for a range whose last day is `date`.
export function dayAfter(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return isoDate(new Date(Date.UTC(year, month - 1, day + 1)));
}

// The view's choices, read from and written to the address's query string.
export function useSearchState<T extends Record<string, string>>(defaults: T): [T, (change: Partial<T>) => void] {
  const [state, setState] = useState<T>(() => {
    const given = new URLSearchParams(location.search);
    const out = { ...defaults };
    for (const key of Object.keys(defaults) as (keyof T & string)[]) {
      const value = given.get(key);
      if (value !== null) out[key] = value as T[typeof key];
    }
    return out;
  });
  function change(partial: Partial<T>) {
    const next = { ...state, ...partial };
    setState(next);
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value) query.set(key, value);
    history.replaceState(null, '', `${location.pathname}?${query}`);
  }
  return [state, change];
}

// A refusal's messages by the parameter they name; what names no field is `other`.
export interface Refusal {
  fields: Record<string, string>;
  other: unknown;
}

export function refusalOf(errors: unknown[]): Refusal {
  const out: Refusal = { fields: {}, other: null };
  for (const error of errors) {
    if (error instanceof ApiError && error.problem.errors?.length) {
      for (const e of error.problem.errors) {
        const before = out.fields[e.field];
        if (before !== e.message) out.fields[e.field] = before ? `${before}; ${e.message}` : e.message;
      }
    } else if (error && !out.other) {
      out.other = error;
    }
  }
  return out;
}

// A labelled control with the API's message about its parameter under it.
export function Field({ id, label, error, children }: {
  id: string;
  label: string;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {error ? <p id={`${id}-error`} class="error field-error" role="alert">{error}</p> : null}
    </div>
  );
}

// The attributes that tie a control to its error.
export function invalid(id: string, error?: string) {
  return error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};
}

// Refusals naming a parameter no control on the view sets (the zone, an unknown one).
export function unplaced(refusal: Refusal, placed: string[]): string | null {
  const rest = Object.entries(refusal.fields).filter(([field]) => !placed.includes(field));
  return rest.length ? rest.map(([field, message]) => `${field}: ${message}`).join('; ') : null;
}
