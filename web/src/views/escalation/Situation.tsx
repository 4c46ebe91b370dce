// The situation summary: customer impact, root cause with its category (from the configured
// list, GET /api/v1/root_cause_categories), and the sequence of events, which the server
// pre-filled from the linked cases when the escalation was opened and anyone who may
// change the escalation edits freely afterwards.
import { useState } from 'preact/hooks';
import { when } from '../../format';
import { onLinkClick } from '../../router';
import type { Escalation, SequenceEvent } from '../../types';
import {
  Field, FormButtons, Panel, Problems, fromLocalInput, inputValue, textOrNull,
  toLocalInput, useForm, useRows,
} from './editing';
import type { Page } from './page';

export function Situation({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const [impact, setImpact] = useState('');
  const [cause, setCause] = useState('');
  const [category, setCategory] = useState('');

  function start() {
    setImpact(e.customer_impact ?? '');
    setCause(e.root_cause ?? '');
    setCategory(e.root_cause_category ?? '');
    form.start(e);
  }
  function save() {
    const body: Record<string, unknown> = {};
    if (textOrNull(impact) !== e.customer_impact) body.customer_impact = textOrNull(impact);
    if (textOrNull(cause) !== e.root_cause) body.root_cause = textOrNull(cause);
    if ((category || null) !== e.root_cause_category) body.root_cause_category = category || null;
    if (Object.keys(body).length === 0) return form.cancel();
    form.submit(() => page.patch(body, form.opened));
  }

  // A retired category stays on the escalations that chose it; only new choices of it are
  // refused, so it is offered only where it is already chosen.
  const choices = page.categories.filter((c) => c.active || c.name === e.root_cause_category);
  const errors = form.errors;
  return (
    <Panel id="situation-title" title="Situation"
      edit={page.writable ? { text: 'Edit situation', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => { ev.preventDefault(); save(); }}>
          <Problems errors={errors} shown={['customer_impact', 'root_cause', 'root_cause_category']} />
          <Field field="customer_impact" label="Customer impact" errors={errors}>
            {(attrs) => <textarea {...attrs} rows={3} value={impact}
              onInput={(ev) => setImpact(inputValue(ev))} />}
          </Field>
          <Field field="root_cause" label="Root cause" errors={errors}>
            {(attrs) => <textarea {...attrs} rows={3} value={cause}
              onInput={(ev) => setCause(inputValue(ev))} />}
          </Field>
          <Field field="root_cause_category" label="Root-cause category" errors={errors}>
            {(attrs) => (
              <select {...attrs} value={category} onChange={(ev) => setCategory(inputValue(ev))}>
                <option value="">not chosen yet</option>
                {choices.map((c) => (
                  <option key={c.id} value={c.name}>{c.name}{c.active ? '' : ' (retired)'}</option>
                ))}
              </select>
            )}
          </Field>
          <FormButtons form={form} save="Save situation" />
        </form>
      ) : (
        <dl class="summary">
          <dt>Customer impact</dt>
          <dd>{e.customer_impact ?? <span class="muted">not described yet</span>}</dd>
          <dt>Root cause</dt>
          <dd>{e.root_cause ?? <span class="muted">not found yet</span>}</dd>
          <dt>Category</dt>
          <dd>{e.root_cause_category ?? <span class="muted">not chosen yet</span>}</dd>
        </dl>
      )}
    </Panel>
  );
}

export function SequenceOfEvents({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const list = useRows<SequenceEvent>([]);

  function start() {
    list.set(e.sequence_of_events);
    form.start(e);
  }
  function save() {
    // Kept oldest first, as the server pre-fills it; sorted here so that an error's index
    // names the row shown.
    const sorted = [...list.rows].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    list.set(sorted);
    form.submit(() => page.patch({ sequence_of_events: sorted }, form.opened));
  }

  const errors = form.errors;
  const shown = list.rows.flatMap((_, i) => [`sequence_of_events[${i}].at`, `sequence_of_events[${i}].description`]);
  const linked = e.case_ids.length > 0 ? (
    <p>
      Linked case{e.case_ids.length > 1 ? 's' : ''}:{' '}
      {e.case_ids.map((id, i) => (
        <span key={id}>{i > 0 ? ', ' : ''}<a href={`/cases/${id}`} onClick={onLinkClick}>#{id}</a></span>
      ))}
    </p>
  ) : null;
  return (
    <Panel id="sequence-title" title="Sequence of events"
      edit={page.writable ? { text: 'Edit sequence', open: form.open, onClick: start } : null}>
      {linked}
      {form.open ? (
        <form onSubmit={(ev) => { ev.preventDefault(); save(); }}>
          <Problems errors={errors} shown={shown} />
          <p class="hint">
            An escalation opened without a sequence gets one from its linked cases' histories;
            correct it, add what the cases do not show, remove what does not matter.
          </p>
          <ol class="rows">
            {list.rows.map((row, i) => (
              <li key={i} class="row">
                <Field field={`sequence_of_events[${i}].at`} label={`Event ${i + 1}: when`} errors={errors}>
                  {(attrs) => <input {...attrs} type="datetime-local" required value={toLocalInput(row.at)}
                    onInput={(ev) => {
                      const at = fromLocalInput(inputValue(ev));
                      if (at) list.update(i, { at });
                    }} />}
                </Field>
                <Field field={`sequence_of_events[${i}].description`} label={`Event ${i + 1}: what happened`} errors={errors}>
                  {(attrs) => <input {...attrs} type="text" required value={row.description}
                    onInput={(ev) => list.update(i, { description: inputValue(ev) })} />}
                </Field>
                <button type="button" class="secondary" onClick={() => list.remove(i)}>
                  Remove event {i + 1}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary" onClick={() => list.add({
            at: new Date().toISOString(), description: '', case_id: null, interaction_id: null,
          })}>Add event</button>
          <FormButtons form={form} save="Save sequence" />
        </form>
      ) : e.sequence_of_events.length === 0 ? <p class="muted">No event recorded.</p> : (
        <ol class="events">{e.sequence_of_events.map((s, i) => (
          <li key={i}>
            <time dateTime={s.at}>{when(s.at)}</time> {s.description}
            {s.case_id ? <span class="muted"> (case #{s.case_id})</span> : null}
          </li>
        ))}</ol>
      )}
    </Panel>
  );
}
