// The management review (GET /api/v1/reports/review; docs/advocacy.md): the escalations
// opened in a range of the reader's local dates, their money at risk by currency, by
// root-cause category and by owner of the contributing factors, time spent in each stage
// and the monthly trend. Admins, managers and viewers only (the API's policy).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get } from '../api';
import type { ChartSpec } from '../charts';
import { ErrorNote } from '../components';
import { label } from '../format';
import {
  Field, dayAfter, invalid, monthStart, refusalOf, timeZone, today, unplaced, useSearchState,
} from './DashboardControls';
import { Figure, figureText } from './DashboardFigure';

interface Money {
  currency: string;
  revenue_at_risk_minor: number;
  incident_cost_minor: number;
  open_revenue_at_risk_minor: number;
}

interface ReviewAnswer {
  escalations: number;
  by_root_cause_category: { category: string | null; escalations: number; money: Money[] }[];
  by_factor_owner: { party: string; function: string | null; escalations: number; factors: number }[];
  time_in_stage: { stage: string; escalations: number; visits: number; mean_days: number }[];
  money_at_risk: Money[];
  trend: { month: string; opened: number; closed: number }[];
}

const severities = ['low', 'medium', 'high', 'critical'];
const placed = ['from', 'to', 'severity'];

// An amount in minor units as its currency is written (2 decimals for EUR, none for JPY).
function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

const uncategorised = 'not categorised yet';

export function Review() {
  const [choice, choose] = useSearchState({ from: monthStart(today(), 11), to: today(), severity: '' });
  const [review, setReview] = useState<ReviewAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let current = true;
    const query = new URLSearchParams({
      from: choice.from, to: choice.to ? dayAfter(choice.to) : '', time_zone: timeZone,
    });
    if (choice.severity) query.set('severity', choice.severity);
    setLoading(true);
    get<ReviewAnswer>(`/api/v1/reports/review?${query}`).then(
      (answer) => {
        if (!current) return;
        setReview(answer);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!current) return;
        setReview(null);  // a refused range shows its errors, not the figures before
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [choice.from, choice.to, choice.severity]);

  const refusal = refusalOf([error]);
  const elsewhere = unplaced(refusal, placed);
  const specs = useMemo(() => (review ? specsOf(review) : null), [review]);

  return (
    <main class="wide dashboard">
      <h1>Management review</h1>
      <form class="controls" aria-label="Range and filters" onSubmit={(e) => e.preventDefault()}>
        <Field id="review-from" label="Opened from" error={refusal.fields.from}>
          <input id="review-from" type="date" value={choice.from} required
            onChange={(e) => choose({ from: e.currentTarget.value })} {...invalid('review-from', refusal.fields.from)} />
        </Field>
        <Field id="review-to" label="To (included)" error={refusal.fields.to}>
          <input id="review-to" type="date" value={choice.to} required
            onChange={(e) => choose({ to: e.currentTarget.value })} {...invalid('review-to', refusal.fields.to)} />
        </Field>
        <Field id="review-severity" label="Severity" error={refusal.fields.severity}>
          <select id="review-severity" value={choice.severity}
            onChange={(e) => choose({ severity: e.currentTarget.value })} {...invalid('review-severity', refusal.fields.severity)}>
            <option value="">any</option>
            {severities.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </Field>
      </form>
      <p class="hint">
        Escalations opened in the range; months in {timeZone}.
        <span aria-live="polite">{loading ? ' Loading…' : ''}</span>
      </p>
      {elsewhere ? <p class="error" role="alert">{elsewhere}</p> : null}
      <ErrorNote error={refusal.other} />
      {review && specs ? (
        <>
          <MoneyAtRisk review={review} />
          <div class="figures-grid">
            <Figure id="trend" caption="Trend" header="Month" spec={specs.trend}
              note="escalations opened, and close-outs of any escalation, per month" />
            <Figure id="by-category" caption="By root-cause category" header="Category" spec={specs.categories} />
            <Figure id="by-owner" caption="By owner of the contributing factors" header="Owner" spec={specs.owners}
              note="escalations with such a factor, and the factors" />
            <Figure id="time-in-stage" caption="Time in stage" header="Stage" spec={specs.stages}
              note="mean days per escalation that spent time in the stage" />
          </div>
        </>
      ) : null}
    </main>
  );
}

function MoneyAtRisk({ review }: { review: ReviewAnswer }) {
  const rows = review.by_root_cause_category.flatMap((c) =>
    c.money.map((m) => ({ category: c.category ?? uncategorised, ...m })));
  return (
    <section class="panel money" aria-labelledby="money-title">
      <h2 id="money-title">Money at risk</h2>
      <p>{figureText(review.escalations)} escalation{review.escalations === 1 ? '' : 's'} opened.</p>
      {review.money_at_risk.length === 0 ? <p class="muted">No money recorded on them.</p> : (
        <dl class="kpis">
          {review.money_at_risk.map((m) => (
            <div key={m.currency}>
              <dt>Revenue at risk ({m.currency})</dt>
              <dd>{money(m.revenue_at_risk_minor, m.currency)}</dd>
              <dd class="muted">still open: {money(m.open_revenue_at_risk_minor, m.currency)}</dd>
              <dd class="muted">incident cost: {money(m.incident_cost_minor, m.currency)}</dd>
            </div>
          ))}
        </dl>
      )}
      {rows.length ? (
        <div class="figures" tabIndex={0} role="region" aria-label="Money at risk by root-cause category">
          <table>
            <caption>By root-cause category</caption>
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col">Revenue at risk</th>
                <th scope="col">Still open</th>
                <th scope="col">Incident cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.category} ${r.currency}`}>
                  <th scope="row">{label(r.category)}</th>
                  <td>{money(r.revenue_at_risk_minor, r.currency)}</td>
                  <td>{money(r.open_revenue_at_risk_minor, r.currency)}</td>
                  <td>{money(r.incident_cost_minor, r.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function specsOf(review: ReviewAnswer) {
  const trend: ChartSpec = {
    categories: review.trend.map((t) => t.month),
    series: [
      { name: 'Opened', kind: 'bar', values: review.trend.map((t) => t.opened) },
      { name: 'Closed', kind: 'bar', values: review.trend.map((t) => t.closed) },
    ],
  };
  const categories: ChartSpec = {
    categories: review.by_root_cause_category.map((c) => label(c.category ?? uncategorised)),
    horizontal: true,
    series: [{ name: 'Escalations', kind: 'bar', values: review.by_root_cause_category.map((c) => c.escalations) }],
  };
  const owners: ChartSpec = {
    categories: review.by_factor_owner.map((o) => label(o.function ? `${o.party}: ${o.function}` : o.party)),
    horizontal: true,
    series: [
      { name: 'Escalations', kind: 'bar', values: review.by_factor_owner.map((o) => o.escalations) },
      { name: 'Factors', kind: 'bar', values: review.by_factor_owner.map((o) => o.factors) },
    ],
  };
  const stages: ChartSpec = {
    categories: review.time_in_stage.map((s) => label(s.stage)),
    horizontal: true,
    series: [{ name: 'Mean days', kind: 'bar', values: review.time_in_stage.map((s) => s.mean_days) }],
  };
  return { trend, categories, owners, stages };
}
