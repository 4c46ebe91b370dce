// What the vendor views share: the vendor records they read, a vendor page's heading and
// tabs, months and dates as the reports take them, money in minor units, and the page's
// query string as the view's shareable state.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from '../api';
import { ErrorNote } from '../components';
import { onLinkClick } from '../router';

export interface Vendor {
  id: number;
  name: string;
  executive_sponsor: string | null;
  point_of_contact: string | null;
}

export interface Agreement {
  id: number;
  start_date: string;
  end_date: string;
  queue_ids: number[];
  coverage_calendar_id: number | null;
}

export interface Queue {
  id: number;
  name: string;
  channel: string;
  vendor_id: number | null;
}

// The API's weekdays, in its order (hour of the week 0 is Monday 00:00).
export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const weekdayShort = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// "Mon" for "monday".
export function weekdayName(day: string): string {
  return weekdayShort[weekdays.indexOf(day)] ?? day;
}

// "Mon 09:00" for a local hour of the week.
export function hourOfWeekText(day: string, hour: number): string {
  return `${weekdayName(day)} ${String(hour).padStart(2, '0')}:00`;
}

// The vendor a page is about. `missing`: the API says there is no such vendor for the
// caller (a vendor agent asking for another vendor gets the same 404 as for none).
function useVendor(id: number) {
  const [vendor, setVendor] = useState<Vendor | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setVendor(null);
    setMissing(false);
    setError(null);
    get<Vendor>(`/api/v1/vendors/${id}`)
      .then(setVendor)
      .catch((e) => (e instanceof ApiError && e.status === 404 ? setMissing(true) : setError(e)));
  }, [id]);
  return { vendor, missing, error };
}

// Every page of a list the caller may see (the API confines a vendor agent to its own).
export async function getAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { items: T[]; next_cursor: string | null } = await get(
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

type VendorTab = 'scorecard' | 'coverage';

// The heading of a vendor's page with its tabs; while the vendor loads, or when it does not
// exist for the caller, the page's whole content.
export function VendorPage({ id, tab, children }: {
  id: number;
  tab: VendorTab;
  children: (vendor: Vendor) => ComponentChildren;
}) {
  const { vendor, missing, error } = useVendor(id);
  if (missing) {
    return (
      <main>
        <h1>Vendor #{id}</h1>
        <p role="alert">No such vendor.</p>
        <p><a href="/vendors" onClick={onLinkClick}>All vendors</a></p>
      </main>
    );
  }
  if (!vendor) {
    return <main><ErrorNote error={error} />{!error ? <p aria-busy="true">Loading…</p> : null}</main>;
  }
  const tabs: [VendorTab, string, string][] = [
    ['scorecard', 'Scorecard', `/vendors/${id}`],
    ['coverage', 'Coverage hours', `/vendors/${id}/coverage`],
  ];
  return (
    <main class="vendor">
      <h1>{vendor.name}</h1>
      <nav class="tabs" aria-label="Vendor">
        {tabs.map(([key, text, href]) => (
          <a key={key} href={href} onClick={onLinkClick} aria-current={key === tab ? 'page' : undefined}>
            {text}
          </a>
        ))}
      </nav>
      {children(vendor)}
    </main>
  );
}

// --- dates ---------------------------------------------------------------------------------
// Reports take dates as local midnight in their zone; these are calendar dates, not instants.

function pad(n: number) {
  return String(n).padStart(2, '0');
}

// "2026-10" for the month before today's (the reports' default range).
export function previousMonth(today = new Date()): string {
  const d = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

// The first day of `month` ("YYYY-MM") and of the month after it; null for other text.
export function monthRange(month: string): { from: string; to: string } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  const year = Number(m[1]), index = Number(m[2]);
  const next = index === 12 ? `${year + 1}-01` : `${year}-${pad(index + 1)}`;
  return { from: `${month}-01`, to: `${next}-01` };
}

// "October 2026" for "2026-10".
export function monthName(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)).toLocaleDateString(undefined, {
    month: 'long', year: 'numeric', timeZone: 'UTC',
  });
}

// "23 Nov 2026" for "2026-11-23" (a calendar date: no zone shifts it).
export function dateText(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString(undefined, {
    day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  });
}

// --- money ---------------------------------------------------------------------------------

// An amount in the currency's minor units ("159000", "USD" → "$1,590.00").
export function money(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;  // a code Intl does not know
  }
}

// --- the query string ----------------------------------------------------------------------

export function queryParam(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

// Records the view's state in the address (a reload or a shared link shows the same), without
// a history entry per change.
export function replaceQuery(values: Record<string, string | null | undefined>) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  const query = params.toString();
  history.replaceState(null, '', location.pathname + (query ? `?${query}` : ''));
}

// A report's address with its parameters, leaving out empty values (the API's default
// applies; an empty query string would itself be an unknown parameter to the API).
export function reportPath(path: string, values: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    const text = value === null || value === undefined ? '' : String(value).trim();
    if (text) params.set(name, text);
  }
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
