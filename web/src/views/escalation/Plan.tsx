// The get-well plan (actions with an owner, a due date and a status) and the dry-run
// checklist, the rehearsal before the customer meeting: planning → executing needs at
// least one action and every checklist item done.
import { useState } from 'preact/hooks';
import { label } from '../../format';
import type { Escalation, PlanAction } from '../../types';
import { Field, FormButtons, Mark, Panel, Problems, inputValue, useForm, useRows } from './editing';
import { inHouse, userName, type Page } from './page';

const statuses: PlanAction['status'][] = ['planned', 'in_progress', 'done', 'cancelled'];

export function Plan({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();
  const list = useRows<PlanAction>([]);

  function start() {
    list.set(e.plan);
    form.start(e);
  }

  const errors = form.errors;
  const field = (i: number, name: string) => `plan[${i}].${name}`;
  const shown = list.rows.flatMap((_, i) =>
    ['description', 'owner_id', 'due_on', 'status'].map((n) => field(i, n)));
  const owners = inHouse(page, list.rows.map((a) => a.owner_id));
  const overdue = new Map(page.overview.plan.overdue.map((o) => [o.index, o.days_overdue]));
  return (
    <Panel id="plan-title" title="Get-well plan"
      edit={page.writable ? { text: 'Edit plan', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => { ev.preventDefault(); form.submit(() => page.patch({ plan: list.rows }, form.opened)); }}>
          <Problems errors={errors} shown={shown} />
          <ol class="rows">
            {list.rows.map((a, i) => (
              <li key={i} class="row">
                <Field field={field(i, 'description')} label={`Action ${i + 1}`} errors={errors}>
                  {(attrs) => <input {...attrs} type="text" required value={a.description}
                    onInput={(ev) => list.update(i, { description: inputValue(ev) })} />}
                </Field>
                <div class="row-fields">
                  <Field field={field(i, 'owner_id')} label={`Action ${i + 1} owner`} errors={errors}>
                    {(attrs) => (
                      <select {...attrs} value={a.owner_id === null ? '' : String(a.owner_id)}
                        onChange={(ev) => list.update(i, { owner_id: inputValue(ev) ? Number(inputValue(ev)) : null })}>
                        <option value="">nobody yet</option>
                        {owners.map((u) => <option key={u.id} value={String(u.id)}>{u.name}</option>)}
                      </select>
                    )}
                  </Field>
                  <Field field={field(i, 'due_on')} label={`Action ${i + 1} due`} errors={errors}>
                    {(attrs) => <input {...attrs} type="date" value={a.due_on ?? ''}
                      onInput={(ev) => list.update(i, { due_on: inputValue(ev) || null })} />}
                  </Field>
                  <Field field={field(i, 'status')} label={`Action ${i + 1} status`} errors={errors}>
                    {(attrs) => (
                      <select {...attrs} value={a.status}
                        onChange={(ev) => list.update(i, { status: inputValue(ev) as PlanAction['status'] })}>
                        {statuses.map((s) => <option key={s} value={s}>{label(s)}</option>)}
                      </select>
                    )}
                  </Field>
                </div>
                <button type="button" class="secondary" onClick={() => list.remove(i)}>
                  Remove action {i + 1}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary" onClick={() => list.add({
            description: '', owner_id: null, due_on: null, status: 'planned',
          })}>Add action</button>
          <FormButtons form={form} save="Save plan" />
        </form>
      ) : e.plan.length === 0 ? <p class="muted">No action yet.</p> : (
        <ul class="plan">{e.plan.map((a, i) => (
          <li key={i} class={`action-${a.status}`}>
            <span class="action-description">{a.description}</span>
            <span class="muted">
              {' '}— {userName(page, a.owner_id)} · {label(a.status)}
              {a.due_on ? ` · due ${a.due_on}` : ''}
            </span>
            {overdue.has(i) ? <span class="overdue"> overdue by {overdue.get(i)} day(s)</span> : null}
          </li>
        ))}</ul>
      )}
    </Panel>
  );
}

export function Checklist({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm<Escalation>();  // editing the items
  const tick = useForm();  // ticking one: saved at once, a checklist is there to be ticked
  const list = useRows<{ item: string; done: boolean }>([]);

  function start() {
    list.set(e.dry_run_checklist);
    form.start(e);
  }
  // The box ticked while its save is under way shows the new state, not the stored one.
  const [ticking, setTicking] = useState<{ index: number; done: boolean } | null>(null);
  async function toggle(index: number, done: boolean) {
    const items = e.dry_run_checklist.map((c, j) => (j === index ? { ...c, done } : c));
    setTicking({ index, done });
    await tick.submit(() => page.patch({ dry_run_checklist: items }));
    setTicking(null);
  }

  const errors = form.errors;
  const shown = list.rows.map((_, i) => `dry_run_checklist[${i}].item`);
  return (
    <Panel id="checklist-title" title="Dry-run checklist"
      edit={page.writable ? { text: 'Edit checklist', open: form.open, onClick: start } : null}>
      {form.open ? (
        <form onSubmit={(ev) => {
          ev.preventDefault();
          form.submit(() => page.patch({ dry_run_checklist: list.rows }, form.opened));
        }}>
          <Problems errors={errors} shown={shown} />
          <ol class="rows">
            {list.rows.map((c, i) => (
              <li key={i} class="row">
                <Field field={`dry_run_checklist[${i}].item`} label={`Item ${i + 1}`} errors={errors}>
                  {(attrs) => <input {...attrs} type="text" required value={c.item}
                    onInput={(ev) => list.update(i, { item: inputValue(ev) })} />}
                </Field>
                <button type="button" class="secondary" onClick={() => list.remove(i)}>
                  Remove item {i + 1}
                </button>
              </li>
            ))}
          </ol>
          <button type="button" class="secondary" onClick={() => list.add({ item: '', done: false })}>
            Add item
          </button>
          <FormButtons form={form} save="Save checklist" />
        </form>
      ) : e.dry_run_checklist.length === 0 ? <p class="muted">No item yet.</p> : (
        <>
          <Problems errors={tick.errors} />
          <ul class="checklist">{e.dry_run_checklist.map((c, i) => (
            <li key={i}>
              {page.writable ? (
                <label class="check">
                  <input type="checkbox" checked={ticking?.index === i ? ticking.done : c.done}
                    disabled={tick.busy}
                    onChange={(ev) => toggle(i, (ev.target as HTMLInputElement).checked)} />
                  {c.item}
                </label>
              ) : <Mark done={c.done} text={c.item} />}
            </li>
          ))}</ul>
        </>
      )}
    </Panel>
  );
}
