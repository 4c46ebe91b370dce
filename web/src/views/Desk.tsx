// The agent desk: open cases whose clocks run, soonest due first (GET /api/v1/sla/at-risk
// over the next week, one row per case at its most urgent clock), with live countdowns.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { ClockBadge, ErrorNote } from '../components';
import { label } from '../format';
import { onLinkClick } from '../router';
import type { CaseSummary, Clock } from '../types';

interface AtRisk {
  case: CaseSummary;
  clock: Clock;
}

const pageRows = 100;  // the soonest due; the rest on request (a first load stays quick)
const atRiskPath = '/api/v1/sla/at-risk?within=10080&limit=500';
let prefetched: Promise<{ items: AtRisk[] } | null> | null = null;

// Starts the desk's request at once, beside the session's, when the page opens on the desk:
// the first load then waits for one round trip instead of two. A refused one (a signed-out
// page) is asked again when the desk shows.
export function prefetchDesk() {
  prefetched = get<{ items: AtRisk[] }>(atRiskPath).catch(() => null);
}

export function Desk() {
  const [rows, setRows] = useState<AtRisk[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [all, setAll] = useState(false);

  useEffect(() => {
    if (rows) performance.mark('rapport:desk-ready');  // what the first-load figure measures
  }, [rows]);

  useEffect(() => {
    const early = prefetched;
    prefetched = null;
    const fetch = () => get<{ items: AtRisk[] }>(atRiskPath);
    (early ? early.then((answer) => answer ?? fetch()) : fetch())
      .then((answer) => {
        const seen = new Set<number>();
        const sorted = answer.items
          .filter((r) => r.clock.due_at)
          .sort((a, b) => Date.parse(a.clock.due_at!) - Date.parse(b.clock.due_at!))
          .filter((r) => !seen.has(r.case.id) && seen.add(r.case.id) !== undefined);
        setRows(sorted);
      })
      .catch(setError);
  }, []);

  return (
    <main>
      <h1>Desk</h1>
      <p class="hint">Open cases with a clock due within a week or breached, soonest first.</p>
      <ErrorNote error={error} />
      {rows === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {rows && rows.length === 0 ? <p>No case is due within a week.</p> : null}
      {rows && rows.length > 0 ? (
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
            {(all ? rows : rows.slice(0, pageRows)).map(({ case: c, clock }) => (
              <tr key={c.id}>
                <td>
                  <a href={`/cases/${c.id}`} onClick={onLinkClick}>#{c.id}</a>
                </td>
                <td>
                  <a href={`/cases/${c.id}`} onClick={onLinkClick} tabIndex={-1}>{c.subject}</a>
                </td>
                <td>#{c.account_id}</td>
                <td class={`priority-${c.priority}`}>{c.priority}</td>
                <td>{label(c.status)}</td>
                <td>
                  <ClockBadge clock={clock} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {rows && rows.length > pageRows && !all ? (
        <p>
          <button type="button" onClick={() => setAll(true)}>Show all {rows.length} cases</button>
        </p>
      ) : null}
    </main>
  );
}
