// The staffing calculator (GET /api/v1/reports/staffing, docs/staffing.md): agents needed
// for one interval's contacts, or the coming week's plan interval by interval from a
// forecast of past weeks' contacts in a scope. The inputs go to the API as typed (text
// fields: nothing is silently dropped by the browser), and each error the API names is
// shown beside its field.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type User, get } from '../api';
import { FieldError, FormErrorSummary, formErrors, invalidProps, type FormErrors } from '../components';
import { label } from '../format';
import { getAll, reportPath, type Queue, type Vendor } from './VendorCommon';

interface Figures {
  agents: number;
  scheduled_agents: number;
  service_level_percent: number;
  average_speed_of_answer_seconds: number | null;  // null: the queue never clears
  occupancy_percent: number;
  abandonment_percent: number;
}

interface IntervalAnswer {
  parameters: { patience_seconds: number | null };
  staffing: Figures & { traffic_erlangs: number };
}

interface PlanAnswer {
  parameters: {
    history_from: string;
    time_zone: string;
    aht_seconds: number;
    patience_seconds: number | null;
  };
  intervals: (Figures & { start: string; label: string; forecast_contacts: number; traffic_erlangs: number })[];
  agent_hours: number;
  scheduled_agent_hours: number;
}

type Mode = 'interval' | 'plan';

// The form's fields, named as the API's parameters; empty means the API's default.
interface Inputs {
  calls: string;
  interval_minutes: string;
  aht_seconds: string;
  service_level_percent: string;
  threshold_seconds: string;
  max_occupancy_percent: string;
  shrinkage_percent: string;
  patience_seconds: string;
  vendor_id: string;
  queue_id: string;
  channel: string;
  period: string;
  weeks: string;
  time_zone: string;
}

const modeFields: Record<Mode, (keyof Inputs)[]> = {
  interval: ['calls', 'interval_minutes'],
  plan: ['vendor_id', 'queue_id', 'channel', 'period', 'weeks', 'time_zone'],
};
const targetFields: (keyof Inputs)[] = [
  'aht_seconds', 'service_level_percent', 'threshold_seconds', 'max_occupancy_percent',
  'shrinkage_percent', 'patience_seconds',
];
const channels = ['phone', 'email', 'chat', 'web', 'social', 'sms'];

export function Staffing({ me }: { me: User }) {
  const [mode, setMode] = useState<Mode>('interval');
  const [inputs, setInputs] = useState<Inputs>({
    calls: '120', interval_minutes: '30', aht_seconds: '240', service_level_percent: '80',
    threshold_seconds: '20', max_occupancy_percent: '', shrinkage_percent: '30', patience_seconds: '',
    vendor_id: '', queue_id: '', channel: '', period: '30m', weeks: '4',
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  });
  const [vendors, setVendors] = useState<Vendor[]>([]);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [answer, setAnswer] = useState<
    { mode: 'interval'; body: IntervalAnswer } | { mode: 'plan'; body: PlanAnswer } | null
  >(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([getAll<Vendor>('/api/v1/vendors'), getAll<Queue>('/api/v1/queues')])
      .then(([v, q]) => {
        setVendors(v);
        setQueues(q);
        // A vendor agent's forecast is always its own vendor's: the one it is offered.
        if (me.role === 'vendor_agent' && v.length) setInputs((now) => ({ ...now, vendor_id: String(v[0].id) }));
      })
      .catch(setError);
  }, []);

  const fields = [...modeFields[mode], ...targetFields];
  function switchTo(next: Mode) {
    setMode(next);
    setError(null);
    setAnswer(null);
  }
  const errors = formErrors(error, fields);

  async function compute(e: Event) {
    e.preventDefault();
    const asked: Partial<Inputs> = {};
    for (const name of fields) asked[name] = inputs[name];
    setBusy(true);
    setError(null);
    try {
      const path = reportPath('/api/v1/reports/staffing', { ...asked });
      if (mode === 'interval') setAnswer({ mode, body: await get<IntervalAnswer>(path) });
      else setAnswer({ mode, body: await get<PlanAnswer>(path) });
    } catch (err) {
      setAnswer(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const set = (name: keyof Inputs) => (e: Event) =>
    setInputs({ ...inputs, [name]: (e.target as HTMLInputElement | HTMLSelectElement).value });
  const text = (name: keyof Inputs, title: string, hint?: string) => (
    <Field name={name} title={title} hint={hint} errors={errors}>
      <input id={name} type="text" inputMode="decimal" value={inputs[name]} onInput={set(name)}
        {...invalidProps(name, errors)} {...hintProps(name, hint, errors)} />
    </Field>
  );
  const shownQueues = inputs.vendor_id ? queues.filter((q) => String(q.vendor_id) === inputs.vendor_id) : queues;

  return (
    <main>
      <h1>Staffing</h1>
      <form class="staffing" onSubmit={compute} noValidate>
        <fieldset>
          <legend>Calculate for</legend>
          <label class="check">
            <input type="radio" name="mode" value="interval" checked={mode === 'interval'}
              onChange={() => switchTo('interval')} />
            One interval's contacts
          </label>
          <label class="check">
            <input type="radio" name="mode" value="plan" checked={mode === 'plan'}
              onChange={() => switchTo('plan')} />
            The coming week, forecast from past weeks
          </label>
        </fieldset>
        {mode === 'interval' ? (
          <fieldset>
            <legend>The interval</legend>
            <div class="fields">
              {text('calls', 'Contacts in the interval')}
              {text('interval_minutes', 'Interval length (min)')}
            </div>
          </fieldset>
        ) : (
          <fieldset>
            <legend>The forecast</legend>
            <div class="fields">
              <Field name="vendor_id" title="Vendor" errors={errors}>
                <select id="vendor_id" value={inputs.vendor_id} {...invalidProps('vendor_id', errors)}
                  onChange={(e) => setInputs({ ...inputs, vendor_id: (e.target as HTMLSelectElement).value, queue_id: '' })}>
                  {me.role === 'vendor_agent' ? null : <option value="">All vendors and in-house</option>}
                  {vendors.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
                </select>
              </Field>
              <Field name="queue_id" title="Queue" errors={errors}>
                <select id="queue_id" value={inputs.queue_id} onChange={set('queue_id')} {...invalidProps('queue_id', errors)}>
                  <option value="">All queues</option>
                  {shownQueues.map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}
                </select>
              </Field>
              <Field name="channel" title="Channel" errors={errors}>
                <select id="channel" value={inputs.channel} onChange={set('channel')} {...invalidProps('channel', errors)}>
                  <option value="">All channels</option>
                  {channels.map((c) => <option key={c} value={c}>{label(c)}</option>)}
                </select>
              </Field>
              <Field name="period" title="Intervals" errors={errors}>
                <select id="period" value={inputs.period} onChange={set('period')} {...invalidProps('period', errors)}>
                  <option value="15m">15 minutes</option>
                  <option value="30m">30 minutes</option>
                  <option value="60m">60 minutes</option>
                </select>
              </Field>
              {text('weeks', 'Weeks of history')}
              <Field name="time_zone" title="Time zone" errors={errors}>
                <input id="time_zone" type="text" value={inputs.time_zone} onInput={set('time_zone')}
                  {...invalidProps('time_zone', errors)} />
              </Field>
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend>The target</legend>
          <div class="fields">
            {text('aht_seconds', 'Average handling time (s)',
              mode === 'plan' ? 'Empty: the history’s' : undefined)}
            {text('service_level_percent', 'Service level (%)')}
            {text('threshold_seconds', 'Answered within (s)')}
            {text('shrinkage_percent', 'Shrinkage (%)')}
            {text('max_occupancy_percent', 'Occupancy cap (%)', 'Empty: no cap')}
            {text('patience_seconds', 'Mean patience (s)', 'Empty: Erlang C; given: Erlang A')}
          </div>
        </fieldset>
        <button type="submit" disabled={busy}>Calculate</button>
      </form>
      <FormErrorSummary errors={errors} />
      {answer?.mode === 'interval' ? <IntervalResult answer={answer.body} /> : null}
      {answer?.mode === 'plan' ? <PlanResult answer={answer.body} /> : null}
    </main>
  );
}

function hintProps(name: string, hint: string | undefined, errors: FormErrors | null) {
  if (!hint || errors?.byField[name]) return {};
  return { 'aria-describedby': `${name}-hint` };
}

// A labelled control with its hint and the API's error for it.
function Field({ name, title, hint, errors, children }: {
  name: string;
  title: string;
  hint?: string;
  errors: FormErrors | null;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={name}>{title}</label>
      {children}
      {hint ? <p id={`${name}-hint`} class="hint small">{hint}</p> : null}
      <FieldError name={name} errors={errors} />
    </div>
  );
}

function asa(seconds: number | null): string {
  return seconds === null ? 'unbounded' : `${seconds} s`;
}

function IntervalResult({ answer }: { answer: IntervalAnswer }) {
  const s = answer.staffing;
  return (
    <section class="panel" aria-labelledby="result-title">
      <h2 id="result-title">Agents needed</h2>
      <dl class="result">
        <dt>Traffic</dt><dd>{s.traffic_erlangs} Erlangs</dd>
        <dt>Agents on the phones</dt><dd class="agents">{s.agents}</dd>
        <dt>Agents scheduled (with shrinkage)</dt><dd class="scheduled">{s.scheduled_agents}</dd>
        <dt>Service level achieved</dt><dd>{s.service_level_percent} %</dd>
        <dt>Average speed of answer</dt><dd>{asa(s.average_speed_of_answer_seconds)}</dd>
        <dt>Occupancy</dt><dd>{s.occupancy_percent} %</dd>
        {answer.parameters.patience_seconds !== null ? (
          <><dt>Abandonment</dt><dd>{s.abandonment_percent} %</dd></>
        ) : null}
      </dl>
    </section>
  );
}

// "Mon 1 Dec 16:00" for a local label "2026-12-01T16:00" (wall-clock time in the plan's zone).
function intervalText(localLabel: string): string {
  const at = new Date(`${localLabel}:00Z`);
  if (Number.isNaN(at.getTime())) return localLabel;
  return at.toLocaleString(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC',
  });
}

function PlanResult({ answer }: { answer: PlanAnswer }) {
  const p = answer.parameters;
  const erlangA = p.patience_seconds !== null;
  const first = answer.intervals[0];
  return (
    <section class="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan for the week{first ? ` from ${intervalText(first.label)}` : ''}</h2>
      <p class="hint">
        Forecast: the mean of the same interval over the weeks since {new Date(p.history_from).toLocaleDateString()};
        times in {p.time_zone}; handle time {p.aht_seconds} s. In all {answer.agent_hours} agent-hours on the
        phones, {answer.scheduled_agent_hours} scheduled.
      </p>
      <div class="table-scroll plan-scroll">
        <table class="report plan">
          <caption class="visually-hidden">Agents per interval</caption>
          <thead>
            <tr>
              <th scope="col">Interval</th><th scope="col">Forecast contacts</th><th scope="col">Erlangs</th>
              <th scope="col">Agents</th><th scope="col">Scheduled</th><th scope="col">Service level</th>
              <th scope="col">Speed of answer</th><th scope="col">Occupancy</th>
              {erlangA ? <th scope="col">Abandonment</th> : null}
            </tr>
          </thead>
          <tbody>
            {answer.intervals.map((i) => (
              <tr key={i.start} class={i.agents === 0 ? 'idle' : undefined}>
                <th scope="row"><time dateTime={i.start}>{intervalText(i.label)}</time></th>
                <td>{i.forecast_contacts}</td>
                <td>{i.traffic_erlangs}</td>
                <td>{i.agents}</td>
                <td>{i.scheduled_agents}</td>
                <td>{i.service_level_percent} %</td>
                <td>{asa(i.average_speed_of_answer_seconds)}</td>
                <td>{i.occupancy_percent} %</td>
                {erlangA ? <td>{i.abandonment_percent} %</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
