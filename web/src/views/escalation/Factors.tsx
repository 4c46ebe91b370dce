// Contributing factors: what led to the escalation, each owned by us (then by one of our
// functions), the customer or a third party. The review (closed → reviewed) needs one.
import { label } from '../../format';
import type { Escalation, Factor } from '../../types';
import { Field, FormButtons, Panel, Problems, inputValue, useForm, useRows } from './editing';
import type { Page } from './page';

// The Escalation schema's enums (GET /api/v1/openapi.json, domain/advocacy.hpp).
const parties: Factor['party'][] = ['us', 'customer', 'third_party'];
const functions = ['product_management', 'sales_and_marketing', 'customer_service',
  'technical_support', 'engineering', 'senior_management'];

function owner(f: Factor): string {
  return f.party === 'us' && f.function ? `us, ${label(f.function)}` : label(f.party);
}

export function Factors({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const list = useRows<Factor>([]);

  function start() {
    list.set(e.contributing_factors);
    form.start(e);
  }

  const errors = form.errors;
  const field = (i: number, name: string) => `contributing_factors[${i}].${name}`;
  const shown = list.rows.flatMap((_, i) => ['description', 'party', 'function'].map((n) => field(i, n)));
  return (
    <Panel id="factors-title" title="Contributing factors"
      edit={page.writable ? { text: 'Edit factors', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => {
          ev.preventDefault();
          form.submit(() => page.patch({ contributing_factors: list.rows }, form.opened));
        }}>
          <Problems errors={errors} shown={shown} />
          <ol class="rows">
            {list.rows.map((f, i) => (
              <li key={i} class="row">
                <Field field={field(i, 'description')} label={`Factor ${i + 1}`} errors={errors}>
                  {(attrs) => <input {...attrs} type="text" required value={f.description}
                    onInput={(ev) => list.update(i, { description: inputValue(ev) })} />}
                </Field>
                <div class="row-fields">
                  <Field field={field(i, 'party')} label={`Factor ${i + 1} owned by`} errors={errors}>
                    {(attrs) => (
                      <select {...attrs} value={f.party} onChange={(ev) => {
                        const party = inputValue(ev) as Factor['party'];
                        // A function is named when, and only when, the party is us.
                        list.update(i, { party, function: party === 'us' ? f.function : null });
                      }}>
                        {parties.map((p) => <option key={p} value={p}>{label(p)}</option>)}
                      </select>
                    )}
                  </Field>
                  {f.party === 'us' ? (
                    <Field field={field(i, 'function')} label={`Factor ${i + 1}: our function`} errors={errors}>
                      {(attrs) => (
                        <select {...attrs} value={f.function ?? ''} required
                          onChange={(ev) => list.update(i, { function: inputValue(ev) || null })}>
                          <option value="">choose…</option>
                          {functions.map((name) => <option key={name} value={name}>{label(name)}</option>)}
                        </select>
                      )}
                    </Field>
                  ) : null}
                </div>
                <button type="button" class="secondary" onClick={() => list.remove(i)}>
                  Remove factor {i + 1}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary"
            onClick={() => list.add({ description: '', party: 'us', function: null })}>Add factor</button>
          <FormButtons form={form} save="Save factors" />
        </form>
      ) : e.contributing_factors.length === 0 ? <p class="muted">None recorded.</p> : (
        <ul class="factors">{e.contributing_factors.map((f, i) => (
          <li key={i}>{f.description} <span class="muted">({owner(f)})</span></li>
        ))}</ul>
      )}
    </Panel>
  );
}
