// Success criteria agreed with the customer, each met (with evidence) or not, and the
// customer's agreement to close (who, when): the close-out needs every criterion met and
// the agreement recorded.
import { useState } from 'preact/hooks';
import { when } from '../../format';
import type { Criterion, Escalation } from '../../types';
import {
  Field, FormButtons, Mark, Panel, Problems, fromLocalInput, inputValue,
  textOrNull, toLocalInput, useForm, useRows,
} from './editing';
import { personName, type Page } from './page';

export function Criteria({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const list = useRows<Criterion>([]);

  function start() {
    list.set(e.success_criteria);
    form.start(e);
  }

  const errors = form.errors;
  const field = (i: number, name: string) => `success_criteria[${i}].${name}`;
  const shown = list.rows.flatMap((_, i) => ['description', 'evidence'].map((n) => field(i, n)));
  return (
    <Panel id="criteria-title" title="Success criteria"
      edit={page.writable ? { text: 'Edit criteria', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => {
          ev.preventDefault();
          form.submit(() => page.patch({ success_criteria: list.rows }, form.opened));
        }}>
          <Problems errors={errors} shown={shown} />
          <ol class="rows">
            {list.rows.map((c, i) => (
              <li key={i} class="row">
                <Field field={field(i, 'description')} label={`Criterion ${i + 1}`} errors={errors}>
                  {(attrs) => <input {...attrs} type="text" required value={c.description}
                    onInput={(ev) => list.update(i, { description: inputValue(ev) })} />}
                </Field>
                <label class="check">
                  <input type="checkbox" checked={c.met}
                    onChange={(ev) => list.update(i, { met: (ev.target as HTMLInputElement).checked })} />
                  Criterion {i + 1} met
                </label>
                <Field field={field(i, 'evidence')} label={`Evidence for criterion ${i + 1}`} errors={errors}
                  hint="required when met">
                  {(attrs) => <input {...attrs} type="text" value={c.evidence ?? ''}
                    onInput={(ev) => list.update(i, { evidence: textOrNull(inputValue(ev)) })} />}
                </Field>
                <button type="button" class="secondary" onClick={() => list.remove(i)}>
                  Remove criterion {i + 1}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary"
            onClick={() => list.add({ description: '', met: false, evidence: null })}>Add criterion</button>
          <FormButtons form={form} save="Save criteria" />
        </form>
      ) : e.success_criteria.length === 0 ? <p class="muted">None agreed yet.</p> : (
        <ul class="criteria">{e.success_criteria.map((c, i) => (
          <li key={i}>
            <Mark done={c.met} text={c.description} yes="met" no="not met" />
            {c.evidence ? <span class="muted"> — {c.evidence}</span> : null}
          </li>
        ))}</ul>
      )}
      <Agreement page={page} />
    </Panel>
  );
}

function Agreement({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm();
  const [person, setPerson] = useState('');
  const [at, setAt] = useState('');

  const agreement = e.customer_agreement;
  if (agreement) {
    return (
      <div class="agreement">
        <h3>Customer agreement</h3>
        <Problems errors={form.errors} />
        <p>
          Agreed by {personName(page, agreement.person_id)} on {when(agreement.at)}
          {page.writable ? (
            <>
              {' '}
              <button type="button" class="secondary" disabled={form.busy}
                onClick={() => form.submit(() => page.patch({ customer_agreement: null }))}>
                Withdraw agreement
              </button>
            </>
          ) : null}
        </p>
      </div>
    );
  }
  // The escalation's customer contacts first: they are who usually agrees.
  const listed = [...page.people].sort((a, b) =>
    Number(e.contact_ids.includes(b.id)) - Number(e.contact_ids.includes(a.id)));
  const errors = form.errors;
  return (
    <div class="agreement">
      <h3>Customer agreement</h3>
      {!page.writable ? <p>Not recorded.</p> : (
        <form onSubmit={(ev) => {
          ev.preventDefault();
          const body = {
            person_id: Number(person),
            at: at ? fromLocalInput(at) ?? at : new Date().toISOString(),
          };
          form.submit(() => page.patch({ customer_agreement: body }));
        }}>
          <Problems errors={errors} shown={['customer_agreement.person_id', 'customer_agreement.at']} />
          <div class="row-fields">
            <Field field="customer_agreement.person_id" label="Agreed by" errors={errors}>
              {(attrs) => (
                <select {...attrs} value={person} required onChange={(ev) => setPerson(inputValue(ev))}>
                  <option value="">choose…</option>
                  {listed.map((p) => (
                    <option key={p.id} value={String(p.id)}>
                      {p.name}{e.contact_ids.includes(p.id) ? ' (contact)' : ''}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field field="customer_agreement.at" label="Agreed on" errors={errors} hint="blank: now">
              {(attrs) => <input {...attrs} type="datetime-local" value={at}
                max={toLocalInput(new Date().toISOString())} onInput={(ev) => setAt(inputValue(ev))} />}
            </Field>
          </div>
          <button type="submit" disabled={form.busy || !person}>Record agreement</button>
        </form>
      )}
    </div>
  );
}
