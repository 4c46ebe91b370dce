// Business impact (revenue at risk, incident cost) and trials of mitigating services from
// the catalogue, each with its outcome and its return on investment as the overview
// computes it (docs/advocacy.md, "Return on investment").
import { useState } from 'preact/hooks';
import { call, etagOf } from '../../api';
import { label } from '../../format';
import type { Escalation, Overview } from '../../types';
import { Field, FormButtons, Panel, Problems, inputValue, useForm } from './editing';
import { majorText, minorDigits, money, parseMajor } from './money';
import type { Page } from './page';

export function Impact({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const [revenue, setRevenue] = useState('');
  const [cost, setCost] = useState('');

  function start() {
    setRevenue(e.revenue_at_risk_minor === null ? '' : majorText(e.revenue_at_risk_minor, e.currency));
    setCost(majorText(e.incident_cost_minor, e.currency));
    form.start(e);
  }
  function save() {
    // Blank revenue at risk is null, which the server resets to the account's annual value.
    form.submit(() => page.patch({
      revenue_at_risk_minor: parseMajor(revenue, e.currency),
      incident_cost_minor: parseMajor(cost, e.currency) ?? 0,
    }, form.opened));
  }

  const step = String(10 ** -minorDigits(e.currency));
  const errors = form.errors;
  return (
    <Panel id="impact-title" title="Business impact"
      edit={page.writable ? { text: 'Edit amounts', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => { ev.preventDefault(); save(); }}>
          <Problems errors={errors} shown={['revenue_at_risk_minor', 'incident_cost_minor']} />
          <div class="row-fields">
            <Field field="revenue_at_risk_minor" label={`Revenue at risk (${e.currency})`} errors={errors}
              hint="blank: the account's annual value">
              {(attrs) => <input {...attrs} type="number" min="0" step={step} value={revenue}
                onInput={(ev) => setRevenue(inputValue(ev))} />}
            </Field>
            <Field field="incident_cost_minor" label={`Incident cost (${e.currency})`} errors={errors}
              hint="blank: none">
              {(attrs) => <input {...attrs} type="number" min="0" step={step} value={cost}
                onInput={(ev) => setCost(inputValue(ev))} />}
            </Field>
          </div>
          <FormButtons form={form} save="Save amounts" />
        </form>
      ) : (
        <dl class="summary">
          <dt>Revenue at risk</dt>
          <dd>{e.revenue_at_risk_minor === null ? '—' : money(e.revenue_at_risk_minor, e.currency)}</dd>
          <dt>Incident cost</dt>
          <dd>{money(e.incident_cost_minor, e.currency)}</dd>
        </dl>
      )}
      <h3>Trials of mitigating services</h3>
      {page.overview.trials.length === 0 ? <p class="muted">No trial yet.</p> : (
        <ul class="trials">
          {page.overview.trials.map((t) => <TrialItem key={t.trial.id} page={page} item={t} />)}
        </ul>
      )}
      {page.writable && e.stage !== 'reviewed' ? <StartTrial page={page} /> : null}
    </Panel>
  );
}

function TrialItem({ page, item }: { page: Page; item: Overview['trials'][number] }) {
  const { trial, service, reminder_on } = item;
  const r = item.return;
  const form = useForm();
  const [outcome, setOutcome] = useState(trial.outcome ?? '');
  const name = service ?? `service #${trial.service_id}`;
  return (
    <li class="trial">
      <strong>{name}</strong>
      <div class="muted">
        {trial.starts_on} to {trial.ends_on} · {money(trial.monthly_price_minor, trial.currency)} a month ·{' '}
        {trial.ended_on ? `ended ${trial.ended_on}` : `reminder ${reminder_on}`}
        {trial.outcome ? ` · ${label(trial.outcome)}` : ''}
      </div>
      <p class="roi">
        Return on investment:{' '}
        <strong>{r.roi_percent === null ? 'none (nothing invested)' : `${r.roi_percent.toLocaleString()} %`}</strong>
        <span class="muted">
          {' '}— gain {money(r.gain_minor, r.currency)} against {money(r.investment_minor, r.currency)}
          {' '}({r.trial_days} days of the service {money(r.trial_cost_minor, r.currency)}, incident
          {' '}{money(r.incident_cost_minor, r.currency)})
        </span>
      </p>
      {page.writable && !trial.ended_on ? (
        <form class="inline" onSubmit={(ev) => {
          ev.preventDefault();
          form.submit(() => page.write(() => call('PATCH', `/api/v1/trials/${trial.id}`,
            { outcome: outcome || null }, { 'If-Match': etagOf(trial.version) })));
        }}>
          <Problems errors={form.errors} shown={['outcome']} />
          <Field field="outcome" scope={`trial-${trial.id}-`} label={`Outcome of the ${name} trial`}
            errors={form.errors}>
            {(attrs) => (
              <select {...attrs} value={outcome} onChange={(ev) => setOutcome(inputValue(ev))}>
                <option value="">not decided</option>
                <option value="purchased">purchased</option>
                <option value="turned_off">turned off</option>
              </select>
            )}
          </Field>
          <button type="submit" disabled={form.busy || outcome === (trial.outcome ?? '')}>Save outcome</button>
        </form>
      ) : null}
    </li>
  );
}

function StartTrial({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm();
  const [service, setService] = useState('');
  const [startsOn, setStartsOn] = useState('');
  const [endsOn, setEndsOn] = useState('');
  const [reminder, setReminder] = useState('');

  // The API takes a service still offered and priced in the escalation's currency.
  const offered = page.services.filter((s) => s.active && s.currency === e.currency);
  if (offered.length === 0) {
    return <p class="muted">The catalogue offers no service priced in {e.currency}.</p>;
  }
  async function start() {
    const body: Record<string, unknown> = { escalation_id: e.id, service_id: Number(service) };
    if (startsOn) body.starts_on = startsOn;
    if (endsOn) body.ends_on = endsOn;
    if (reminder) body.reminder_days = Number(reminder);
    if (await form.submit(() => page.write(() => call('POST', '/api/v1/trials', body)))) {
      setService('');
      setStartsOn('');
      setEndsOn('');
      setReminder('');
    }
  }
  const errors = form.errors;
  const fields = ['service_id', 'starts_on', 'ends_on', 'reminder_days'];
  return (
    <form onSubmit={(ev) => { ev.preventDefault(); start(); }}>
      <fieldset>
        <legend>Start a trial</legend>
        <Problems errors={errors} shown={fields} />
        <Field field="service_id" scope="trial-" label="Service" errors={errors}>
          {(attrs) => (
            <select {...attrs} value={service} required onChange={(ev) => setService(inputValue(ev))}>
              <option value="">choose…</option>
              {offered.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name} ({money(s.monthly_price_minor, s.currency)} a month)
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="row-fields">
          <Field field="starts_on" scope="trial-" label="Starts on" errors={errors} hint="blank: today">
            {(attrs) => <input {...attrs} type="date" value={startsOn} onInput={(ev) => setStartsOn(inputValue(ev))} />}
          </Field>
          <Field field="ends_on" scope="trial-" label="Ends on" errors={errors} hint="blank: 90 days after the start">
            {(attrs) => <input {...attrs} type="date" value={endsOn} onInput={(ev) => setEndsOn(inputValue(ev))} />}
          </Field>
          <Field field="reminder_days" scope="trial-" label="Reminder (days before the end)" errors={errors} hint="blank: 14">
            {(attrs) => <input {...attrs} type="number" min="0" step="1" value={reminder}
              onInput={(ev) => setReminder(inputValue(ev))} />}
          </Field>
        </div>
        <button type="submit" disabled={form.busy || !service}>Start trial</button>
      </fieldset>
    </form>
  );
}
