// The agent desk: every open case the caller may see, soonest due first (GET
// /api/v1/sla/open-cases: one row per case at its most urgent clock, with its account's
// name), 100 at a time with the rest on request, live countdowns, and the list read again
// when a case, an interaction or an account changes (live.ts).
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { ClockBadge, ErrorNote, LiveBadge } from '../components';
import { label } from '../format';
import { useLiveRefresh } from '../live';
import { onLinkClick } from '../router';
import type { CaseSummary, Clock } from '../types';

interface Row {
  case: CaseSummary & { account_name: string };
  clock: Clock | null;
}

interface Page {
  items: Row[];
  total: number;
  next_cursor: string | null;
  sequence: number;  // the event log's sequence the page reflects
}

interface Rows {
  rows: Row[];
  total: number;
  next: string | null;
  sequence: number;  // the first page's: the rows reflect at least that much
}

const pageRows = 100;  // a first load stays quick; more on request
const maxPage = 500;   // the API's largest page
const pagePath = (limit: number, cursor: string | null) =>
  `/api/v1/sla/open-cases?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
let prefetched: Promise<Page | null> | null = null;

// Starts the desk's request at once, beside the session's, when the page opens on the desk:
// the first load then waits for one round trip instead of two. A refused one (a signed-out
// page) is asked again when the desk shows.
export function prefetchDesk() {
  prefetched = get<Page>(pagePath(pageRows, null)).catch(() => null);
}

// The first `count` rows from the start ('all': every one), in pages of up to 500.
async function readFirst(count: number | 'all'): Promise<Rows> {
  const early = prefetched;
  prefetched = null;
  let page = early ? await early : null;
  const out: Rows = { rows: [], total: 0, next: null, sequence: 0 };
  do {
    const wanted = count === 'all' ? maxPage : Math.min(maxPage, count - out.rows.length);
    page ??= await get<Page>(pagePath(wanted, out.next));
    if (out.rows.length === 0) out.sequence = page.sequence;
    out.rows.push(...page.items);
    out.total = page.total;
    out.next = page.next_cursor;
    page = null;
  } while (out.next && (count === 'all' || out.rows.length < count));
  return out;
}

export function Desk() {
  const [list, setList] = useState<Rows | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (list) performance.mark('rapport:desk-ready');  // what the first-load figure measures
  }, [list !== null]);

  // Reads again as many rows as are shown (at least a page; all when all were).
  async function reload(shown: number | 'all') {
    try {
      setList(await readFirst(shown === 'all' ? shown : Math.max(pageRows, shown)));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    reload(pageRows);
  }, []);
  useLiveRefresh(
    (change) => change.entity === 'case' || change.entity === 'interaction' ||
      change.entity === 'account',
    () => reload(!list ? pageRows : list.next ? list.rows.length : 'all'),
    1000,  // a busy floor changes cases all the time: at most one read a second
    list?.sequence ?? null,  // the live stream starting afresh need not re-read this
  );

  async function more() {
    if (!list?.next) return;
    setBusy(true);
    try {
      const page = await get<Page>(pagePath(pageRows, list.next));
      // A case that moved while paging is shown once, where it was first seen.
      const seen = new Set(list.rows.map((r) => r.case.id));
      setList({
        rows: [...list.rows, ...page.items.filter((r) => !seen.has(r.case.id))],
        total: page.total,
        next: page.next_cursor,
        sequence: list.sequence,
      });
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main>
      <div class="view-head">
        <h1>Desk</h1>
        <LiveBadge />
      </div>
      <p class="hint">Every open case you may work, soonest due first; cases with no clock running last.</p>
      <ErrorNote error={error} />
      {list === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {list && list.rows.length === 0 ? <p>No open case.</p> : null}
      {list && list.rows.length > 0 ? (
        <table class="desk">
          <caption class="visually-hidden">Open cases by SLA due instant</caption>
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Subject</th>
              <th scope="col">Account</th>
              <th scope="col">Priority</th>
              <th scope="col">Status</th>
              <th scope="col">Clock</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map(({ case: c, clock }) => (
              <tr key={c.id}>
                <td>
                  <a href={`/cases/${c.id}`} onClick={onLinkClick}>#{c.id}</a>
                </td>
                <td>
                  <a href={`/cases/${c.id}`} onClick={onLinkClick} tabIndex={-1}>{c.subject}</a>
                </td>
                <td class="account-name">{c.account_name || `#${c.account_id}`}</td>
                <td class={`priority-${c.priority}`}>{c.priority}</td>
                <td>{label(c.status)}</td>
                <td>{clock ? <ClockBadge clock={clock} /> : <span class="muted">no clock</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list && list.rows.length > 0 ? (
        <p class="desk-count">
          <span role="status">Showing {list.rows.length} of {list.total} open cases.</span>{' '}
          {list.next ? (
            <button type="button" onClick={more} disabled={busy}>
              Show {Math.min(pageRows, Math.max(1, list.total - list.rows.length))} more
            </button>
          ) : null}
        </p>
      ) : null}
    </main>
  );
}
