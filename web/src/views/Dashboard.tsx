// The dashboard: service level, volume, abandonment, first-contact resolution and signals
// over time, for a range of the reader's local dates by month, week or day, one vendor and
// one channel if asked. Figures come from GET /api/v1/reports/service-level (grouped by
// period) and GET /api/v1/reports/signals; the signals report lists every period of the
// range, so it gives the axis, and a period without contacts shows no rate rather than 0.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, type User } from '../api';
import type { ChartSpec } from '../charts';
import { ErrorNote } from '../components';
import { label } from '../format';
import {
  Field, dayAfter, invalid, monthStart, refusalOf, timeZone, today, unplaced, useSearchState,
} from './DashboardControls';
import { Figure, figureText } from './DashboardFigure';

interface Metrics {
  offered: number;
  answered: number;
  abandoned: number;
  service_level_percent: { abandons_ignored: number | null; abandons_against: number | null; abandons_for: number | null };
  abandonment_percent: number | null;
  first_contact_resolution: { resolved: number; first_contact: number; pending: number; percent: number | null };
}

interface ServiceLevel {
  parameters: { threshold_seconds: Record<string, number>; fcr_days: number };
  groups: { period: { label: string; start: string }; metrics: Metrics }[];
  total: Metrics;
}

interface SignalCounts {
  raised: number;
  cleared: number;
  live_at_end: number | null;
}

interface SignalPeriod extends SignalCounts {
  by_rule: (SignalCounts & { rule: string })[];
}

interface SignalReport {
  periods: (SignalPeriod & { period: { label: string; start: string } })[];
  total: SignalPeriod;
}

interface Vendor {
  id: number;
  name: string;
}

const channels = ['phone', 'email', 'chat', 'web', 'social', 'sms'];
const placed = ['from', 'to', 'period', 'vendor_id', 'channel'];

export function Dashboard({ me }: { me: User }) {
  const ownVendorOnly = me.role === 'vendor_agent';
  const [choice, choose] = useSearchState({
    from: monthStart(today(), 11), to: today(), period: 'month', vendor: '', channel: '',
  });
  const [vendors, setVendors] = useState<Vendor[]>([]);
  const [vendorsError, setVendorsError] = useState<unknown>(null);
  const [service, setService] = useState<ServiceLevel | null>(null);
  const [signals, setSignals] = useState<SignalReport | null>(null);
  const [errors, setErrors] = useState<unknown[]>([]);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    if (ownVendorOnly) return;  // the API confines a vendor agent to its own vendor
    get<{ items: Vendor[] }>('/api/v1/vendors?limit=500')
      .then((page) => setVendors(page.items))
      .catch(setVendorsError);
  }, []);

  useEffect(() => {
    let current = true;
    const range = new URLSearchParams({
      from: choice.from, to: choice.to ? dayAfter(choice.to) : '', time_zone: timeZone, period: choice.period,
    });
    const scope = new URLSearchParams(range);
    scope.set('group_by', 'period');
    if (choice.vendor && !ownVendorOnly) scope.set('vendor_id', choice.vendor);
    if (choice.channel) scope.set('channel', choice.channel);
    setLoading(true);
    Promise.allSettled([
      get<ServiceLevel>(`/api/v1/reports/service-level?${scope}`),
      get<SignalReport>(`/api/v1/reports/signals?${range}`),
    ]).then(([s, g]) => {
      if (!current) return;
      setLoading(false);
      const failed = [s, g].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      setErrors(failed.map((r) => r.reason));
      // A refused range shows its errors, not the figures of the range before.
      setService(s.status === 'fulfilled' && g.status === 'fulfilled' ? s.value : null);
      setSignals(s.status === 'fulfilled' && g.status === 'fulfilled' ? g.value : null);
    });
    return () => {
      current = false;
    };
  }, [choice.from, choice.to, choice.period, choice.vendor, choice.channel]);

  const refusal = refusalOf(errors);
  const elsewhere = unplaced(refusal, placed);
  const figures = useMemo(() => (service && signals ? specsOf(service, signals) : null), [service, signals]);

  return (
    <main class="wide dashboard">
      <h1>Dashboard</h1>
      <form class="controls" aria-label="Range and filters" onSubmit={(e) => e.preventDefault()}>
        <Field id="dash-from" label="From" error={refusal.fields.from}>
          <input id="dash-from" type="date" value={choice.from} required
            onChange={(e) => choose({ from: e.currentTarget.value })} {...invalid('dash-from', refusal.fields.from)} />
        </Field>
        <Field id="dash-to" label="To (included)" error={refusal.fields.to}>
          <input id="dash-to" type="date" value={choice.to} required
            onChange={(e) => choose({ to: e.currentTarget.value })} {...invalid('dash-to', refusal.fields.to)} />
        </Field>
        <Field id="dash-period" label="By" error={refusal.fields.period}>
          <select id="dash-period" value={choice.period} onChange={(e) => choose({ period: e.currentTarget.value })}
            {...invalid('dash-period', refusal.fields.period)}>
            <option value="month">month</option>
            <option value="week">week</option>
            <option value="day">day</option>
          </select>
        </Field>
        {ownVendorOnly ? null : (
          <Field id="dash-vendor" label="Vendor" error={refusal.fields.vendor_id}>
            <select id="dash-vendor" value={choice.vendor} onChange={(e) => choose({ vendor: e.currentTarget.value })}
              {...invalid('dash-vendor', refusal.fields.vendor_id)}>
              <option value="">all vendors and in-house</option>
              {vendors.map((v) => <option key={v.id} value={String(v.id)}>{v.name}</option>)}
            </select>
          </Field>
        )}
        <Field id="dash-channel" label="Channel" error={refusal.fields.channel}>
          <select id="dash-channel" value={choice.channel} onChange={(e) => choose({ channel: e.currentTarget.value })}
            {...invalid('dash-channel', refusal.fields.channel)}>
            <option value="">every channel</option>
            {channels.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </Field>
      </form>
      <p class="hint">
        Dates and periods in {timeZone}.{' '}
        {ownVendorOnly ? 'Your vendor’s contacts; signals of its cases and of no case.' : null}
        <span aria-live="polite">{loading ? ' Loading…' : ''}</span>
      </p>
      {elsewhere ? <p class="error" role="alert">{elsewhere}</p> : null}
      <ErrorNote error={vendorsError} />
      <ErrorNote error={refusal.other} />
      {figures && service && signals ? (
        <>
          <Totals service={service} signals={signals} />
          <div class="figures-grid">
            <Figure id="service-level" caption="Service level" header="Period" spec={figures.serviceLevel}
              note={`answered within the channel's threshold (${thresholds(service)}), abandons counted against`} />
            <Figure id="volume" caption="Volume" header="Period" spec={figures.volume}
              note="inbound contacts offered (short abandons and off-hours misses left out)" />
            <Figure id="abandonment-fcr" caption="Abandonment and first-contact resolution" header="Period"
              spec={figures.rates}
              note={`first-contact resolution of the cases resolved in the period; those resolved in the last ${service.parameters.fcr_days} days are not judged yet`} />
            <Figure id="signals" caption="Signals" header="Period" spec={figures.signals}
              note={`raised per period by rule, and live at each period's end${choice.vendor || choice.channel ? '; every vendor and channel' : ''}`} />
          </div>
        </>
      ) : null}
    </main>
  );
}

// The report's thresholds, channels of one threshold together: "20 s: phone; 1 h: email, web".
function thresholds(service: ServiceLevel): string {
  const byValue = new Map<number, string[]>();
  for (const [channel, seconds] of Object.entries(service.parameters.threshold_seconds)) {
    byValue.set(seconds, [...(byValue.get(seconds) ?? []), channel]);
  }
  const text = (s: number) => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 && s >= 60 ? `${s / 60} min` : `${s} s`);
  return [...byValue].sort(([a], [b]) => a - b).map(([s, channels]) => `${text(s)}: ${channels.join(', ')}`).join('; ');
}

function Totals({ service, signals }: { service: ServiceLevel; signals: SignalReport }) {
  const t = service.total;
  return (
    <dl class="kpis" aria-label="Totals of the range">
      <div><dt>Service level</dt><dd>{figureText(t.service_level_percent.abandons_against, '%')}</dd></div>
      <div><dt>Offered</dt><dd>{figureText(t.offered)}</dd></div>
      <div><dt>Abandonment</dt><dd>{figureText(t.abandonment_percent, '%')}</dd></div>
      <div><dt>First-contact resolution</dt><dd>{figureText(t.first_contact_resolution.percent, '%')}</dd></div>
      <div><dt>Signals raised</dt><dd>{figureText(signals.total.raised)}</dd></div>
      <div><dt>Signals live at the end</dt><dd>{figureText(signals.total.live_at_end)}</dd></div>
    </dl>
  );
}

// The charts' specs: one row per period of the range, in order.
function specsOf(service: ServiceLevel, signals: SignalReport) {
  const categories = signals.periods.map((p) => p.period.label);
  const byLabel = new Map(service.groups.map((g) => [g.period.label, g.metrics]));
  const metric = (pick: (m: Metrics) => number | null, none: number | null) =>
    categories.map((c) => {
      const m = byLabel.get(c);
      return m ? pick(m) : none;
    });
  const serviceLevel: ChartSpec = {
    categories,
    unit: '%',
    series: [{ name: 'Service level', kind: 'line', values: metric((m) => m.service_level_percent.abandons_against, null) }],
  };
  const volume: ChartSpec = {
    categories,
    series: [
      { name: 'Offered', kind: 'bar', values: metric((m) => m.offered, 0) },
      { name: 'Answered', kind: 'bar', values: metric((m) => m.answered, 0) },
      { name: 'Abandoned', kind: 'bar', values: metric((m) => m.abandoned, 0) },
    ],
  };
  const rates: ChartSpec = {
    categories,
    unit: '%',
    series: [
      { name: 'Abandonment', kind: 'line', values: metric((m) => m.abandonment_percent, null) },
      { name: 'First-contact resolution', kind: 'line', values: metric((m) => m.first_contact_resolution.percent, null) },
    ],
  };
  // Only the rules that were raised or live in the range: eight mostly empty stacks say nothing.
  const rules = signals.total.by_rule
    .filter((r) => r.raised > 0 || (r.live_at_end ?? 0) > 0)
    .map((r) => r.rule);
  const signalSpec: ChartSpec = {
    categories,
    series: [
      ...rules.map((rule) => ({
        name: `Raised: ${label(rule)}`,
        kind: 'bar' as const,
        stack: 'raised',
        values: signals.periods.map((p) => p.by_rule.find((r) => r.rule === rule)?.raised ?? 0),
      })),
      { name: 'Live at the end', kind: 'line', values: signals.periods.map((p) => p.live_at_end) },
    ],
  };
  return { serviceLevel, volume, rates, signals: signalSpec };
}
