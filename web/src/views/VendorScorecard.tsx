// A vendor's monthly scorecard (GET /api/v1/reports/scorecard for one vendor and month):
// per agreement in force, every contracted target against its result, the ones beyond their
// band flagged in words and a symbol (not by colour alone), the schedule's penalty or
// credit, and for a flagged target its deep dive — the queues, channels, hours of the week
// and agents that pushed it out of band, each with its share of the deviation.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { FieldError, FormErrorSummary, formErrors, invalidProps } from '../components';
import { label } from '../format';
import {
  VendorPage, money, monthName, monthRange, previousMonth, queryParam, reportPath, replaceQuery,
  hourOfWeekText,
} from './VendorCommon';

type Status = 'worse' | 'better' | 'within_band' | 'no_data';

interface DeepDiveEntry {
  dimension: 'queue' | 'channel' | 'hour_of_week' | 'agent';
  queue?: { id: number; name: string } | null;
  channel?: string | null;
  hour_of_week?: { hour: number; weekday: string; local_hour: number };
  agent?: { id: number; name: string } | null;
  contribution_points: number;
  actual_percent: number | null;
  offered: number;
}

interface MetricResult {
  metric: 'service_level' | 'first_contact_resolution' | 'abandonment';
  channel: string | null;
  target_percent: number;
  threshold_seconds: number | null;
  band_points: number;
  actual_percent: number | null;
  deviation_points: number | null;
  status: Status;
  counts: { offered: number; first_contact_resolution: { resolved: number } };
  schedule: { kind: 'penalty' | 'credit'; beyond_points: number; amount_minor: number } | null;
  deep_dive: DeepDiveEntry[];
}

interface Scorecard {
  agreement: { id: number; vendor: { id: number; name: string } };
  month: string;
  metrics: MetricResult[];
  money: {
    currency: string;
    penalties_minor: number;
    credits_minor: number;
    staffed_agent_hours?: number;
    required_agent_hours?: number;
    surplus_agent_hours?: number;
    surplus_cost_minor?: number | null;
  };
}

interface ScorecardReport {
  parameters: { time_zone: string; abandons: string };
  scorecards: Scorecard[];
}

export function VendorScorecard({ id }: { id: number }) {
  return <VendorPage id={id} tab="scorecard">{() => <Scorecards key={id} vendorId={id} />}</VendorPage>;
}

function Scorecards({ vendorId }: { vendorId: number }) {
  const [month, setMonth] = useState(queryParam('month') ?? previousMonth());
  const [report, setReport] = useState<ScorecardReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    replaceQuery({ month });
    const range = monthRange(month);
    setReport(null);
    setError(null);
    let current = true;  // a later month's answer is not overwritten by an earlier one's
    // A month the picker cannot hold goes to the API as it is, which names what is wrong.
    const path = reportPath('/api/v1/reports/scorecard',
      { vendor_id: vendorId, from: range?.from ?? month, to: range?.to ?? month });
    get<ScorecardReport>(path)
      .then((r) => current && setReport(r))
      .catch((e) => current && setError(e));
    return () => { current = false; };
  }, [vendorId, month]);

  // The month picker is the form's one field: what the API says of the range is said there.
  const errors = formErrors(error, ['month'], { from: 'month', to: 'month' });
  return (
    <>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label for="month">Month</label>
          <input id="month" type="month" value={month} required
            onChange={(e) => setMonth((e.target as HTMLInputElement).value || previousMonth())}
            {...invalidProps('month', errors)} />
          <FieldError name="month" errors={errors} />
        </div>
      </form>
      <FormErrorSummary errors={errors} />
      {report === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {report && report.scorecards.length === 0 ? (
        <p>No agreement of this vendor was in force in {monthName(month)}.</p>
      ) : null}
      {report?.scorecards.map((card) => (
        <Card key={`${card.agreement.id}-${card.month}`} card={card} zone={report.parameters.time_zone}
          abandons={report.parameters.abandons} />
      ))}
    </>
  );
}

const metricNames: Record<MetricResult['metric'], string> = {
  service_level: 'Service level',
  first_contact_resolution: 'First-contact resolution',
  abandonment: 'Abandonment',
};

function metricName(m: MetricResult): string {
  const details = [m.channel, m.threshold_seconds !== null ? `within ${m.threshold_seconds} s` : null]
    .filter(Boolean)
    .join(', ');
  return details ? `${metricNames[m.metric]} (${details})` : metricNames[m.metric];
}

// Lower is better for abandonment only (docs/service-analytics.md).
function targetText(m: MetricResult): string {
  return `${m.metric === 'abandonment' ? '≤' : '≥'} ${m.target_percent} %`;
}

function points(value: number | null): string {
  if (value === null) return '—';
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value)} pts`;
}

function percent(value: number | null): string {
  return value === null ? '—' : `${value} %`;
}

function volume(m: MetricResult): string {
  return m.metric === 'first_contact_resolution'
    ? `${m.counts.first_contact_resolution.resolved} cases resolved`
    : `${m.counts.offered} contacts offered`;
}

function StatusFlag({ status }: { status: Status }) {
  const text: Record<Status, [string, string]> = {
    worse: ['▼', 'Out of band: worse'],
    better: ['▲', 'Out of band: better'],
    within_band: ['', 'Within band'],
    no_data: ['', 'No data'],
  };
  const [symbol, words] = text[status];
  return (
    <span class={`flag flag-${status}`}>
      {symbol ? <span aria-hidden="true">{symbol} </span> : null}
      {words}
    </span>
  );
}

function Card({ card, zone, abandons }: { card: Scorecard; zone: string; abandons: string }) {
  const [open, setOpen] = useState<number | null>(null);
  const headingId = `agreement-${card.agreement.id}-${card.month}`;
  const m = card.money;
  return (
    <section class="panel scorecard" aria-labelledby={headingId}>
      <h2 id={headingId}>Agreement #{card.agreement.id} · {monthName(card.month)}</h2>
      <p class="hint">
        Months in {zone}; service level counts abandons {abandons === 'against' ? 'against it' : abandons === 'for' ? 'for it' : 'not at all'}.
      </p>
      <div class="table-scroll">
        <table class="report metrics stack">
          <caption class="visually-hidden">Targets of agreement #{card.agreement.id} in {monthName(card.month)}</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th><th scope="col">Target</th><th scope="col">Actual</th>
              <th scope="col">Deviation</th><th scope="col">Band</th><th scope="col">Status</th>
              <th scope="col">Penalty or credit</th>
            </tr>
          </thead>
          <tbody>
            {card.metrics.map((metric, i) => {
              const flagged = metric.status === 'worse' || metric.status === 'better';
              const diveId = `${headingId}-dive-${i}`;
              return [
                <tr key={i} class={flagged ? `flagged flagged-${metric.status}` : undefined}>
                  <th scope="row">{metricName(metric)}</th>
                  <td data-label="Target">{targetText(metric)}</td>
                  <td data-label="Actual">{percent(metric.actual_percent)}<div class="muted small">{volume(metric)}</div></td>
                  <td data-label="Deviation">{points(metric.deviation_points)}</td>
                  <td data-label="Band">± {metric.band_points} pts</td>
                  <td data-label="Status">
                    <StatusFlag status={metric.status} />
                    {flagged ? (
                      <div>
                        <button type="button" class="link" aria-expanded={open === i} aria-controls={diveId}
                          onClick={() => setOpen(open === i ? null : i)}>
                          {open === i ? 'Hide deep dive' : 'Deep dive'}
                          <span class="visually-hidden">: {metricName(metric)}</span>
                        </button>
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Penalty or credit">
                    {metric.schedule
                      ? `${metric.schedule.kind === 'penalty' ? 'Penalty' : 'Credit'} ${money(metric.schedule.amount_minor, m.currency)} (beyond ${metric.schedule.beyond_points} pts)`
                      : '—'}
                  </td>
                </tr>,
                flagged && open === i ? (
                  <tr key={`${i}-dive`} class="deep-dive-row">
                    <td colSpan={7} id={diveId}>
                      <DeepDive metric={metric} />
                    </td>
                  </tr>
                ) : null,
              ];
            })}
          </tbody>
        </table>
      </div>
      <dl class="money">
        <dt>Penalties</dt><dd>{money(m.penalties_minor, m.currency)}</dd>
        <dt>Credits</dt><dd>{money(m.credits_minor, m.currency)}</dd>
        {m.surplus_agent_hours !== undefined ? (
          <>
            <dt>Surplus agent-hours</dt>
            <dd>
              {m.surplus_agent_hours} (staffed {m.staffed_agent_hours}, needed {m.required_agent_hours})
              {m.surplus_cost_minor != null ? `, costing ${money(m.surplus_cost_minor, m.currency)}` : ''}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

const dimensions: [DeepDiveEntry['dimension'], string][] = [
  ['queue', 'By queue'],
  ['channel', 'By channel'],
  ['hour_of_week', 'By hour of the week'],
  ['agent', 'By agent'],
];

function groupName(e: DeepDiveEntry): string {
  switch (e.dimension) {
    case 'queue': return e.queue ? e.queue.name || `Queue #${e.queue.id}` : 'No queue';
    case 'channel': return e.channel ? label(e.channel) : 'No channel';
    case 'agent': return e.agent ? e.agent.name || `Agent #${e.agent.id}` : 'No agent (not answered)';
    case 'hour_of_week': return hourOfWeekText(e.hour_of_week!.weekday, e.hour_of_week!.local_hour);
  }
}

// The groups that pushed the metric out of band, largest share first (the API lists only
// those pushing the same way as the deviation).
function DeepDive({ metric }: { metric: MetricResult }) {
  if (metric.deep_dive.length === 0) return <p>No group stands out.</p>;
  return (
    <div class="deep-dive">
      <p class="hint">
        What moved {metricName(metric)} {points(metric.deviation_points)} from its target: each
        group's share of the deviation.
      </p>
      <div class="deep-dive-groups">
        {dimensions.map(([dimension, title]) => {
          const entries = metric.deep_dive.filter((e) => e.dimension === dimension);
          if (entries.length === 0) return null;
          return (
            <div key={dimension} class="table-scroll">
              <table class="report">
                <caption>{title}</caption>
                <thead>
                  <tr><th scope="col">Group</th><th scope="col">Share</th><th scope="col">Actual</th>
                    <th scope="col">Offered</th></tr>
                </thead>
                <tbody>
                  {entries.map((e, i) => (
                    <tr key={i}>
                      <th scope="row">{groupName(e)}</th>
                      <td>{points(e.contribution_points)}</td>
                      <td>{percent(e.actual_percent)}</td>
                      <td>{e.offered}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        })}
      </div>
    </div>
  );
}
