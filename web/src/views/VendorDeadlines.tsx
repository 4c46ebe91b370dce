// Notice deadlines (GET /api/v1/reports/deadlines): every agreement the caller may see —
// vendor contracts and, for in-house roles, customer agreements — by its notice deadline
// (end date minus notice days), soonest first as the API sorts them, with the days left.
// An agreement is inside its notice window once its earliest alert is reached (the
// report's lead times, 90 days before the deadline by default) until the deadline passes;
// those rows, and passed ones, say so in words as well as by their shading.
import { useEffect, useState } from 'preact/hooks';
import { type User, get } from '../api';
import { FieldError, FormErrorSummary, formErrors, invalidProps } from '../components';
import { onLinkClick } from '../router';
import { dateText, money, queryParam, replaceQuery, reportPath } from './VendorCommon';

interface Deadline {
  agreement_id: number;
  kind: 'customer' | 'vendor';
  party: { vendor_id?: number; account_id?: number; name: string };
  end_date: string;
  auto_renew: boolean;
  notice_days: number;
  notice_deadline: string;
  days_remaining: number;
  status: 'open' | 'passed';
  alerts: { lead_days: number; on: string; reached: boolean }[];
  annual_value_minor?: number;  // not for vendor agents
  currency?: string;
}

interface DeadlinesReport {
  parameters: { time_zone: string; today: string; lead_days: number[] };
  agreements: Deadline[];
}

type Window = 'passed' | 'in_window' | 'ahead';

function windowOf(d: Deadline): Window {
  if (d.status === 'passed') return 'passed';
  return d.alerts.some((a) => a.reached) ? 'in_window' : 'ahead';
}

function daysText(d: Deadline): string {
  const n = Math.abs(d.days_remaining);
  const days = `${n} ${n === 1 ? 'day' : 'days'}`;
  if (d.days_remaining < 0) return `passed ${days} ago`;
  return d.days_remaining === 0 ? 'today' : days;
}

// "90, 60 days reached; next: 30 days before, on 28 Nov 2026".
function alertsText(d: Deadline): string {
  const reached = d.alerts.filter((a) => a.reached).map((a) => a.lead_days);
  const next = d.alerts.filter((a) => !a.reached).sort((a, b) => a.on.localeCompare(b.on))[0];
  return [
    reached.length ? `${reached.join(', ')} days reached` : null,
    next ? `next: ${next.lead_days} days before, on ${dateText(next.on)}` : null,
  ].filter(Boolean).join('; ') || '—';
}

export function VendorDeadlines({ me }: { me: User }) {
  const [kind, setKind] = useState(queryParam('kind') ?? '');
  const [report, setReport] = useState<DeadlinesReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A vendor agent sees its own vendor's contracts only: there is no kind to choose.
  const choosesKind = me.role !== 'vendor_agent';

  useEffect(() => {
    replaceQuery({ kind });
    setError(null);
    let current = true;
    get<DeadlinesReport>(reportPath('/api/v1/reports/deadlines', { kind }))
      .then((r) => current && setReport(r))
      .catch((e) => current && setError(e));
    return () => { current = false; };
  }, [kind]);

  const withMoney = report?.agreements.some((d) => d.annual_value_minor !== undefined);
  const errors = formErrors(error, choosesKind ? ['kind'] : []);
  return (
    <main>
      <h1>Notice deadlines</h1>
      {report ? (
        <p class="hint">
          Today is {dateText(report.parameters.today)} ({report.parameters.time_zone}). Alerts fall{' '}
          {report.parameters.lead_days.join(', ')} days before a deadline; from the first, an
          agreement is in its notice window.
        </p>
      ) : null}
      {choosesKind ? (
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <div>
            <label for="kind">Agreements</label>
            <select id="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}
              {...invalidProps('kind', errors)}>
              <option value="">All</option>
              <option value="vendor">Vendor contracts</option>
              <option value="customer">Customer agreements</option>
            </select>
            <FieldError name="kind" errors={errors} />
          </div>
        </form>
      ) : null}
      <FormErrorSummary errors={errors} />
      {report === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {report && report.agreements.length === 0 ? <p>No agreement.</p> : null}
      {report && report.agreements.length > 0 ? (
        <div class="table-scroll">
          <table class="report deadlines stack">
            <caption class="visually-hidden">Agreements by notice deadline, soonest first</caption>
            <thead>
              <tr>
                <th scope="col">Notice deadline</th><th scope="col">Days remaining</th>
                <th scope="col">Window</th><th scope="col">Agreement</th><th scope="col">Party</th>
                <th scope="col">Ends</th><th scope="col">Notice</th><th scope="col">Renews</th>
                <th scope="col">Alerts</th>
                {withMoney ? <th scope="col">Annual value</th> : null}
              </tr>
            </thead>
            <tbody>
              {report.agreements.map((d) => {
                const window = windowOf(d);
                return (
                  <tr key={d.agreement_id} class={`window-${window}`} data-agreement={d.agreement_id}>
                    <th scope="row" class="nowrap">{dateText(d.notice_deadline)}</th>
                    <td class="days" data-label="Days remaining">{daysText(d)}</td>
                    <td data-label="Window">
                      {window === 'passed' ? <span class="flag flag-worse"><span aria-hidden="true">✕ </span>Deadline passed</span>
                        : window === 'in_window' ? <span class="flag flag-window"><span aria-hidden="true">⚑ </span>In notice window</span>
                          : 'Not yet'}
                    </td>
                    <td data-label="Agreement">#{d.agreement_id}, {d.kind}</td>
                    <td data-label="Party">
                      {d.party.vendor_id ? (
                        <a href={`/vendors/${d.party.vendor_id}`} onClick={onLinkClick}>{d.party.name}</a>
                      ) : d.party.name}
                    </td>
                    <td class="nowrap" data-label="Ends">{dateText(d.end_date)}</td>
                    <td data-label="Notice">{d.notice_days} days</td>
                    <td data-label="Renews">{d.auto_renew ? 'Yes' : 'No'}</td>
                    <td data-label="Alerts">{alertsText(d)}</td>
                    {withMoney ? (
                      <td data-label="Annual value">{d.annual_value_minor !== undefined && d.currency ? money(d.annual_value_minor, d.currency) : '—'}</td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
