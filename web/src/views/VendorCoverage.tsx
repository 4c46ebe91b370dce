// Coverage hours of a vendor agreement (GET /api/v1/reports/coverage): contacts by hour of
// the week over a chosen range, for the agreement's queues or one of them, as a heatmap
// table — the number in every cell, its shade from a CSS class (the CSP forbids inline
// styles), and the hours the agreement's coverage calendar contracts outlined — followed by
// the report's trim and extend recommendations.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorNote, FieldError, FormErrorSummary, formErrors, invalidProps } from '../components';
import { label } from '../format';
import {
  VendorPage, getAll, money, monthRange, previousMonth, queryParam, replaceQuery, reportPath,
  hourOfWeekText, weekdayName, weekdays, type Agreement, type Queue,
} from './VendorCommon';

interface Cell {
  contacts: number;
  answered: number;
  missed: number;
}

interface HourOfWeek {
  hour: number;
  weekday: string;
  local_hour: number;
}

interface CoverageReport {
  parameters: { time_zone: string; calendar_id: number; from: string; to: string };
  weeks: number;
  average_handle_time_seconds: number | null;
  hours: (HourOfWeek & { inside: Cell; outside: Cell })[];
  recommendations: {
    action: 'trim' | 'extend';
    hour_of_week: HourOfWeek;
    contacts_per_week: number;
    agents: number;
    agent_hours_per_year: number;
    money_per_year_minor: number | null;
    currency: string;
  }[];
}

interface Calendar {
  id: number;
  name: string;
  time_zone: string;
  hours: { day: string; start: string; end: string }[];
}

interface Asked {
  agreement_id: string;
  from: string;
  to: string;
  queue_id: string;
}

const fields = ['agreement_id', 'from', 'to', 'queue_id'];

export function VendorCoverage({ id }: { id: number }) {
  return <VendorPage id={id} tab="coverage">{() => <Coverage key={id} vendorId={id} />}</VendorPage>;
}

function Coverage({ vendorId }: { vendorId: number }) {
  const [agreements, setAgreements] = useState<Agreement[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const lastMonth = monthRange(previousMonth())!;
  // The form's fields, and what was last asked of the API (the address records it).
  const [draft, setDraft] = useState<Asked>({
    agreement_id: queryParam('agreement') ?? '',
    from: queryParam('from') ?? lastMonth.from,
    to: queryParam('to') ?? lastMonth.to,
    queue_id: queryParam('queue') ?? '',
  });
  const [asked, setAsked] = useState<Asked | null>(null);
  const [report, setReport] = useState<{ coverage: CoverageReport; calendar: Calendar } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    Promise.all([
      getAll<Agreement>(`/api/v1/agreements?kind=vendor&vendor_id=${vendorId}`),
      getAll<Queue>(`/api/v1/queues?vendor_id=${vendorId}`),
    ])
      .then(([a, q]) => {
        setAgreements(a);
        setQueues(q);
        const first = draft.agreement_id || String(a.find((x) => x.coverage_calendar_id)?.id ?? '');
        if (first) {
          const start = { ...draft, agreement_id: first };
          setDraft(start);
          setAsked(start);
        }
      })
      .catch(setLoadError);
  }, [vendorId]);

  useEffect(() => {
    if (!asked) return;
    replaceQuery({ agreement: asked.agreement_id, from: asked.from, to: asked.to, queue: asked.queue_id });
    setReport(null);
    setError(null);
    let current = true;  // a later request's answer is not overwritten by an earlier one's
    (async () => {
      const coverage = await get<CoverageReport>(reportPath('/api/v1/reports/coverage', { ...asked }));
      // The report names the agreement's coverage calendar; its weekly spans are the
      // contracted hours, in the zone the report's hours are in.
      const calendar = await get<Calendar>(`/api/v1/calendars/${coverage.parameters.calendar_id}`);
      if (current) setReport({ coverage, calendar });
    })().catch((e) => current && setError(e));
    return () => { current = false; };
  }, [asked]);

  if (loadError) return <ErrorNote error={loadError} />;
  if (!agreements) return <p aria-busy="true">Loading…</p>;
  if (!agreements.some((a) => a.coverage_calendar_id)) {
    return <p>No agreement of this vendor names a coverage calendar.</p>;
  }
  const agreement = agreements.find((a) => String(a.id) === draft.agreement_id);
  // The agreement's queues; all of its vendor's when it names none.
  const served = agreement && agreement.queue_ids.length
    ? queues.filter((q) => agreement.queue_ids.includes(q.id))
    : queues;
  const errors = formErrors(error, fields);
  const set = (name: keyof Asked) => (e: Event) =>
    setDraft({ ...draft, [name]: (e.target as HTMLInputElement | HTMLSelectElement).value });

  return (
    <>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); setAsked({ ...draft }); }}>
        <div>
          <label for="agreement_id">Agreement</label>
          <select id="agreement_id" value={draft.agreement_id}
            onChange={(e) => setDraft({ ...draft, agreement_id: (e.target as HTMLSelectElement).value, queue_id: '' })}
            {...invalidProps('agreement_id', errors)}>
            {agreements.map((a) => (
              <option key={a.id} value={a.id} disabled={!a.coverage_calendar_id}>
                #{a.id} ({a.start_date} to {a.end_date}){a.coverage_calendar_id ? '' : ', no coverage calendar'}
              </option>
            ))}
          </select>
          <FieldError name="agreement_id" errors={errors} />
        </div>
        <div>
          <label for="from">From</label>
          <input id="from" type="date" value={draft.from} onChange={set('from')} {...invalidProps('from', errors)} />
          <FieldError name="from" errors={errors} />
        </div>
        <div>
          <label for="to">Up to (not including)</label>
          <input id="to" type="date" value={draft.to} onChange={set('to')} {...invalidProps('to', errors)} />
          <FieldError name="to" errors={errors} />
        </div>
        <div>
          <label for="queue_id">Queue</label>
          <select id="queue_id" value={draft.queue_id} onChange={set('queue_id')} {...invalidProps('queue_id', errors)}>
            <option value="">All of the agreement's queues</option>
            {served.map((q) => <option key={q.id} value={q.id}>{q.name} ({label(q.channel)})</option>)}
          </select>
          <FieldError name="queue_id" errors={errors} />
        </div>
        <div class="filters-submit"><button type="submit">Show</button></div>
      </form>
      <FormErrorSummary errors={errors} />
      {asked && !report && !error ? <p aria-busy="true">Loading…</p> : null}
      {report ? <CoverageResult coverage={report.coverage} calendar={report.calendar} /> : null}
    </>
  );
}

// Minutes of each hour of the week (Monday 00:00 first) that the calendar's weekly spans
// contract; a span whose end is not after its start runs past midnight, as the server
// reads it (analytics/coverage.cpp).
function contractedMinutes(spans: Calendar['hours']): number[] {
  const week = 7 * 1440;
  const covered = new Uint8Array(week);
  const minuteOf = (time: string) => {
    const [h, m] = time.split(':').map(Number);
    return h * 60 + m;
  };
  for (const span of spans) {
    const day = weekdays.indexOf(span.day) * 1440;
    const start = minuteOf(span.start);
    let end = minuteOf(span.end);
    if (end <= start) end += 1440;
    for (let m = start; m < end; ++m) covered[(day + m) % week] = 1;
  }
  const perHour = new Array<number>(168).fill(0);
  covered.forEach((c, m) => { perHour[Math.floor(m / 60)] += c; });
  return perHour;
}

// The shade of a cell: 0 for none, then four steps up to the busiest cell.
function heatLevel(contacts: number, most: number): number {
  return contacts === 0 || most === 0 ? 0 : Math.max(1, Math.ceil((contacts / most) * 4));
}

function hourText(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

function CoverageResult({ coverage, calendar }: { coverage: CoverageReport; calendar: Calendar }) {
  const contracted = contractedMinutes(calendar.hours);
  const inside = (d: number, h: number) => d >= 0 && d < 7 && h >= 0 && h < 24 && contracted[d * 24 + h] > 0;
  const total = (c: CoverageReport['hours'][number]) => c.inside.contacts + c.outside.contacts;
  const most = Math.max(0, ...coverage.hours.map(total));
  const zone = coverage.parameters.time_zone;
  return (
    <>
      <p class="hint">
        {coverage.weeks} weeks; hours in {zone} (the coverage calendar “{calendar.name}”).
        {coverage.average_handle_time_seconds !== null
          ? ` Average handle time ${coverage.average_handle_time_seconds} s.` : ''}
      </p>
      <p class="legend" id="heatmap-legend">
        <span class="legend-sample in in-t in-b in-l in-r" aria-hidden="true" /> Outlined: the
        hours the agreement contracts (◐ marks an hour contracted only in part). Darker cells had
        more contacts; the busiest had {most}.
      </p>
      <div class="table-scroll">
        <table class="heatmap" aria-describedby="heatmap-legend">
          <caption>Contacts by hour of the week</caption>
          <thead>
            <tr>
              <th scope="col">Hour</th>
              {weekdays.map((d) => <th key={d} scope="col">{weekdayName(d)}</th>)}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: 24 }, (_, h) => (
              <tr key={h}>
                <th scope="row">{hourText(h)}</th>
                {weekdays.map((day, d) => {
                  const cell = coverage.hours[d * 24 + h];
                  const contacts = total(cell);
                  const answered = cell.inside.answered + cell.outside.answered;
                  const missed = cell.inside.missed + cell.outside.missed;
                  const minutes = contracted[d * 24 + h];
                  const classes = [`heat-${heatLevel(contacts, most)}`];
                  if (minutes > 0) {
                    classes.push('in');
                    if (!inside(d, h - 1)) classes.push('in-t');
                    if (!inside(d, h + 1)) classes.push('in-b');
                    if (!inside(d - 1, h)) classes.push('in-l');
                    if (!inside(d + 1, h)) classes.push('in-r');
                  }
                  const coverageText = minutes === 60 ? 'contracted'
                    : minutes > 0 ? `contracted for ${minutes} minutes` : 'not contracted';
                  const detail = `${contacts} contacts, ${answered} answered, ${missed} missed; ${coverageText}`;
                  return (
                    <td key={day} class={classes.join(' ')} title={`${label(day)} ${hourText(h)}: ${detail}`}
                      data-hour={d * 24 + h} data-contracted={minutes > 0 ? 'yes' : 'no'}>
                      {contacts}
                      {minutes > 0 && minutes < 60 ? <span aria-hidden="true">◐</span> : null}
                      <span class="visually-hidden">{`: ${detail}`}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Recommendations coverage={coverage} />
    </>
  );
}

function Recommendations({ coverage }: { coverage: CoverageReport }) {
  const items = coverage.recommendations;
  return (
    <section aria-labelledby="recommendations-title">
      <h2 id="recommendations-title">Recommendations</h2>
      {items.length === 0 ? <p>None: every edge hour is used and no hour outside coverage is busy.</p> : (
        <div class="table-scroll">
          <table class="report stack">
            <caption class="visually-hidden">Trim and extend recommendations</caption>
            <thead>
              <tr><th scope="col">Action</th><th scope="col">Hour</th><th scope="col">Contacts a week</th>
                <th scope="col">Agents</th><th scope="col">Agent-hours a year</th><th scope="col">Money a year</th></tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={`${r.action}-${r.hour_of_week.hour}`}>
                  <th scope="row">{r.action === 'trim' ? 'Trim' : 'Extend'}</th>
                  <td data-label="Hour">{hourOfWeekText(r.hour_of_week.weekday, r.hour_of_week.local_hour)}</td>
                  <td data-label="Contacts a week">{r.contacts_per_week}</td>
                  <td data-label="Agents">{r.agents}</td>
                  <td data-label="Agent-hours a year">{r.agent_hours_per_year}</td>
                  <td data-label="Money a year">{r.money_per_year_minor !== null ? money(r.money_per_year_minor, r.currency) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
